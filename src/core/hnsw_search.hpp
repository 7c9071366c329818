// The two searches of HNSW, written once over any graph: the greedy descent through the upper
// levels (SEARCH-LAYER with ef = 1) and the beam search of one level (SEARCH-LAYER).
//
// A Graph provides, for a query it was given:
//   bool neighbors(uint32_t id, int level, std::vector<uint32_t>& out);   // out = id's list
//   bool distances(const uint32_t* ids, std::size_t n, float* out);      // query to each id
// Both return false when the graph's storage failed (an index page could not be read, or the
// user cancelled); the search then stops and returns false, leaving the error with the graph.
#pragma once
#include "no_postgres.hpp"

#include <cstdint>
#include <vector>

#include "candidate.hpp"

namespace mvvd::hnsw {

// Buffers a search reuses from call to call, so a search allocates nothing once warmed up.
struct SearchScratch {
  NearestFirst to_expand;
  FarthestFirst best;
  std::vector<std::uint32_t> neighbor_ids;
  std::vector<std::uint32_t> fresh_ids;
  std::vector<float> fresh_distances;
};

// Moves *current to the closest element of `level` reachable by greedy steps.
template <class Graph>
bool greedy_closest(Graph& graph, int level, Candidate* current, SearchScratch& s) {
  for (bool moved = true; moved;) {
    moved = false;
    if (!graph.neighbors(current->id, level, s.neighbor_ids)) return false;
    std::size_t n = s.neighbor_ids.size();
    if (n == 0) break;
    s.fresh_distances.resize(n);
    if (!graph.distances(s.neighbor_ids.data(), n, s.fresh_distances.data())) return false;
    for (std::size_t i = 0; i < n; ++i) {
      Candidate c{s.fresh_distances[i], s.neighbor_ids[i]};
      if (closer(c, *current)) {
        *current = c;
        moved = true;
      }
    }
  }
  return true;
}

// Beam search of one level from the given entry points (whose distances are known): on return,
// `found` holds the ef closest elements seen, nearest first. Entry points must already be in
// `visited`.
template <class Graph, class Visited>
bool search_level(Graph& graph, int level, const std::vector<Candidate>& entries, std::size_t ef,
                  Visited& visited, SearchScratch& s, std::vector<Candidate>& found) {
  s.to_expand.clear();
  s.best.clear();
  for (const Candidate& e : entries) {
    s.to_expand.push(e);
    s.best.push(e);
    if (s.best.size() > ef) s.best.pop();
  }
  while (!s.to_expand.empty()) {
    Candidate c = s.to_expand.pop();
    if (s.best.size() >= ef && closer(s.best.top(), c)) break;
    if (!graph.neighbors(c.id, level, s.neighbor_ids)) return false;
    s.fresh_ids.clear();
    for (std::uint32_t id : s.neighbor_ids)
      if (visited.insert(id)) s.fresh_ids.push_back(id);
    if (s.fresh_ids.empty()) continue;
    s.fresh_distances.resize(s.fresh_ids.size());
    if (!graph.distances(s.fresh_ids.data(), s.fresh_ids.size(), s.fresh_distances.data()))
      return false;
    for (std::size_t i = 0; i < s.fresh_ids.size(); ++i) {
      Candidate n{s.fresh_distances[i], s.fresh_ids[i]};
      if (s.best.size() < ef || closer(n, s.best.top())) {
        s.to_expand.push(n);
        s.best.push(n);
        if (s.best.size() > ef) s.best.pop();
      }
    }
  }
  s.best.drain_sorted(found);
  return true;
}

}  // namespace mvvd::hnsw
