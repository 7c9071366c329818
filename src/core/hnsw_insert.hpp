// Choosing the neighbours of a new element of an index on pages (HNSW INSERT, the part that
// searches): the glue then writes the element's lists and links each neighbour back to it.
#pragma once
#include "no_postgres.hpp"

#include <algorithm>
#include <cstdint>
#include <vector>

#include "hnsw_callback_graph.hpp"
#include "hnsw_params.hpp"
#include "hnsw_search.hpp"
#include "hnsw_select.hpp"
#include "metric.hpp"
#include "visited_set.hpp"

namespace mvvd::hnsw {

// chosen[l] receives the neighbours of the new element on level l, for l = 0..min(level,
// entry_level). The graph's distances are to the new element's vector. Returns false when the
// graph's storage failed.
template <class Graph>
bool find_neighbors(Graph& graph, const Params& params, Metric metric, std::size_t dims,
                    std::uint32_t entry, int entry_level, int level,
                    std::vector<std::vector<std::uint32_t>>& chosen) {
  SearchScratch scratch;
  HashVisited visited;
  float d;
  if (!graph.distances(&entry, 1, &d)) return false;
  Candidate current{d, entry};
  for (int l = entry_level; l > level; --l)
    if (!greedy_closest(graph, l, &current, scratch)) return false;

  SearchDistance distance = search_distance(metric);
  int top = std::min(level, entry_level);
  chosen.assign(static_cast<std::size_t>(top) + 1, {});
  std::vector<Candidate> entries{current}, found;
  std::vector<std::uint32_t> ids;
  std::vector<float> vectors;
  for (int l = top; l >= 0; --l) {
    visited.clear();
    for (const Candidate& e : entries) visited.insert(e.id);
    if (!search_level(graph, l, entries, static_cast<std::size_t>(params.ef_construction), visited,
                      scratch, found))
      return false;
    ids.clear();
    for (const Candidate& c : found) ids.push_back(c.id);
    vectors.resize(ids.size() * dims);
    if (!graph.vectors(ids.data(), ids.size(), vectors.data())) return false;
    auto kept = select_neighbors(found, static_cast<std::size_t>(params.m), distance, dims,
                                 [&](std::size_t i) { return &vectors[i * dims]; });
    for (std::size_t i : kept) chosen[static_cast<std::size_t>(l)].push_back(found[i].id);
    entries.swap(found);
  }
  return true;
}

}  // namespace mvvd::hnsw
