// The C door to the HNSW core. Every entry point catches all exceptions; allocation failures
// become MVVD_OUT_OF_MEMORY, anything else MVVD_INTERNAL.
#include "shim/mvvd_hnsw.h"

#include <algorithm>
#include <cstdio>
#include <new>
#include <string>
#include <vector>

#include "core/hnsw_build.hpp"
#include "core/hnsw_callback_graph.hpp"
#include "core/hnsw_incremental.hpp"
#include "core/hnsw_insert.hpp"
#include "core/hnsw_memory_graph.hpp"
#include "core/hnsw_select.hpp"
#include "core/metric.hpp"

struct mvvd_hnsw_scan {
  mvvd::hnsw::IncrementalSearch<mvvd::hnsw::CallbackGraph> search;
  int max_neighbors = 0;
};

struct mvvd_hnsw_builder {
  mvvd::hnsw::MemoryGraph graph;
};

namespace {

mvvd_status fail(mvvd_error* err, mvvd_status status, const char* message) {
  if (err != nullptr) {
    err->position = 0;
    std::snprintf(err->message, sizeof err->message, "%s", message);
  }
  return status;
}

// Runs body, turning exceptions into a status.
template <class Body>
mvvd_status guarded(mvvd_error* err, Body body) noexcept {
  try {
    return body();
  } catch (const std::bad_alloc&) {
    return fail(err, MVVD_OUT_OF_MEMORY, "out of memory in the HNSW core");
  } catch (const std::exception& e) {
    return fail(err, MVVD_INTERNAL, e.what());
  } catch (...) {
    return fail(err, MVVD_INTERNAL, "unexpected exception in the HNSW core");
  }
}

static_assert(static_cast<int>(mvvd::Metric::kInnerProduct) == MVVD_METRIC_INNER_PRODUCT &&
                  static_cast<int>(mvvd::Metric::kCosine) == MVVD_METRIC_COSINE &&
                  static_cast<int>(mvvd::Metric::kL1) == MVVD_METRIC_L1,
              "the shim's metric numbers are the core's");

mvvd::Metric metric_of(int metric) {
  mvvd::Metric m = mvvd::Metric::kL2;
  mvvd::metric_from_int(metric, &m);
  return m;
}

mvvd::hnsw::GraphCallbacks callbacks_of(const mvvd_graph_callbacks* g) {
  return mvvd::hnsw::GraphCallbacks{g->context, g->neighbors, g->distances, g->vectors};
}

}  // namespace

extern "C" {

mvvd_search_distance_fn mvvd_search_distance(int metric) noexcept {
  return mvvd::search_distance(metric_of(metric));
}

float mvvd_search_distance_split(int metric, const float* a, const float* b1, size_t n1,
                                 const float* b2, size_t n) noexcept {
  return mvvd::search_distance_split(metric_of(metric), a, b1, n1, b2, n);
}

int mvvd_link_metric(int metric) noexcept {
  return static_cast<int>(mvvd::link_metric(metric_of(metric)));
}

double mvvd_operator_distance(int metric, float search_distance) noexcept {
  return mvvd::operator_distance(metric_of(metric), search_distance);
}

int mvvd_hnsw_random_level(double u, int m) noexcept {
  return mvvd::hnsw::random_level(u, mvvd::hnsw::Params{m, 2 * m}.level_mult());
}

mvvd_hnsw_scan* mvvd_hnsw_scan_create(int ef, int mode, size_t max_visits,
                                      mvvd_error* err) noexcept {
  mvvd_hnsw_scan* scan = nullptr;
  guarded(err, [&] {
    scan = new mvvd_hnsw_scan{mvvd::hnsw::IncrementalSearch<mvvd::hnsw::CallbackGraph>(
        static_cast<std::size_t>(ef), static_cast<mvvd::hnsw::IterativeMode>(mode), max_visits)};
    return MVVD_OK;
  });
  return scan;
}

mvvd_status mvvd_hnsw_scan_start(mvvd_hnsw_scan* scan, const mvvd_graph_callbacks* graph,
                                 int max_neighbors, uint32_t entry, int entry_level,
                                 mvvd_error* err) noexcept {
  return guarded(err, [&] {
    scan->max_neighbors = max_neighbors;
    mvvd::hnsw::CallbackGraph g(callbacks_of(graph), max_neighbors);
    return scan->search.start(g, entry, entry_level) ? MVVD_OK : MVVD_CALLBACK_FAILED;
  });
}

mvvd_status mvvd_hnsw_scan_next(mvvd_hnsw_scan* scan, const mvvd_graph_callbacks* graph,
                                uint32_t* id, float* distance, bool* found,
                                mvvd_error* err) noexcept {
  return guarded(err, [&] {
    mvvd::hnsw::CallbackGraph g(callbacks_of(graph), scan->max_neighbors);
    mvvd::Candidate c{};
    switch (scan->search.next(g, &c)) {
      case mvvd::hnsw::Step::kFound:
        *id = c.id;
        *distance = c.distance;
        *found = true;
        return MVVD_OK;
      case mvvd::hnsw::Step::kExhausted:
        *found = false;
        return MVVD_OK;
      case mvvd::hnsw::Step::kFailed:
        break;
    }
    return MVVD_CALLBACK_FAILED;
  });
}

size_t mvvd_hnsw_scan_visited(const mvvd_hnsw_scan* scan) noexcept {
  return scan->search.visited();
}

void mvvd_hnsw_scan_free(mvvd_hnsw_scan* scan) noexcept { delete scan; }

mvvd_status mvvd_hnsw_find_candidates(const mvvd_graph_callbacks* graph, int m, int ef_construction,
                                      uint32_t entry, int entry_level, int level, uint32_t* out,
                                      int* counts, mvvd_error* err) noexcept {
  return guarded(err, [&] {
    mvvd::hnsw::Params params{m, ef_construction};
    mvvd::hnsw::CallbackGraph g(callbacks_of(graph), params.max_neighbors(0));
    std::vector<std::vector<mvvd::Candidate>> found;
    if (!mvvd::hnsw::find_candidates(g, params, entry, entry_level, level, found))
      return MVVD_CALLBACK_FAILED;
    const auto row_size = static_cast<std::size_t>(ef_construction);
    for (int l = 0; l <= level; ++l) {
      const auto row = static_cast<std::size_t>(l);
      counts[l] = 0;
      if (row >= found.size()) continue;
      std::size_t n = std::min(found[row].size(), row_size);
      for (std::size_t i = 0; i < n; ++i) out[row * row_size + i] = found[row][i].id;
      counts[l] = static_cast<int>(n);
    }
    return MVVD_OK;
  });
}

mvvd_status mvvd_hnsw_select(int metric, size_t dims, const float* base, const float* vectors,
                             int n, int max_keep, int fill_to, int level, int pruning, int* kept,
                             int* n_kept, int* n_chosen, mvvd_error* err) noexcept {
  return guarded(err, [&] {
    mvvd::Metric searched = metric_of(metric);
    mvvd::SearchDistance distance = mvvd::search_distance(mvvd::link_metric(searched));
    std::vector<mvvd::Candidate> candidates;
    for (int i = 0; i < n; ++i)
      candidates.push_back({distance(base, vectors + static_cast<std::size_t>(i) * dims, dims),
                            static_cast<std::uint32_t>(i)});
    std::sort(candidates.begin(), candidates.end(), mvvd::closer);
    auto vector_of = [&](std::size_t i) { return vectors + std::size_t{candidates[i].id} * dims; };
    // level 0 of a graph searched by another measure than it is linked by fills by the search's
    const bool by_search = level == 0 && mvvd::link_metric(searched) != searched;
    std::vector<std::size_t> chosen;
    if (pruning && !by_search && n == max_keep + 1) {
      std::size_t drop = mvvd::hnsw::candidate_to_drop(candidates, distance, dims, vector_of);
      for (std::size_t i = 0; i < candidates.size(); ++i)
        if (i != drop) chosen.push_back(i);
      *n_chosen = max_keep;
    } else {
      chosen = mvvd::hnsw::select_neighbors(candidates, static_cast<std::size_t>(max_keep),
                                            distance, dims, vector_of);
      *n_chosen = static_cast<int>(chosen.size());
      mvvd::SearchDistance rank = mvvd::search_distance(searched);
      mvvd::hnsw::fill_by_rank(
          chosen, candidates.size(), static_cast<std::size_t>(fill_to), [&](std::size_t i) {
            return by_search ? rank(base, vector_of(i), dims) : candidates[i].distance;
          });
    }
    *n_kept = static_cast<int>(chosen.size());
    for (std::size_t i = 0; i < chosen.size(); ++i)
      kept[i] = static_cast<int>(candidates[chosen[i]].id);
    return MVVD_OK;
  });
}

mvvd_hnsw_builder* mvvd_hnsw_builder_create(int metric, size_t dims, int m, int ef_construction,
                                            mvvd_error* err) noexcept {
  mvvd_hnsw_builder* b = nullptr;
  guarded(err, [&] {
    b = new mvvd_hnsw_builder{
        mvvd::hnsw::MemoryGraph(dims, mvvd::hnsw::Params{m, ef_construction}, metric_of(metric))};
    return MVVD_OK;
  });
  return b;
}

mvvd_status mvvd_hnsw_builder_reserve(mvvd_hnsw_builder* b, size_t n, mvvd_error* err) noexcept {
  return guarded(err, [&] {
    b->graph.reserve(n);
    return MVVD_OK;
  });
}

mvvd_status mvvd_hnsw_builder_add(mvvd_hnsw_builder* b, const float* vector, int level,
                                  uint64_t payload, mvvd_error* err) noexcept {
  return guarded(err, [&] {
    b->graph.add(vector, level, payload);
    return MVVD_OK;
  });
}

size_t mvvd_hnsw_builder_size(const mvvd_hnsw_builder* b) noexcept { return b->graph.size(); }
size_t mvvd_hnsw_builder_memory(const mvvd_hnsw_builder* b) noexcept {
  return b->graph.memory_bytes();
}
size_t mvvd_hnsw_builder_bytes_per_element(const mvvd_hnsw_builder* b) noexcept {
  return b->graph.bytes_per_element();
}

mvvd_status mvvd_hnsw_builder_link(mvvd_hnsw_builder* b, int threads, mvvd_poll_fn poll,
                                   void* context, mvvd_error* err) noexcept {
  return guarded(err, [&] {
    std::string error;
    auto result = mvvd::hnsw::link_all(
        b->graph, threads, 50, [&](std::size_t linked) { return poll(context, linked); }, &error);
    if (result == mvvd::hnsw::BuildResult::kCancelled) return MVVD_CANCELLED;
    if (result == mvvd::hnsw::BuildResult::kFailed) {
      bool oom = error.find("alloc") != std::string::npos;
      return fail(err, oom ? MVVD_OUT_OF_MEMORY : MVVD_INTERNAL, error.c_str());
    }
    return MVVD_OK;
  });
}

uint32_t mvvd_hnsw_builder_entry(const mvvd_hnsw_builder* b, int* level) noexcept {
  *level = b->graph.max_level();
  return b->graph.entry_point();
}
int mvvd_hnsw_builder_level(const mvvd_hnsw_builder* b, uint32_t id) noexcept {
  return b->graph.level(id);
}
uint64_t mvvd_hnsw_builder_payload(const mvvd_hnsw_builder* b, uint32_t id) noexcept {
  return b->graph.payload(id);
}
const float* mvvd_hnsw_builder_vector(const mvvd_hnsw_builder* b, uint32_t id) noexcept {
  return b->graph.vector(id);
}
const uint32_t* mvvd_hnsw_builder_neighbors(const mvvd_hnsw_builder* b, uint32_t id, int level,
                                            size_t* count) noexcept {
  return b->graph.neighbors(id, level, count);
}
void mvvd_hnsw_builder_free(mvvd_hnsw_builder* b) noexcept { delete b; }

}  // extern "C"
