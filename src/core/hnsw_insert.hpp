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

// found[l] receives the ef_construction elements nearest to the graph's query that a search from
// the entry point meets on level l, nearest first, for l = 0..min(level, entry_level): the
// candidates an insert chooses neighbours among, and that VACUUM repairs lists from. Returns
// false when the graph's storage failed.
template <class Graph>
bool find_candidates(Graph& graph, const Params& params, std::uint32_t entry, int entry_level,
                     int level, std::vector<std::vector<Candidate>>& found) {
  SearchScratch scratch;
  HashVisited visited;
  float d;
  if (!graph.distances(&entry, 1, &d)) return false;
  Candidate current{d, entry};
  for (int l = entry_level; l > level; --l)
    if (!greedy_closest(graph, l, &current, scratch)) return false;

  int top = std::min(level, entry_level);
  found.assign(static_cast<std::size_t>(top) + 1, {});
  std::vector<Candidate> entries{current};
  for (int l = top; l >= 0; --l) {
    auto& here = found[static_cast<std::size_t>(l)];
    visited.clear();
    for (const Candidate& e : entries) visited.insert(e.id);
    if (!search_level(graph, l, entries, static_cast<std::size_t>(params.ef_construction), visited,
                      scratch, here))
      return false;
    entries = here;
  }
  return true;
}

// chosen[l] receives the neighbours of the new element on level l (a full list, see
// select_neighbors), for l = 0..min(level, entry_level). The graph's distances are to the new
// element's vector. Returns false when the graph's storage failed.
template <class Graph>
bool find_neighbors(Graph& graph, const Params& params, Metric metric, std::size_t dims,
                    std::uint32_t entry, int entry_level, int level,
                    std::vector<std::vector<std::uint32_t>>& chosen) {
  std::vector<std::vector<Candidate>> found;
  if (!find_candidates(graph, params, entry, entry_level, level, found)) return false;
  SearchDistance distance = search_distance(metric);
  std::vector<std::uint32_t> ids;
  std::vector<float> vectors;
  chosen.assign(found.size(), {});
  for (std::size_t l = 0; l < found.size(); ++l) {
    ids.clear();
    for (const Candidate& c : found[l]) ids.push_back(c.id);
    vectors.resize(ids.size() * dims);
    if (!graph.vectors(ids.data(), ids.size(), vectors.data())) return false;
    auto capacity = static_cast<std::size_t>(params.capacity(level, static_cast<int>(l)));
    auto kept = select_neighbors(found[l], capacity, distance, dims,
                                 [&](std::size_t i) { return &vectors[i * dims]; });
    fill_by_rank(kept, found[l].size(), capacity,
                 [&](std::size_t i) { return found[l][i].distance; });
    for (std::size_t i : kept) chosen[l].push_back(found[l][i].id);
  }
  return true;
}

}  // namespace mvvd::hnsw
