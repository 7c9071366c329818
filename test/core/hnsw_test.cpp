// The HNSW core against brute force on seeded clustered data: graph build (threaded), search,
// iterative search, and the on-pages insert path (find_neighbors + add_neighbor) driven through
// the same callback interface the Postgres glue implements.
#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <limits>
#include <random>
#include <set>
#include <string>

#include "clustered_data.hpp"
#include "core/hnsw_build.hpp"
#include "core/hnsw_incremental.hpp"
#include "core/hnsw_insert.hpp"
#include "core/hnsw_memory_graph.hpp"
#include "seeded_data.hpp"

namespace mvvd::hnsw {
namespace {

using testing::clustered;
using testing::Dataset;

std::unique_ptr<MemoryGraph> build(const Dataset& d, Metric metric, Params p, int threads,
                                   std::size_t count = 0) {
  auto g = std::make_unique<MemoryGraph>(d.dims, p, metric);
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  if (count == 0) count = d.n();
  for (std::size_t i = 0; i < count; ++i)
    g->add(d.row(i), random_level(1.0 - u(rng), p.level_mult()), i);
  std::string error;
  EXPECT_EQ(link_all(
                *g, threads, 10, [](std::size_t) { return true; }, &error),
            BuildResult::kDone)
      << error;
  return g;
}

double mean_recall(const MemoryGraph& g, const Dataset& d, std::size_t k, std::size_t ef) {
  SearchScratch scratch;
  EpochVisited visited(g.size());
  double sum = 0;
  for (std::size_t q = 0; q < d.nq(); ++q) {
    std::vector<std::uint32_t> ids;
    for (const Candidate& c : g.search(d.query(q), k, ef, scratch, visited)) ids.push_back(c.id);
    sum += testing::recall(ids, testing::exact_knn(d, d.query(q), k, g.metric()));
  }
  return sum / static_cast<double>(d.nq());
}

// Degree bounds, no self or repeated links, and every element reachable from the entry point on
// level 0 (the build links back any that pruning left out). Returns how many were reached.
std::size_t expect_well_formed(const MemoryGraph& g) {
  std::vector<bool> seen(g.size(), false);
  std::deque<std::uint32_t> todo{g.entry_point()};
  seen[g.entry_point()] = true;
  std::size_t reached = 1;
  while (!todo.empty()) {
    std::uint32_t id = todo.front();
    todo.pop_front();
    for (int l = 0; l <= g.level(id); ++l) {
      std::size_t n;
      const std::uint32_t* list = g.neighbors(id, l, &n);
      EXPECT_LE(n, static_cast<std::size_t>(g.params().max_neighbors(l)));
      std::set<std::uint32_t> unique(list, list + n);
      EXPECT_EQ(unique.size(), n) << "repeated neighbour of " << id;
      EXPECT_EQ(unique.count(id), 0u) << "self link of " << id;
      for (std::size_t i = 0; i < n; ++i) {
        if (list[i] >= g.size()) {
          ADD_FAILURE() << "link to no element: " << list[i];
          return reached;
        }
        EXPECT_GE(g.level(list[i]), l) << "link to an element absent from level " << l;
        if (l == 0 && !seen[list[i]]) {
          seen[list[i]] = true;
          ++reached;
          todo.push_back(list[i]);
        }
      }
    }
  }
  EXPECT_EQ(reached, g.size()) << "elements unreachable from the entry point";
  return reached;
}

class HnswMetricTest : public ::testing::TestWithParam<Metric> {};

// The documented figure: recall@10 >= 0.95 at m = 16, ef_construction = 64, ef_search = 64.
TEST_P(HnswMetricTest, RecallAgainstBruteForce) {
  Dataset d = clustered(6000, 150, 48, 30, 11);
  auto g = build(d, GetParam(), Params{16, 64}, 2);
  expect_well_formed(*g);
  double r = mean_recall(*g, d, 10, 64);
  EXPECT_GE(r, 0.95) << "recall@10 at ef=64";
  EXPECT_GT(mean_recall(*g, d, 10, 200), r - 1e-9) << "a wider beam must not lose recall";
}

std::string metric_name(const ::testing::TestParamInfo<Metric>& info) {
  static const char* const names[] = {"L2", "InnerProduct", "Cosine", "L1"};
  return names[static_cast<int>(info.param)];
}

INSTANTIATE_TEST_SUITE_P(Metrics, HnswMetricTest,
                         ::testing::Values(Metric::kL2, Metric::kInnerProduct, Metric::kCosine,
                                           Metric::kL1),
                         metric_name);

// Inner product on all-positive data (20,000 x 16, uniform in [0, 1)): linked by inner product,
// the vectors of small norm are nobody's nearest, keep no in-link, and 80% of the graph was out
// of reach; linked by L2 (link_metric) and searched by inner product, all of it stays reachable.
TEST(Hnsw, InnerProductOnAllPositiveDataStaysReachable) {
  EXPECT_EQ(link_metric(Metric::kInnerProduct), Metric::kL2);
  for (Metric m : {Metric::kL2, Metric::kCosine, Metric::kL1}) EXPECT_EQ(link_metric(m), m);
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  Dataset d{16, std::vector<float>(20000 * 16), std::vector<float>(100 * 16)};
  for (float& x : d.base) x = u(rng);
  for (float& x : d.queries) x = u(rng);
  auto g = build(d, Metric::kInnerProduct, Params{16, 64}, 2);
  expect_well_formed(*g);
  // 0.887 at ef 40 before level-0 lists were filled up by inner product (see fill_by_rank)
  EXPECT_GE(mean_recall(*g, d, 10, 40), 0.93);
  EXPECT_GE(mean_recall(*g, d, 10, 1000), 0.99);
}

// A thousand copies of one vector among 3,000 others: the copies fill each other's lists, the
// heuristic prunes links to them from everywhere else, and without the build's reconnect pass
// most of them were out of reach (891 of 1,000 through SQL).
TEST(Hnsw, CopiesOfOneVectorStayReachable) {
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  Dataset d{8, std::vector<float>(4000 * 8, 1.0f), std::vector<float>(8, 1.0f)};
  for (std::size_t i = 0; i < 3000 * 8; ++i) d.base[i] = u(rng);
  for (Metric m : {Metric::kL2, Metric::kCosine, Metric::kInnerProduct}) {
    auto g = build(d, m, Params{16, 64}, 2);
    expect_well_formed(*g);
  }
}

// Well-separated clusters (30 in 8-d, each a unit cube, centres up to 40 apart): full lists
// that dropped the farthest shadowed link (pgvector's rule) cut the clusters apart, and the
// build's reconnect search, led by the upper levels into the island it was to link, left
// 2,200 to 5,800 of 6,000 elements out of reach.
TEST(Hnsw, SeparatedClustersStayReachable) {
  std::mt19937 rng(91);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  std::vector<float> centres(30 * 8);
  for (float& c : centres) c = 40.0f * u(rng);
  Dataset d{8, std::vector<float>(6000 * 8), {}};
  for (std::size_t i = 0; i < 6000; ++i)
    for (std::size_t j = 0; j < 8; ++j) d.base[i * 8 + j] = centres[(i % 30) * 8 + j] + u(rng);
  for (int threads : {1, 2}) expect_well_formed(*build(d, Metric::kL2, Params{16, 64}, threads));
}

TEST(Hnsw, SingleAndMultiThreadedBuildsAgreeOnQuality) {
  Dataset d = clustered(4000, 100, 32, 20, 12);
  auto one = build(d, Metric::kL2, Params{8, 40}, 1);
  auto two = build(d, Metric::kL2, Params{8, 40}, 2);
  expect_well_formed(*one);
  expect_well_formed(*two);
  EXPECT_GE(mean_recall(*one, d, 10, 80), 0.93);
  EXPECT_GE(mean_recall(*two, d, 10, 80), 0.93);
}

// Elements on upper levels are reachable there before their own level-0 search ends; a
// concurrent insert arriving through them must keep its back-link when their level-0 list is set.
TEST(Hnsw, ConcurrentLinkingLosesNoBackLinks) {
  Dataset d{32, testing::uniform_vector(3000 * 32, 41, 0.0f, 1.0f), {}};
  for (int round = 0; round < 3; ++round) {
    auto g = build(d, Metric::kL2, Params{16, 64}, 3);
    std::vector<bool> seen(g->size(), false);
    std::deque<std::uint32_t> todo{g->entry_point()};
    seen[g->entry_point()] = true;
    std::size_t reached = 1;
    while (!todo.empty()) {
      std::size_t n;
      const std::uint32_t* list = g->neighbors(todo.front(), 0, &n);
      todo.pop_front();
      for (std::size_t i = 0; i < n; ++i)
        if (!seen[list[i]]) {
          seen[list[i]] = true;
          ++reached;
          todo.push_back(list[i]);
        }
    }
    EXPECT_GE(reached + 1, g->size()) << "round " << round;
  }
}

TEST(Hnsw, TinyGraphsAndDuplicates) {
  Dataset d = clustered(1, 1, 4, 1, 13);
  auto g = build(d, Metric::kL2, Params{4, 8}, 2);
  SearchScratch s;
  EpochVisited v(g->size());
  ASSERT_EQ(g->search(d.query(0), 5, 10, s, v).size(), 1u);
  // 30 copies of one vector among distinct ones: most copies stay findable. (Copies compete for
  // the same list slots, so some drop off the graph; a flood of exact duplicates is a known
  // limit of HNSW graphs.)
  Dataset dup = clustered(300, 1, 4, 3, 20);
  for (int i = 0; i < 30; ++i)
    for (int j = 0; j < 4; ++j) dup.base.push_back(1.0f);
  dup.queries = {1, 1, 1, 1};
  auto gd = build(dup, Metric::kL2, Params{8, 32}, 2);
  EpochVisited vd(gd->size());
  auto found = gd->search(dup.query(0), 30, 100, s, vd);
  ASSERT_EQ(found.size(), 30u);
  std::size_t copies = 0;
  for (const Candidate& c : found) copies += c.distance == 0.0f;
  EXPECT_GE(copies, 15u);
}

TEST(Hnsw, CancelStopsTheBuild) {
  Dataset d = clustered(20000, 1, 64, 10, 14);
  MemoryGraph g(d.dims, Params{16, 200}, Metric::kL2);
  for (std::size_t i = 0; i < d.n(); ++i) g.add(d.row(i), 0, i);
  std::string error;
  std::size_t polls = 0;
  auto result = link_all(
      g, 2, 1, [&](std::size_t) { return ++polls < 3; }, &error);
  EXPECT_EQ(result, BuildResult::kCancelled);
}

// A graph view that counts calls, as the glue's callbacks are counted in production.
struct CountingView {
  MemoryGraph::View view;
  std::size_t expansions = 0;
  bool neighbors(std::uint32_t id, int level, std::vector<std::uint32_t>& out) {
    ++expansions;
    return view.neighbors(id, level, out);
  }
  bool distances(const std::uint32_t* ids, std::size_t n, float* out) {
    return view.distances(ids, n, out);
  }
};

std::vector<Candidate> drain(IncrementalSearch<CountingView>& search, CountingView& view,
                             std::size_t limit) {
  std::vector<Candidate> out;
  Candidate c;
  while (out.size() < limit && search.next(view, &c) == Step::kFound) out.push_back(c);
  return out;
}

TEST(HnswIncremental, OffModeIsThePlainSearch) {
  Dataset d = clustered(3000, 20, 24, 15, 15);
  auto g = build(d, Metric::kL2, Params{8, 32}, 2);
  SearchScratch s;
  EpochVisited v(g->size());
  for (std::size_t q = 0; q < d.nq(); ++q) {
    CountingView view{MemoryGraph::View(*g, d.query(q), false)};
    IncrementalSearch<CountingView> search(40, IterativeMode::kOff, 1000000);
    ASSERT_TRUE(search.start(view, g->entry_point(), g->max_level()));
    auto got = drain(search, view, 1000);
    auto plain = g->search(d.query(q), 40, 40, s, v);
    ASSERT_EQ(got.size(), plain.size());
    for (std::size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i].id, plain[i].id);
  }
}

TEST(HnswIncremental, StrictOrderNeverGoesBackwards) {
  Dataset d = clustered(3000, 20, 24, 15, 16);
  auto g = build(d, Metric::kL2, Params{8, 32}, 2);
  for (std::size_t q = 0; q < d.nq(); ++q) {
    CountingView view{MemoryGraph::View(*g, d.query(q), false)};
    IncrementalSearch<CountingView> search(10, IterativeMode::kStrict, 1000000);
    ASSERT_TRUE(search.start(view, g->entry_point(), g->max_level()));
    auto got = drain(search, view, 3000);
    ASSERT_GT(got.size(), 2200u) << "strict order drops only some late finds";
    for (std::size_t i = 1; i < got.size(); ++i) ASSERT_LE(got[i - 1].distance, got[i].distance);
  }
}

// Relaxed order returns every element exactly once, and the first results are as good as a
// search with a beam that wide: a filter keeping 1% of rows still fills a LIMIT.
TEST(HnswIncremental, RelaxedOrderReachesEveryElementOnce) {
  Dataset d = clustered(3000, 10, 24, 15, 17);
  auto g = build(d, Metric::kL2, Params{8, 32}, 2);
  for (std::size_t q = 0; q < d.nq(); ++q) {
    CountingView view{MemoryGraph::View(*g, d.query(q), false)};
    IncrementalSearch<CountingView> search(10, IterativeMode::kRelaxed, 1000000);
    ASSERT_TRUE(search.start(view, g->entry_point(), g->max_level()));
    auto got = drain(search, view, 100000);
    std::set<std::uint32_t> ids;
    for (const Candidate& c : got) ids.insert(c.id);
    EXPECT_EQ(ids.size(), got.size()) << "an element returned twice";
    EXPECT_GE(got.size(), g->size() - g->size() / 100) << "most of the graph is reachable";
    // rows whose id % 100 == 0: the first 10 such rows returned vs the exact 10 such rows
    std::vector<std::uint32_t> filtered, truth;
    for (const Candidate& c : got)
      if (c.id % 100 == 0 && filtered.size() < 10) filtered.push_back(c.id);
    for (std::uint32_t id : testing::exact_knn(d, d.query(q), g->size(), Metric::kL2))
      if (id % 100 == 0 && truth.size() < 10) truth.push_back(id);
    EXPECT_GE(testing::recall(filtered, truth), 0.9);
  }
}

TEST(HnswIncremental, VisitBudgetBoundsTheWork) {
  Dataset d = clustered(3000, 1, 24, 15, 18);
  auto g = build(d, Metric::kL2, Params{8, 32}, 2);
  CountingView view{MemoryGraph::View(*g, d.query(0), false)};
  IncrementalSearch<CountingView> search(10, IterativeMode::kRelaxed, 500);
  ASSERT_TRUE(search.start(view, g->entry_point(), g->max_level()));
  auto got = drain(search, view, 100000);
  EXPECT_LT(search.visited(), 500u + 2u * 8u + 1u);
  EXPECT_EQ(got.size(), search.visited());
}

// A scan read far past its first beam (a fused search's stream, a LIMIT under a WHERE) goes on
// finding the nearest rows: on hard data (wide clusters, 64-d, m 6) the first 100 results of a
// scan with a beam of 10 hold about 77% of the exact 100 nearest.
TEST(HnswIncremental, DeepReadsKeepTheBeam) {
  Dataset d = clustered(5000, 40, 64, 20, 19, 2.0f);
  auto g = build(d, Metric::kL2, Params{6, 24}, 2);
  double total = 0;
  for (std::size_t q = 0; q < d.nq(); ++q) {
    CountingView view{MemoryGraph::View(*g, d.query(q), false)};
    IncrementalSearch<CountingView> search(10, IterativeMode::kRelaxed, 1000000);
    ASSERT_TRUE(search.start(view, g->entry_point(), g->max_level()));
    std::vector<std::uint32_t> found;
    for (const Candidate& c : drain(search, view, 100)) found.push_back(c.id);
    total += testing::recall(found, testing::exact_knn(d, d.query(q), 100, Metric::kL2));
  }
  EXPECT_GE(total / static_cast<double>(d.nq()), 0.7);
}

// The insert path of an index on pages, with the glue's role played by this test: the first half
// is built in memory, the second half inserted one by one through callbacks.
struct PagesLikeGraph {
  const Dataset& d;
  Metric metric;
  Params p;
  std::vector<int> levels;
  std::vector<std::vector<std::vector<std::uint32_t>>> lists;  // [id][level]
  const float* query = nullptr;

  static int neighbors_cb(void* ctx, std::uint32_t id, int level, std::uint32_t* out, int cap) {
    auto* self = static_cast<PagesLikeGraph*>(ctx);
    const auto& l = self->lists[id][static_cast<std::size_t>(level)];
    int n = std::min(cap, static_cast<int>(l.size()));
    std::copy(l.begin(), l.begin() + n, out);
    return n;
  }
  static int distances_cb(void* ctx, const std::uint32_t* ids, int n, float* out) {
    auto* self = static_cast<PagesLikeGraph*>(ctx);
    SearchDistance dist = search_distance(self->metric);
    for (int i = 0; i < n; ++i) out[i] = dist(self->query, self->d.row(ids[i]), self->d.dims);
    return 0;
  }
  static int vectors_cb(void* ctx, const std::uint32_t* ids, int n, float* out) {
    auto* self = static_cast<PagesLikeGraph*>(ctx);
    for (int i = 0; i < n; ++i)
      std::copy(self->d.row(ids[i]), self->d.row(ids[i]) + self->d.dims, out + i * self->d.dims);
    return 0;
  }
};

TEST(HnswPagesInsert, InsertedElementsAreFound) {
  Dataset d = clustered(4000, 100, 32, 20, 19);
  Params p{12, 48};
  auto half = build(d, Metric::kCosine, p, 2, d.n() / 2);
  PagesLikeGraph pg{d, Metric::kCosine, p, {}, {}};
  for (std::uint32_t id = 0; id < half->size(); ++id) {
    pg.levels.push_back(half->level(id));
    pg.lists.emplace_back();
    for (int l = 0; l <= half->level(id); ++l) {
      std::size_t n;
      const std::uint32_t* list = half->neighbors(id, l, &n);
      pg.lists.back().emplace_back(list, list + n);
    }
  }
  std::uint32_t entry = half->entry_point();
  int entry_level = half->max_level();
  GraphCallbacks cb{&pg, PagesLikeGraph::neighbors_cb, PagesLikeGraph::distances_cb,
                    PagesLikeGraph::vectors_cb};
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  for (auto id = static_cast<std::uint32_t>(half->size()); id < d.n(); ++id) {
    int level = random_level(1.0 - u(rng), p.level_mult());
    pg.levels.push_back(level);
    pg.lists.emplace_back(static_cast<std::size_t>(level) + 1);
    pg.query = d.row(id);
    CallbackGraph graph(cb, p.max_neighbors(0));
    std::vector<std::vector<std::uint32_t>> chosen;
    ASSERT_TRUE(
        find_neighbors(graph, p, Metric::kCosine, d.dims, entry, entry_level, level, chosen));
    for (std::size_t l = 0; l < chosen.size(); ++l) {
      pg.lists[id][l] = chosen[l];
      for (std::uint32_t n : chosen[l]) {
        auto& theirs = pg.lists[n][l];
        std::vector<float> vecs;
        for (std::uint32_t x : theirs) vecs.insert(vecs.end(), d.row(x), d.row(x) + d.dims);
        theirs = add_neighbor(d.row(n), theirs, vecs.data(), id, d.row(id),
                              static_cast<std::size_t>(p.max_neighbors(static_cast<int>(l))),
                              Metric::kCosine, d.dims);
      }
    }
    if (level > entry_level) {
      entry = id;
      entry_level = level;
    }
  }
  // Search the whole graph through the callbacks.
  double sum = 0;
  for (std::size_t q = 0; q < d.nq(); ++q) {
    pg.query = d.query(q);
    CallbackGraph graph(cb, p.max_neighbors(0));
    IncrementalSearch<CallbackGraph> search(64, IterativeMode::kOff, 1000000);
    ASSERT_TRUE(search.start(graph, entry, entry_level));
    std::vector<std::uint32_t> ids;
    Candidate c;
    while (ids.size() < 10 && search.next(graph, &c) == Step::kFound) ids.push_back(c.id);
    sum += testing::recall(ids, testing::exact_knn(d, d.query(q), 10, Metric::kCosine));
  }
  EXPECT_GE(sum / static_cast<double>(d.nq()), 0.95);
}

TEST(HnswSelect, AddNeighborAppendsThenDropsTheMostCloselyShadowed) {
  std::vector<float> base{0, 0}, vecs{1, 0, 3, 0, 0, 1};
  std::vector<std::uint32_t> ids{10, 11, 12};  // 10 at (1,0), 11 at (3,0), 12 at (0,1)
  auto grown = add_neighbor(base.data(), ids, vecs.data(), 13, vecs.data(), 4, Metric::kL2, 2);
  EXPECT_EQ(grown, (std::vector<std::uint32_t>{10, 11, 12, 13}));
  auto as_set = [](const std::vector<std::uint32_t>& v) {
    return std::set<std::uint32_t>(v.begin(), v.end());
  };
  // a full list: 11 is shadowed by 10 (squared distances 4 from 10, 9 from the base); a new one
  // in another direction takes its place
  float far[2] = {-3, 0};
  EXPECT_EQ(as_set(add_neighbor(base.data(), ids, vecs.data(), 13, far, 3, Metric::kL2, 2)),
            (std::set<std::uint32_t>{10, 12, 13}));
  // one that 10 shadows more closely than 11 (1 against 4 from the base) is dropped itself
  float between[2] = {2, 0};
  EXPECT_EQ(add_neighbor(base.data(), ids, vecs.data(), 13, between, 3, Metric::kL2, 2), ids);
  // one that 10 shadows less closely (9 against 16) takes 11's place, though it is farther
  float beyond[2] = {4, 0};
  EXPECT_EQ(as_set(add_neighbor(base.data(), ids, vecs.data(), 13, beyond, 3, Metric::kL2, 2)),
            (std::set<std::uint32_t>{10, 12, 13}));
  EXPECT_EQ(add_neighbor(base.data(), ids, vecs.data(), 11, far, 3, Metric::kL2, 2), ids);
}

TEST(HnswSelect, KeepsWhatNoKeptNeighbourShadowsThenFillsNearestFirst) {
  // base at the origin, squared L2 distances
  std::vector<float> vecs{1,    0,      // 0: nearest, kept
                          1.2f, 0.1f,   // 1: 0.05 from 0 against 1.45 from base: shadowed
                          0,    -1.1f,  // 2: 2.21 from 0 against 1.21: kept
                          1,    0.5f};  // 3: 0.25 from 0 against 1.25: shadowed
  std::vector<float> base{0, 0};
  SearchDistance l2 = search_distance(Metric::kL2);
  std::vector<Candidate> candidates;
  for (std::uint32_t i = 0; i < 4; ++i) candidates.push_back({l2(base.data(), &vecs[2 * i], 2), i});
  std::sort(candidates.begin(), candidates.end(), closer);
  auto kept = select_neighbors(candidates, 3, l2, 2,
                               [&](std::size_t i) { return &vecs[2 * candidates[i].id]; });
  auto ids = [&] {
    std::vector<std::uint32_t> out;
    for (std::size_t i : kept) out.push_back(candidates[i].id);
    return out;
  };
  EXPECT_EQ(ids(), (std::vector<std::uint32_t>{0, 2}));
  fill_by_rank(kept, candidates.size(), 3, [&](std::size_t i) { return candidates[i].distance; });
  EXPECT_EQ(ids(), (std::vector<std::uint32_t>{0, 2, 3}));
}

}  // namespace
}  // namespace mvvd::hnsw

// What a build remembers of a full list must keep the order the drop rule compares by: shadow
// ratios in a byte (kept ones above all), distances to within 0.4%.
TEST(HnswShadowCache, KeepsTheOrderOfShadowsAndDistances) {
  using mvvd::hnsw::ShadowCache;
  ShadowCache cache(4);
  cache.add();
  cache.add();
  EXPECT_FALSE(cache.valid(1));
  cache.remember(1);
  EXPECT_TRUE(cache.valid(1));
  EXPECT_FALSE(cache.valid(0));
  float previous = -1.0f;
  for (float ratio : {0.0f, 0.01f, 0.3f, 0.5f, 0.9f, 0.999f}) {
    EXPECT_LT(ShadowCache::quantize(ratio), ShadowCache::kKept) << ratio;
    if (previous >= 0.0f && ratio - previous >= 0.01f)
      EXPECT_LT(ShadowCache::quantize(previous), ShadowCache::quantize(ratio)) << ratio;
    previous = ratio;
  }
  EXPECT_EQ(ShadowCache::quantize(std::numeric_limits<float>::infinity()), ShadowCache::kKept);
  for (float d : {0.0f, 1e-30f, 0.001f, 1.0f, 3.14159f, 12345.6f, 3e38f}) {
    cache.set(1, 3, d, 7);
    EXPECT_NEAR(cache.distance(1, 3), d, d * 0.004f) << d;
    EXPECT_EQ(cache.shadow(1, 3), 7);
  }
  cache.forget(1);
  EXPECT_FALSE(cache.valid(1));
}
