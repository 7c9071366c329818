// The HNSW core against hnswlib (Debian's libhnswlib-dev) on the same data, the same m and
// ef_construction, in one run: build seconds (1 and 2 threads) and, per ef, recall@10, QPS and
// latency of single-threaded search. L2 metric.
//
//   build/bench/hnsw_core_bench                      # seeded clustered 100k x 128
//   build/bench/hnsw_core_bench BASE.npy QUERIES.npy # e.g. ../shared/tools/gen_gmm.py output
// Options (environment): M=16 EFC=64 K=10 EFS=10,20,40,80,160 N=100000 DIM=128 NQ=1000
#include <hnswlib/hnswlib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "../test/core/clustered_data.hpp"
#include "core/hnsw_build.hpp"
#include "core/kernels.hpp"
#include "npy.hpp"

namespace {

using mvvd::bench::Matrix;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

std::size_t env_or(const char* name, std::size_t fallback) {
  const char* v = std::getenv(name);
  return v ? std::strtoul(v, nullptr, 10) : fallback;
}

std::vector<std::size_t> ef_list() {
  std::string s = std::getenv("EFS") ? std::getenv("EFS") : "10,20,40,80,160";
  std::vector<std::size_t> out;
  for (std::size_t at = 0; at < s.size();) {
    out.push_back(std::strtoul(s.c_str() + at, nullptr, 10));
    at = s.find(',', at);
    if (at == std::string::npos) break;
    ++at;
  }
  return out;
}

// Exact top-k by brute force with the core's kernels, spread over two threads.
std::vector<std::vector<std::uint32_t>> ground_truth(const Matrix& base, const Matrix& q,
                                                     std::size_t k) {
  std::vector<std::vector<std::uint32_t>> gt(q.rows);
  auto work = [&](std::size_t from, std::size_t step) {
    auto l2 = mvvd::active_kernels().l2sq;
    std::vector<std::pair<float, std::uint32_t>> all(base.rows);
    for (std::size_t i = from; i < q.rows; i += step) {
      for (std::size_t j = 0; j < base.rows; ++j)
        all[j] = {l2(q.row(i), base.row(j), base.cols), static_cast<std::uint32_t>(j)};
      std::partial_sort(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(k), all.end());
      for (std::size_t j = 0; j < k; ++j) gt[i].push_back(all[j].second);
    }
  };
  std::thread t(work, 1, 2);
  work(0, 2);
  t.join();
  return gt;
}

double recall(const std::vector<std::uint32_t>& got, const std::vector<std::uint32_t>& want) {
  std::size_t hits = 0;
  for (auto id : want) hits += std::find(got.begin(), got.end(), id) != got.end();
  return static_cast<double>(hits) / static_cast<double>(want.size());
}

struct Row {
  double recall, qps, p50, p99;
};

template <class Search>
Row measure(const Matrix& q, const std::vector<std::vector<std::uint32_t>>& gt, Search search) {
  std::vector<double> lat;
  double r = 0;
  auto all = Clock::now();
  for (std::size_t i = 0; i < q.rows; ++i) {
    auto t = Clock::now();
    std::vector<std::uint32_t> got = search(q.row(i));
    lat.push_back(seconds_since(t) * 1e3);
    r += recall(got, gt[i]);
  }
  double total = seconds_since(all);
  std::sort(lat.begin(), lat.end());
  return {r / static_cast<double>(q.rows), static_cast<double>(q.rows) / total, lat[lat.size() / 2],
          lat[lat.size() * 99 / 100]};
}

std::unique_ptr<mvvd::hnsw::MemoryGraph> build_ours(const Matrix& base, int m, int efc, int threads,
                                                    double* secs) {
  auto t = Clock::now();
  mvvd::hnsw::Params p{m, efc};
  auto g = std::make_unique<mvvd::hnsw::MemoryGraph>(base.cols, p, mvvd::Metric::kL2);
  std::mt19937_64 rng(100);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  g->reserve(base.rows);  // as the index build does (and hnswlib)
  for (std::size_t i = 0; i < base.rows; ++i)
    g->add(base.row(i), mvvd::hnsw::random_level(1.0 - u(rng), p.level_mult()), i);
  std::string error;
  mvvd::hnsw::link_all(
      *g, threads, 50, [](std::size_t) { return true; }, &error);
  *secs = seconds_since(t);
  return g;
}

std::unique_ptr<hnswlib::HierarchicalNSW<float>> build_hnswlib(hnswlib::L2Space& space,
                                                               const Matrix& base, int m, int efc,
                                                               int threads, double* secs) {
  auto t = Clock::now();
  auto index = std::make_unique<hnswlib::HierarchicalNSW<float>>(&space, base.rows, m, efc, 100);
  auto work = [&](std::size_t from) {
    for (std::size_t i = from; i < base.rows; i += static_cast<std::size_t>(threads))
      index->addPoint(base.row(i), i);
  };
  index->addPoint(base.row(0), 0);
  std::vector<std::thread> pool;
  for (int i = 1; i < threads; ++i) pool.emplace_back(work, static_cast<std::size_t>(i));
  for (std::size_t i = threads; i < base.rows; i += static_cast<std::size_t>(threads))
    index->addPoint(base.row(i), i);
  for (auto& th : pool) th.join();
  *secs = seconds_since(t);
  return index;
}

}  // namespace

int main(int argc, char** argv) {
  Matrix base, q;
  if (argc >= 3) {
    base = mvvd::bench::read_matrix(argv[1]);
    q = mvvd::bench::read_matrix(argv[2]);
  } else {
    auto d = mvvd::testing::clustered(env_or("N", 100000), env_or("NQ", 1000), env_or("DIM", 128),
                                      100, 42, 0.35f);
    base = {d.n(), d.dims, d.base};
    q = {d.nq(), d.dims, d.queries};
  }
  int m = static_cast<int>(env_or("M", 16)), efc = static_cast<int>(env_or("EFC", 64));
  std::size_t k = env_or("K", 10);
  std::printf("data: %zu x %zu, %zu queries; m=%d ef_construction=%d; kernels: %s\n", base.rows,
              base.cols, q.rows, m, efc, mvvd::active_kernels().name);
  auto gt = ground_truth(base, q, k);

  double ours1, ours2, lib1, lib2;
  build_ours(base, m, efc, 1, &ours1);
  auto ours = build_ours(base, m, efc, 2, &ours2);
  hnswlib::L2Space space(base.cols);
  build_hnswlib(space, base, m, efc, 1, &lib1);
  auto lib = build_hnswlib(space, base, m, efc, 2, &lib2);
  std::printf(
      "build s (1 thread / 2 threads): mvvd %.2f / %.2f   hnswlib %.2f / %.2f   "
      "ratio %.2f / %.2f\n",
      ours1, ours2, lib1, lib2, ours1 / lib1, ours2 / lib2);

  std::printf("%6s | %-30s | %-30s | %s\n", "ef", "mvvd recall  QPS     p50ms p99ms",
              "hnswlib recall QPS    p50ms p99ms", "QPS ratio");
  mvvd::hnsw::SearchScratch scratch;
  mvvd::EpochVisited visited(ours->size());
  // one untimed pass each, so neither pays for first touches of its memory in the table
  for (std::size_t i = 0; i < q.rows; ++i) {
    ours->search(q.row(i), k, 40, scratch, visited);
    lib->setEf(40);
    lib->searchKnn(q.row(i), k);
  }
  for (std::size_t ef : ef_list()) {
    Row a = measure(q, gt, [&](const float* x) {
      std::vector<std::uint32_t> ids;
      for (auto& c : ours->search(x, k, ef, scratch, visited)) ids.push_back(c.id);
      return ids;
    });
    lib->setEf(ef);
    Row b = measure(q, gt, [&](const float* x) {
      std::vector<std::uint32_t> ids;
      auto pq = lib->searchKnn(x, k);
      while (!pq.empty()) {
        ids.push_back(static_cast<std::uint32_t>(pq.top().second));
        pq.pop();
      }
      return ids;
    });
    std::printf("%6zu | %.4f %8.0f %6.3f %6.3f | %.4f %8.0f %6.3f %6.3f | %.2f\n", ef, a.recall,
                a.qps, a.p50, a.p99, b.recall, b.qps, b.p50, b.p99, a.qps / b.qps);
  }
  return 0;
}
