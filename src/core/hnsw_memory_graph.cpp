#include "hnsw_memory_graph.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "hnsw_select.hpp"

namespace mvvd::hnsw {

namespace {

// Cosine distance of unit vectors: 1 - a.b (the inner-product distance is -a.b).
float unit_cosine(const float* a, const float* b, std::size_t n) {
  static const SearchDistance inner_product = search_distance(Metric::kInnerProduct);
  return 1.0f + inner_product(a, b, n);
}

SearchDistance link_distance_of(Metric metric) {
  return link_metric(metric) == Metric::kCosine ? unit_cosine
                                                : search_distance(link_metric(metric));
}

}  // namespace

MemoryGraph::MemoryGraph(std::size_t dims, Params params, Metric metric)
    : dims_(dims),
      params_(params),
      metric_(metric),
      distance_(search_distance(metric)),
      link_distance_(link_distance_of(metric)),
      fills_(link_metric(metric) != metric),
      level0_stride_(1 + static_cast<std::size_t>(params.max_neighbors(0))),
      shadows_(fills_ ? 0 : level0_stride_ - 1),
      locks_(new std::mutex[kLockStripes]) {}

void MemoryGraph::reserve(std::size_t n) {
  vectors_.reserve(n * dims_);
  if (link_metric(metric_) == Metric::kCosine) unit_vectors_.reserve(n * dims_);
  levels_.reserve(n);
  payloads_.reserve(n);
  level0_.reserve(n * level0_stride_);
  shadows_.reserve(n);
}

std::uint32_t MemoryGraph::add(const float* vector, int level, std::uint64_t payload) {
  auto id = static_cast<std::uint32_t>(levels_.size());
  if (levels_.size() == levels_.capacity()) reserve(levels_.size() + levels_.size() / 8 + 1024);
  vectors_.insert(vectors_.end(), vector, vector + dims_);
  if (link_metric(metric_) == Metric::kCosine) {
    double norm = 0.0;
    for (std::size_t i = 0; i < dims_; ++i) norm += double{vector[i]} * vector[i];
    // a zero vector has no direction (its cosine distance is NaN); it stays zero
    const double scale = norm > 0.0 ? 1.0 / std::sqrt(norm) : 0.0;
    for (std::size_t i = 0; i < dims_; ++i)
      unit_vectors_.push_back(static_cast<float>(vector[i] * scale));
  }
  levels_.push_back(static_cast<std::uint8_t>(level));
  payloads_.push_back(payload);
  level0_.resize(level0_.size() + level0_stride_, 0);
  shadows_.add();
  if (level > 0) {
    if (upper_.size() <= id) upper_.resize(std::size_t{id} + 1);
    upper_[id].assign(static_cast<std::size_t>(level) * (1 + params_.m), 0);
    upper_bytes_ += upper_[id].capacity() * sizeof(std::uint32_t);
  }
  return id;
}

std::uint32_t* MemoryGraph::list(std::uint32_t id, int level) {
  if (level == 0) return &level0_[std::size_t{id} * level0_stride_];
  return &upper_[id][static_cast<std::size_t>(level - 1) * (1 + params_.m)];
}

const std::uint32_t* MemoryGraph::list(std::uint32_t id, int level) const {
  return const_cast<MemoryGraph*>(this)->list(id, level);
}

const std::uint32_t* MemoryGraph::neighbors(std::uint32_t id, int level, std::size_t* count) const {
  const std::uint32_t* l = list(id, level);
  *count = l[0];
  return l + 1;
}

std::size_t MemoryGraph::bytes_per_element() const {
  // vector, level-0 list, level, payload, plus upper levels for the 1/(m-1) that have them
  const std::size_t copies = link_metric(metric_) == Metric::kCosine ? 2 : 1;
  return copies * dims_ * sizeof(float) + level0_stride_ * sizeof(std::uint32_t) + 1 + 8 +
         (1 + params_.m) * sizeof(std::uint32_t) / std::max(1, params_.m - 1) + 1 +
         shadows_.bytes_per_element();
}

// Asked once per row the build collects: constant time (summing the upper lists here made
// collecting quadratic; it was a fifth of a 100,000-row build).
std::size_t MemoryGraph::memory_bytes() const {
  return (vectors_.capacity() + unit_vectors_.capacity()) * sizeof(float) +
         level0_.capacity() * sizeof(std::uint32_t) + levels_.capacity() +
         payloads_.capacity() * 8 + upper_.capacity() * sizeof(upper_[0]) + upper_bytes_ +
         shadows_.memory_bytes();
}

bool MemoryGraph::View::neighbors(std::uint32_t id, int level, std::vector<std::uint32_t>& out) {
  if (locking_) {
    std::lock_guard<std::mutex> guard(g_.lock_of(id));
    std::size_t n;
    const std::uint32_t* l = g_.neighbors(id, level, &n);
    out.assign(l, l + n);
  } else {
    std::size_t n;
    const std::uint32_t* l = g_.neighbors(id, level, &n);
    out.assign(l, l + n);
  }
  return true;
}

bool MemoryGraph::View::distances(const std::uint32_t* ids, std::size_t n, float* out) {
  for (std::size_t i = 0; i < n; ++i) {
    const float* (MemoryGraph::*vector)(std::uint32_t) const =
        linking_ ? &MemoryGraph::link_vector : &MemoryGraph::vector;
    if (i + 1 < n) __builtin_prefetch((g_.*vector)(ids[i + 1]));
    out[i] = distance_(query_, (g_.*vector)(ids[i]), g_.dims_);
  }
  return true;
}

// Adds `to` to the list of `from`; a full list drops one (see candidate_to_drop), which may be
// `to`.
void MemoryGraph::connect(std::uint32_t from, std::uint32_t to, int level) {
  std::lock_guard<std::mutex> guard(lock_of(from));
  std::uint32_t* l = list(from, level);
  std::size_t n = l[0];
  auto max = static_cast<std::size_t>(params_.capacity(levels_[from], level));
  for (std::size_t i = 1; i <= n; ++i)
    if (l[i] == to) return;
  if (n < max) {
    l[1 + n] = to;
    l[0] = static_cast<std::uint32_t>(n + 1);
    return;
  }
  if (level == 0 && !fills_ && shadows_.valid(from) && replace_shadowed(from, to)) return;
  const float* base = link_vector(from);
  std::vector<Candidate> candidates;
  candidates.reserve(n + 1);
  for (std::size_t i = 1; i <= n; ++i)
    candidates.push_back({link_distance_(base, link_vector(l[i]), dims_), l[i]});
  candidates.push_back({link_distance_(base, link_vector(to), dims_), to});
  std::sort(candidates.begin(), candidates.end(), closer);
  auto vector_of = [&](std::size_t i) { return link_vector(candidates[i].id); };
  if (level > 0 || !fills_) {
    std::vector<float> shadow;
    const std::size_t drop =
        candidate_to_drop(candidates, link_distance_, dims_, vector_of, &shadow);
    if (level > 0) {
      for (std::size_t i = 1; i <= n; ++i)
        if (l[i] == candidates[drop].id) l[i] = to;
      return;
    }
    // level 0: the list nearest first, remembered (see ShadowCache)
    std::size_t slot = 0;
    for (std::size_t i = 0; i < candidates.size(); ++i) {
      if (i == drop) continue;
      l[1 + slot] = candidates[i].id;
      shadows_.set(from, slot, candidates[i].distance, ShadowCache::quantize(shadow[i]));
      ++slot;
    }
    shadows_.remember(from);
    return;
  }
  // level 0 of an inner-product graph: what inner product ranks worst of what the heuristic drops
  auto kept = select_neighbors(candidates, max, link_distance_, dims_, vector_of);
  fill_by_rank(kept, candidates.size(), max, [&](std::size_t i) {
    return distance_(vector(from), vector(candidates[i].id), dims_);
  });
  for (std::size_t i = 0; i < kept.size(); ++i) l[1 + i] = candidates[kept[i]].id;
  l[0] = static_cast<std::uint32_t>(kept.size());
}

// candidate_to_drop on a full level-0 list whose slots are remembered: `to` takes the place of
// the most closely shadowed one, unless it is shadowed more closely itself. A newcomer the
// heuristic keeps shadows the farther ones it is nearer to (what they shadowed in turn is not
// looked at again). Returns false when every slot would be kept: the caller reruns the
// heuristic. Under from's lock.
bool MemoryGraph::replace_shadowed(std::uint32_t from, std::uint32_t to) {
  std::uint32_t* l = list(from, 0);
  const std::size_t n = l[0];
  const float* v = link_vector(to);
  const float d = link_distance_(link_vector(from), v, dims_);
  float ratio = std::numeric_limits<float>::infinity();
  for (std::size_t slot = 0; slot < n; ++slot) {
    if (shadows_.shadow(from, slot) != ShadowCache::kKept || shadows_.distance(from, slot) > d)
      continue;
    const float to_kept = link_distance_(v, link_vector(l[1 + slot]), dims_);
    if (to_kept < d || to_kept == 0.0f) ratio = std::fmin(ratio, d > 0.0f ? to_kept / d : 0.0f);
  }
  const std::uint8_t shadow = ShadowCache::quantize(ratio);
  if (shadow == ShadowCache::kKept) {
    for (std::size_t slot = 0; slot < n; ++slot) {
      const float far = shadows_.distance(from, slot);
      if (far <= d) continue;
      const float to_new = link_distance_(v, link_vector(l[1 + slot]), dims_);
      if (to_new < far || to_new == 0.0f) {
        shadows_.set_shadow(
            from, slot, std::min(shadows_.shadow(from, slot), ShadowCache::quantize(to_new / far)));
      }
    }
  }
  std::size_t weakest = n;
  for (std::size_t slot = 0; slot < n; ++slot)
    if (shadows_.shadow(from, slot) != ShadowCache::kKept &&
        (weakest == n || shadows_.shadow(from, slot) < shadows_.shadow(from, weakest)))
      weakest = slot;
  if (weakest == n) return false;
  if (shadow <= shadows_.shadow(from, weakest)) return true;  // the newcomer is the one dropped
  l[1 + weakest] = to;
  shadows_.set(from, weakest, d, shadow);
  return true;
}

void MemoryGraph::link(std::uint32_t id, SearchScratch& scratch, EpochVisited& visited) {
  const int level = levels_[id];
  std::unique_lock<std::mutex> entry_guard(entry_lock_);
  if (entry_ == kNoElement) {
    entry_ = id;
    max_level_ = level;
    return;
  }
  const std::uint32_t entry = entry_;
  const int top = max_level_;
  if (level <= top) entry_guard.unlock();  // keep it only if this element becomes the entry

  const float* q = vector(id);
  const float* lq = link_vector(id);
  View view(*this, lq, true, View::Ranking::kLinking);
  const Candidate start{link_distance_(lq, link_vector(entry), dims_), entry};
  Candidate current = start;
  for (int l = top; l > level; --l) greedy_closest(view, l, &current, scratch);
  // A concurrent insert may already link to this element; it must not be its own neighbour.
  std::vector<Candidate> entries{current.id == id ? start : current}, found;
  for (int l = std::min(level, top); l >= 0; --l) {
    visited.clear();
    visited.insert(id);
    for (const Candidate& e : entries) visited.insert(e.id);
    search_level(view, l, entries, static_cast<std::size_t>(params_.ef_construction), visited,
                 scratch, found);
    std::size_t max = static_cast<std::size_t>(params_.capacity(level, l));
    auto kept = select_neighbors(found, max, link_distance_, dims_,
                                 [&](std::size_t i) { return link_vector(found[i].id); });
    const std::size_t chosen = kept.size();
    fill_by_rank(kept, found.size(), max, [&](std::size_t i) {
      return l == 0 && fills_ ? distance_(q, vector(found[i].id), dims_) : found[i].distance;
    });
    {
      // A concurrent insert that reached this element through its upper levels may already
      // have linked itself here: keep those links after the heuristic's choices, before the
      // fill.
      std::lock_guard<std::mutex> guard(lock_of(id));
      std::uint32_t* own = list(id, l);
      std::vector<std::uint32_t> earlier(own + 1, own + 1 + own[0]);
      std::size_t n = 0;
      auto add = [&](std::uint32_t e) {
        if (n < max && std::find(own + 1, own + 1 + n, e) == own + 1 + n) own[1 + n++] = e;
      };
      for (std::size_t i = 0; i < chosen; ++i) add(found[kept[i]].id);
      for (std::uint32_t e : earlier) add(e);
      for (std::size_t i = chosen; i < kept.size(); ++i) add(found[kept[i]].id);
      own[0] = static_cast<std::uint32_t>(n);
      if (l == 0) shadows_.forget(id);
    }
    for (std::size_t i : kept) connect(found[i].id, id, l);
    entries.swap(found);
  }
  if (level > top) {
    entry_ = id;
    max_level_ = level;
  }
}

std::size_t MemoryGraph::reconnect(const std::function<bool()>& keep_going) {
  if (entry_ == kNoElement) return 0;
  std::vector<bool> reached(size(), false);
  std::vector<std::uint32_t> queue;
  auto mark_from = [&](std::uint32_t start) {
    reached[start] = true;
    queue.assign(1, start);
    while (!queue.empty()) {
      std::uint32_t id = queue.back();
      queue.pop_back();
      std::size_t n;
      const std::uint32_t* l = neighbors(id, 0, &n);
      for (std::size_t i = 0; i < n; ++i)
        if (!reached[l[i]]) {
          reached[l[i]] = true;
          queue.push_back(l[i]);
        }
    }
  };
  mark_from(entry_);
  SearchScratch scratch;
  EpochVisited visited(size());
  std::size_t linked = 0;
  for (std::uint32_t id = 0; id < size(); ++id) {
    if (reached[id]) continue;
    if (linked % 64 == 0 && !keep_going()) break;
    const float* q = link_vector(id);
    View view(*this, q, false, View::Ranking::kLinking);
    const Candidate entry{link_distance_(q, link_vector(entry_), dims_), entry_};
    Candidate current = entry;
    for (int l = max_level_; l > 0; --l) greedy_closest(view, l, &current, scratch);
    // upper levels may lead into the island itself: then walk level 0 from the entry point
    if (!reached[current.id]) current = entry;
    visited.clear();
    visited.insert(current.id);
    std::vector<Candidate> found;
    search_level(view, 0, {current}, static_cast<std::size_t>(params_.ef_construction), visited,
                 scratch, found);
    if (link_in(id, found, reached)) {
      ++linked;
      mark_from(id);
    }
  }
  return linked;
}

// Links an element out of reach from the nearest reached one a search found that has room in its
// list; else it takes the place of the nearest one's shortest link and links on to where that
// link led, so that all it displaces stays in reach. (Displacing a link to an element with
// another in-link cut off copies of one vector whose other in-links came from their own island:
// 284 of 4,000 out of reach after three passes.)
bool MemoryGraph::link_in(std::uint32_t id, const std::vector<Candidate>& found,
                          const std::vector<bool>& reached) {
  for (const Candidate& c : found) {
    std::uint32_t* l = list(c.id, 0);
    if (reached[c.id] && l[0] < static_cast<std::uint32_t>(params_.capacity(levels_[c.id], 0))) {
      l[1 + l[0]++] = id;
      return true;
    }
  }
  for (const Candidate& c : found) {
    if (!reached[c.id]) continue;
    std::uint32_t* l = list(c.id, 0);
    const float* base = link_vector(c.id);
    std::uint32_t slot = 0;
    float shortest = 0.0f;
    for (std::uint32_t j = 1; j <= l[0]; ++j) {
      const float d = link_distance_(base, link_vector(l[j]), dims_);
      if (slot == 0 || d < shortest) {
        slot = j;
        shortest = d;
      }
    }
    if (slot == 0) continue;
    pass_on(id, l[slot], reached);
    l[slot] = id;
    shadows_.forget(c.id);
    return true;
  }
  return false;
}

// Adds a link from an element out of reach to `to`, in place of one to a reached element (no way
// to it passes through an element out of reach) or, when all lead out of reach, of its last one
// (which the caller links in, later in its pass).
void MemoryGraph::pass_on(std::uint32_t from, std::uint32_t to, const std::vector<bool>& reached) {
  std::uint32_t* l = list(from, 0);
  for (std::uint32_t j = 1; j <= l[0]; ++j)
    if (l[j] == to) return;
  shadows_.forget(from);
  if (l[0] < static_cast<std::uint32_t>(params_.capacity(levels_[from], 0))) {
    l[1 + l[0]++] = to;
    return;
  }
  std::uint32_t slot = l[0];
  for (std::uint32_t j = 1; j <= l[0]; ++j)
    if (reached[l[j]]) {
      slot = j;
      break;
    }
  l[slot] = to;
}

std::vector<Candidate> MemoryGraph::search(const float* query, std::size_t k, std::size_t ef,
                                           SearchScratch& scratch, EpochVisited& visited) const {
  std::vector<Candidate> found;
  if (entry_ == kNoElement) return found;
  View view(*this, query, false);
  Candidate current{distance_(query, vector(entry_), dims_), entry_};
  for (int l = max_level_; l > 0; --l) greedy_closest(view, l, &current, scratch);
  visited.clear();
  visited.insert(current.id);
  search_level(view, 0, {current}, std::max(ef, k), visited, scratch, found);
  if (found.size() > k) found.resize(k);
  return found;
}

}  // namespace mvvd::hnsw
