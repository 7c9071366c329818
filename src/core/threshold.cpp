#include "threshold.hpp"

#include <cmath>
#include <utility>

namespace mvvd::fusion {

Threshold::Threshold(Method method, std::vector<Field> fields, std::vector<int> streams,
                     double total_weight)
    : method_(method),
      fields_(std::move(fields)),
      frontier_(fields_.size()),
      combined_frontier_(-INFINITY),
      total_weight_(total_weight) {
  for (std::size_t i = 0; i < fields_.size(); ++i) frontier_[i] = min_distance(fields_[i].scale);
  streams_.reserve(streams.size());
  for (int field : streams) {
    Stream s;
    s.field = field;
    streams_.push_back(s);
  }
}

double Threshold::below(double distance) { return distance - 1e-5 * (1.0 + std::fabs(distance)); }

double& Threshold::frontier_of(const Stream& s) {
  return s.field >= 0 ? frontier_[static_cast<std::size_t>(s.field)] : combined_frontier_;
}

void Threshold::begin_batch(int s) { streams_[s].batch_rows = 0; }

void Threshold::observe(int s, double distance) {
  Stream& st = streams_[s];
  ++st.read;
  if (std::isnan(distance)) return;
  double& frontier = frontier_of(st);
  if (!st.started) frontier = distance;
  if (st.batch_rows == 0) st.batch_start = frontier;
  st.started = true;
  // a late find may be nearer than rows before it: the frontier is the farthest
  if (distance > frontier) frontier = distance;
  ++st.batch_rows;
}

void Threshold::end_batch(int s) {
  Stream& st = streams_[s];
  if (st.batch_rows > 0) st.gain = (bound_with(s, st.batch_start) - bound()) / st.batch_rows;
}

double Threshold::bound() const {
  bool combined = !streams_.empty() && streams_[0].field < 0;
  if (combined) return combined_score(method_, total_weight_, below(combined_frontier_));
  return fuse(method_, fields_.data(), fields_.size(), frontier_.data());
}

double Threshold::bound_with(int s, double frontier) {
  double& f = frontier_of(streams_[s]);
  double saved = f;
  f = frontier;
  double b = bound();
  f = saved;
  return b;
}

bool Threshold::could_enter(bool top_full, double kth, double score) const {
  if (method_ == Method::kRrf || !top_full) return true;
  return std::isnan(kth) || !(score < kth);
}

bool Threshold::proven(bool top_full, double kth) const { return top_full && kth >= bound(); }

int Threshold::next_stream() const {
  int best = -1;
  for (int i = 0; i < static_cast<int>(streams_.size()); ++i) {
    const Stream& s = streams_[i];
    if (s.done) continue;
    if (best < 0 || s.gain > streams_[best].gain ||
        (s.gain == streams_[best].gain && s.read < streams_[best].read))
      best = i;
  }
  return best;
}

}  // namespace mvvd::fusion
