// An HNSW graph held in memory: the index build constructs it here (with several threads) before
// writing it to pages, and the core's tests and benchmarks search it directly. Level 0 is one
// array of fixed-size neighbour lists, as in hnswlib; the few upper levels are kept per element.
#pragma once
#include "no_postgres.hpp"

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "candidate.hpp"
#include "hnsw_params.hpp"
#include "hnsw_search.hpp"
#include "hnsw_shadow_cache.hpp"
#include "metric.hpp"
#include "visited_set.hpp"

namespace mvvd::hnsw {

constexpr std::uint32_t kNoElement = 0xFFFFFFFFu;

class MemoryGraph {
 public:
  MemoryGraph(std::size_t dims, Params params, Metric metric);

  // Makes room for n elements (growth is otherwise in steps of 1/8 of the size).
  void reserve(std::size_t n);
  // Adds an element (not yet linked): its vector, level and an opaque payload (a heap TID).
  // Not thread-safe; all elements are added before link() runs.
  std::uint32_t add(const float* vector, int level, std::uint64_t payload);
  // Links element id into the graph (HNSW INSERT). Thread-safe against other link() calls.
  void link(std::uint32_t id, SearchScratch& scratch, EpochVisited& visited);

  // Links back every element that no walk from the entry point reaches on level 0 (pruning
  // can leave an element without in-links: copies of one vector, or a corner of the data): from
  // the nearest reached elements a search finds, into a list with room, else into the nearest's
  // in place of its shortest link, which the element takes over (see link_in). Returns how many
  // it linked; stops early (returning what it did) when keep_going() says so. Not thread-safe:
  // after link() is done.
  std::size_t reconnect(const std::function<bool()>& keep_going);

  // The k nearest elements to query (searching with ef >= k), nearest first.
  std::vector<Candidate> search(const float* query, std::size_t k, std::size_t ef,
                                SearchScratch& scratch, EpochVisited& visited) const;

  std::size_t size() const { return levels_.size(); }
  std::size_t dims() const { return dims_; }
  const Params& params() const { return params_; }
  Metric metric() const { return metric_; }
  std::uint32_t entry_point() const { return entry_; }
  int max_level() const { return max_level_; }
  int level(std::uint32_t id) const { return levels_[id]; }
  std::uint64_t payload(std::uint32_t id) const { return payloads_[id]; }
  const float* vector(std::uint32_t id) const { return &vectors_[std::size_t{id} * dims_]; }
  // The vector links are chosen by: a cosine graph's vectors scaled to unit length (so that a
  // link distance is one dot product, not a dot product and two norms), else the vector itself.
  const float* link_vector(std::uint32_t id) const {
    return unit_vectors_.empty() ? vector(id) : &unit_vectors_[std::size_t{id} * dims_];
  }
  // The neighbour list of id at a level (no locking: for use after linking is finished).
  const std::uint32_t* neighbors(std::uint32_t id, int level, std::size_t* count) const;

  // Bytes one more element would take, and bytes taken now (for maintenance_work_mem).
  std::size_t bytes_per_element() const;
  std::size_t memory_bytes() const;

  // The graph as the search templates see it, for one query.
  class View {
   public:
    // Ranking by the search distance, or with kLinking by the link distance (the query then a
    // link_vector, see there).
    enum class Ranking { kSearch, kLinking };
    View(const MemoryGraph& g, const float* query, bool locking)
        : View(g, query, locking, Ranking::kSearch) {}
    View(const MemoryGraph& g, const float* query, bool locking, Ranking ranking)
        : g_(g),
          query_(query),
          locking_(locking),
          linking_(ranking == Ranking::kLinking),
          distance_(linking_ ? g.link_distance_ : g.distance_) {}
    bool neighbors(std::uint32_t id, int level, std::vector<std::uint32_t>& out);
    bool distances(const std::uint32_t* ids, std::size_t n, float* out);

   private:
    const MemoryGraph& g_;
    const float* query_;
    bool locking_;
    bool linking_;
    SearchDistance distance_;
  };

 private:
  std::uint32_t* list(std::uint32_t id, int level);
  const std::uint32_t* list(std::uint32_t id, int level) const;
  std::mutex& lock_of(std::uint32_t id) const { return locks_[id % kLockStripes]; }
  void connect(std::uint32_t from, std::uint32_t to, int level);
  bool replace_shadowed(std::uint32_t from, std::uint32_t to);
  bool link_in(std::uint32_t id, const std::vector<Candidate>& found,
               const std::vector<bool>& reached);
  void pass_on(std::uint32_t from, std::uint32_t to, const std::vector<bool>& reached);

  static constexpr std::size_t kLockStripes = 4096;

  std::size_t dims_;
  Params params_;
  Metric metric_;
  SearchDistance distance_;       // what searches rank by
  SearchDistance link_distance_;  // what links are chosen by (see link_metric), on link_vector
  bool fills_;                    // level-0 lists filled by search rank (see fill_by_rank)
  std::size_t level0_stride_;     // 1 (count) + 2m ids
  std::vector<float> vectors_;
  std::vector<float> unit_vectors_;  // cosine graphs only (see link_vector)
  std::vector<std::uint8_t> levels_;
  std::vector<std::uint64_t> payloads_;
  std::vector<std::uint32_t> level0_;
  ShadowCache shadows_;  // of level-0 lists, in graphs linked by the measure they are searched by
  std::vector<std::vector<std::uint32_t>> upper_;  // levels 1..L, each 1 + m entries
  std::size_t upper_bytes_ = 0;  // of upper_'s lists, kept as they are added (memory_bytes)
  std::unique_ptr<std::mutex[]> locks_;
  std::mutex entry_lock_;
  std::uint32_t entry_ = kNoElement;
  int max_level_ = -1;
};

}  // namespace mvvd::hnsw
