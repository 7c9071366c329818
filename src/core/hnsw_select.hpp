// Neighbour selection by the HNSW heuristic (Malkov & Yashunin, algorithm 4): walk candidates
// nearest first and keep one only if it is closer to the base element than to every neighbour
// already kept. This keeps links pointing in diverse directions, which is what makes the graph
// navigable on clustered data.
#pragma once
#include "no_postgres.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

#include "candidate.hpp"
#include "metric.hpp"

namespace mvvd::hnsw {

// Lists are kept full, as pgvector keeps them: an element choosing its list (building, inserting,
// VACUUM relinking) takes what the heuristic keeps, up to the list's capacity, then fills the
// room with the nearest candidates it dropped, and links back from all of them; a full list that
// gains an element drops only one (see candidate_to_drop). The heuristic's choices are the long
// links a search needs; the fill gives a search with a short beam the near links it needs.
// Fashion-MNIST (60,000 x 784, m 16, ef_construction 64, in-memory graph): recall@10 at
// ef_search 10/20/40 0.944/0.981/0.992 with heuristic-only lists (and a slack of 1.2 on the
// heuristic), 0.970/0.992/0.998 full (pgvector, SQL: 0.971/0.989/0.995); a build reruns the
// heuristic on every link into a full list unless it remembers it (see ShadowCache). Filling
// without linking back gave 0.953 at ef 10, and lists pruned to what the heuristic keeps 0.943.

// candidates: sorted nearest first by distance to the base element; vector_of(i) gives the
// vector of candidates[i]. Returns the indices (into candidates) of at most max_keep that the
// heuristic keeps, nearest first: those no kept one is nearer to than the base element is.
// shadow, if given, receives per candidate how redundant it is: for one the heuristic drops, the
// distance to the kept one that shadows it over its distance to the base element (below 1);
// infinity for a kept one, 0 for one never looked at (the list was full before it).
template <class VectorOf>
std::vector<std::size_t> select_neighbors(const std::vector<Candidate>& candidates,
                                          std::size_t max_keep, SearchDistance distance,
                                          std::size_t dims, VectorOf vector_of,
                                          std::vector<float>* shadow = nullptr) {
  std::vector<std::size_t> kept;
  if (shadow != nullptr) shadow->assign(candidates.size(), 0.0f);
  auto keep = [&](std::size_t i) {
    kept.push_back(i);
    if (shadow != nullptr) (*shadow)[i] = std::numeric_limits<float>::infinity();
  };
  if (candidates.size() <= max_keep) {
    for (std::size_t i = 0; i < candidates.size(); ++i) keep(i);
    return kept;
  }
  for (std::size_t i = 0; i < candidates.size() && kept.size() < max_keep; ++i) {
    const float* v = vector_of(i);
    bool diverse = true;
    for (std::size_t j : kept) {
      // a copy of a kept one is shadowed too: as the base's own copy, it would shadow nothing
      // and copies would keep each other, filling their lists with one another
      float d = distance(v, vector_of(j), dims);
      if (d < candidates[i].distance || d == 0.0f) {
        diverse = false;
        if (shadow != nullptr && candidates[i].distance > 0.0f)
          (*shadow)[i] = d / candidates[i].distance;
        break;
      }
    }
    if (diverse) keep(i);
  }
  return kept;
}

// The one of a full list's candidates (its n neighbours and a newcomer, sorted as for
// select_neighbors) that the list drops: the one a kept neighbour shadows most closely, which a
// search finds through that neighbour. Not the farthest one the heuristic drops, as pgvector
// drops: on clustered data those are the links between clusters (the heuristic drops a far link
// when any kept one is a little nearer to it), and whole clusters fell out of reach (6,000
// 8-d vectors in 30 clusters: 200 to 3,800 reached before the build relinked them; none now).
// shadow, if given, receives the candidates' shadows (see select_neighbors).
template <class VectorOf>
std::size_t candidate_to_drop(const std::vector<Candidate>& candidates, SearchDistance distance,
                              std::size_t dims, VectorOf vector_of,
                              std::vector<float>* shadow = nullptr) {
  std::vector<float> own;
  std::vector<float>& s = shadow != nullptr ? *shadow : own;
  select_neighbors(candidates, candidates.size() - 1, distance, dims, vector_of, &s);
  return static_cast<std::size_t>(std::min_element(s.begin(), s.end()) - s.begin());
}

// Fills kept up to fill_to with the other candidates (indices 0..n) that rank best (rank(i):
// smaller is better): the nearest ones the heuristic dropped, or, in a graph linked by another
// measure than it is searched by (inner product, see link_metric), the ones the search measure
// ranks best: links up the slope a search by inner product climbs, which the L2 heuristic leaves
// out as redundant (20,000 all-positive 16-d vectors: recall@10 at ef_search 40 0.887 -> 0.950).
// Appends to kept.
template <class Rank>
void fill_by_rank(std::vector<std::size_t>& kept, std::size_t n, std::size_t fill_to, Rank rank) {
  if (kept.size() >= fill_to) return;
  std::vector<bool> taken(n, false);
  for (std::size_t i : kept) taken[i] = true;
  std::vector<std::pair<float, std::size_t>> rest;
  for (std::size_t i = 0; i < n; ++i)
    if (!taken[i]) rest.emplace_back(rank(i), i);
  std::sort(rest.begin(), rest.end());
  for (std::size_t i = 0; i < rest.size() && kept.size() < fill_to; ++i)
    kept.push_back(rest[i].second);
}

}  // namespace mvvd::hnsw

namespace mvvd::hnsw {

// The neighbour list of a base element after linking a new element to it: appended when the list
// has room, else the new element takes the place of the one candidate_to_drop picks (which may
// be the new element itself: then the list stays as it is). vectors holds the current
// neighbours' vectors (ids.size() x dims).
inline std::vector<std::uint32_t> add_neighbor(const float* base,
                                               const std::vector<std::uint32_t>& ids,
                                               const float* vectors, std::uint32_t new_id,
                                               const float* new_vector, std::size_t max_keep,
                                               Metric metric, std::size_t dims) {
  std::vector<std::uint32_t> result(ids);
  if (std::find(ids.begin(), ids.end(), new_id) != ids.end()) return result;
  if (ids.size() < max_keep) {
    result.push_back(new_id);
    return result;
  }
  SearchDistance distance = search_distance(metric);
  std::vector<Candidate> candidates;
  std::vector<const float*> vector_of;
  for (std::size_t i = 0; i <= ids.size(); ++i) {
    const float* v = i < ids.size() ? vectors + i * dims : new_vector;
    candidates.push_back({distance(base, v, dims), static_cast<std::uint32_t>(i)});
  }
  std::sort(candidates.begin(), candidates.end(), closer);
  for (const Candidate& c : candidates)
    vector_of.push_back(c.id < ids.size() ? vectors + std::size_t{c.id} * dims : new_vector);
  std::uint32_t drop = candidates[candidate_to_drop(candidates, distance, dims, [&](std::size_t i) {
                         return vector_of[i];
                       })].id;
  if (drop < ids.size()) result[drop] = new_id;
  return result;
}

}  // namespace mvvd::hnsw
