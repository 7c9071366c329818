// An index scan's search: the HNSW beam search at level 0, made resumable so a scan can return
// more than ef results (iterative scan). Result r + 1 is returned once the search has converged
// for a beam of max(ef, r + 1): for the first ef results that is exactly the usual ef search, and
// past them the beam widens by one per result, so a LIMIT under a selective WHERE still fills.
#pragma once
#include "no_postgres.hpp"

#include <cstdint>
#include <vector>

#include "candidate.hpp"
#include "hnsw_search.hpp"
#include "visited_set.hpp"

namespace mvvd::hnsw {

enum class IterativeMode {
  kOff = 0,      // at most ef results, like a plain HNSW search
  kRelaxed = 1,  // keep going; a late find closer than one already returned is still returned
  kStrict = 2,   // keep going; late finds closer than the last returned are dropped, so results
                 // come in non-decreasing distance
};

enum class Step { kFound, kExhausted, kFailed };

template <class Graph>
class IncrementalSearch {
 public:
  IncrementalSearch(std::size_t ef, IterativeMode mode, std::size_t max_visits)
      : ef_(ef < 1 ? 1 : ef), mode_(mode), max_visits_(max_visits) {}

  // Descends from the entry point (on entry_level) to level 0 and seeds the search there.
  bool start(Graph& graph, std::uint32_t entry, int entry_level) {
    float d;
    if (!graph.distances(&entry, 1, &d)) return false;
    Candidate current{d, entry};
    for (int l = entry_level; l > 0; --l)
      if (!greedy_closest(graph, l, &current, scratch_)) return false;
    visited_.insert(current.id);
    add(current);
    return true;
  }

  // The next result, nearest first (see IterativeMode).
  Step next(Graph& graph, Candidate* out) {
    if (mode_ == IterativeMode::kOff && returned_ >= ef_) return Step::kExhausted;
    // Elements already returned or dropped are spent: the beam must reach one past them.
    std::size_t spent = returned_ + dropped_;
    std::size_t beam = spent + 1 > ef_ ? spent + 1 : ef_;
    while (best_.size() < beam && !overflow_.empty()) best_.push(overflow_.pop());
    while (!to_expand_.empty() && visited_count_ < max_visits_) {
      if (best_.size() >= beam && closer(best_.top(), to_expand_.top())) break;
      if (!expand(graph, to_expand_.pop(), beam)) return Step::kFailed;
    }
    if (pending_.empty()) return Step::kExhausted;
    *out = pending_.pop();
    last_returned_ = out->distance;
    ++returned_;
    return Step::kFound;
  }

  std::size_t visited() const { return visited_count_; }

 private:
  // A newly seen element: a candidate to expand, to return, and to rank in the beam.
  void add(Candidate c) {
    ++visited_count_;
    to_expand_.push(c);
    if (mode_ != IterativeMode::kStrict || returned_ == 0 || !(c.distance < last_returned_))
      pending_.push(c);
    else
      ++dropped_;
    best_.push(c);
  }

  bool expand(Graph& graph, Candidate c, std::size_t beam) {
    if (!graph.neighbors(c.id, 0, scratch_.neighbor_ids)) return false;
    scratch_.fresh_ids.clear();
    for (std::uint32_t id : scratch_.neighbor_ids)
      if (visited_.insert(id)) scratch_.fresh_ids.push_back(id);
    if (scratch_.fresh_ids.empty()) return true;
    scratch_.fresh_distances.resize(scratch_.fresh_ids.size());
    if (!graph.distances(scratch_.fresh_ids.data(), scratch_.fresh_ids.size(),
                         scratch_.fresh_distances.data()))
      return false;
    for (std::size_t i = 0; i < scratch_.fresh_ids.size(); ++i) {
      add({scratch_.fresh_distances[i], scratch_.fresh_ids[i]});
      if (best_.size() > beam) overflow_.push(best_.pop());
    }
    return true;
  }

  std::size_t ef_;
  IterativeMode mode_;
  std::size_t max_visits_;
  HashVisited visited_;
  SearchScratch scratch_;
  NearestFirst to_expand_;  // seen, not yet expanded
  FarthestFirst best_;      // the beam: the closest seen, at most max(ef, returned + 1)
  NearestFirst overflow_;   // seen, pushed out of the beam (it may widen again)
  NearestFirst pending_;    // seen, not yet returned
  std::size_t visited_count_ = 0;
  std::size_t returned_ = 0;
  std::size_t dropped_ = 0;  // strict order: late finds closer than the last returned
  float last_returned_ = 0.0f;
};

}  // namespace mvvd::hnsw
