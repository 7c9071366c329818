// Fagin's threshold algorithm over sorted streams, index-neutral: each stream returns rows of one
// field nearest first (or, for a combined stream, rows by the distance a combined index orders
// by). The caller reads the streams, scores each row exactly and keeps the top k; this component
// keeps each stream's frontier, the bound on every row no stream has returned yet, the proof that
// the top k is final, and the choice of the stream to read next (Quick-Combine: the one whose
// last batch lowered the bound most per row, so a field with a large weight is read deeper).
#pragma once
#include "no_postgres.hpp"

#include <cstddef>
#include <cstdint>
#include <vector>

#include "fusion.hpp"

namespace mvvd::fusion {

class Threshold {
 public:
  // fields: every field of the search (weight 0 ones included, they never count). streams[s] is
  // the field stream s orders by, or -1 for a combined stream (then the only one), whose
  // distances give the weighted or raw fusion through combined_score with total_weight.
  Threshold(Method method, std::vector<Field> fields, std::vector<int> streams,
            double total_weight);

  // A distance a stream computed may be rounded (float32) below the exact one: lowered by that
  // error, it is a lower bound of the exact distance.
  static double below(double distance);

  // Stream s starts a batch of rows; observe() the distance of each row it returns (NaN when
  // the row has none: it is counted as read, nothing else); end_batch(s) when done.
  void begin_batch(int s);
  void observe(int s, double distance);
  void end_batch(int s);
  // Stream s has no more rows (or may not be read further).
  void exhaust(int s) { streams_[s].done = true; }
  bool exhausted(int s) const { return streams_[s].done; }

  // Per field, the last distance its stream returned so far (its smallest possible distance
  // before that): a row no stream has returned yet is at least that far on the field.
  const double* frontiers() const { return frontier_.data(); }

  // The best fused score a row no stream has returned yet could have.
  double bound() const;
  // Whether a row whose fused score is at most score could still enter a top k whose worst
  // score is kth (top_full: the top k holds k rows). Always true for RRF.
  bool could_enter(bool top_full, double kth, double score) const;
  // Whether the top k is final: it is full and its worst score reaches the bound.
  bool proven(bool top_full, double kth) const;
  // The stream to read next, or -1 when every stream is exhausted.
  int next_stream() const;

  std::int64_t rows_read(int s) const { return streams_[s].read; }

 private:
  struct Stream {
    int field;
    bool started = false;
    bool done = false;
    double gain = 0.0;         // how much its last batch lowered the bound, per row
    double batch_start = 0.0;  // its frontier before the batch
    int batch_rows = 0;        // rows with a distance in the batch
    std::int64_t read = 0;
  };
  double& frontier_of(const Stream& s);
  double bound_with(int s, double frontier);

  Method method_;
  std::vector<Field> fields_;
  std::vector<Stream> streams_;
  std::vector<double> frontier_;  // per field
  double combined_frontier_;
  double total_weight_;
};

}  // namespace mvvd::fusion
