// Distance kernels of every instruction set this CPU runs vs the naive scalar loop, at the
// dimensions embeddings commonly have. Prints Google Benchmark's table, then the speedup of each
// kernel over the naive loop measured in this same run.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "core/kernels.hpp"
#include "speedup_reporter.hpp"

namespace {

const int kDims[] = {128, 384, 768, 1536};
const char* const kSets[] = {"scalar", "sse", "avx2", "avx512", "neon"};

std::vector<float> seeded(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

// One pair of vectors per call, as a query against one stored row costs.
template <class Fn>
void run(benchmark::State& state, Fn fn) {
  auto n = static_cast<std::size_t>(state.range(0));
  auto a = seeded(n, 1), b = seeded(n, 2);
  for (auto _ : state) {
    benchmark::DoNotOptimize(a.data());
    benchmark::DoNotOptimize(b.data());
    auto r = fn(a.data(), b.data(), n);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
}

void register_all() {
  for (const char* set : kSets) {
    const mvvd::DistanceKernels* k = mvvd::kernels_for(set);
    if (k == nullptr) continue;
    std::string s(set);
    auto reg = [&](const char* metric, auto fn) {
      auto* b = benchmark::RegisterBenchmark((std::string(metric) + "/" + s).c_str(),
                                             [fn](benchmark::State& st) { run(st, fn); });
      for (int d : kDims) b->Arg(d);
    };
    reg("l2sq", k->l2sq);
    reg("dot", k->dot);
    reg("l1", k->l1);
    reg("cosine", k->dot_norms);
  }
}

// Keeps every run's time so the speedups can be printed after the table.
// The speedup table, from this run's timings.
void print_speedups(const mvvd::bench::Timings& ns) {
  std::printf("\nSpeedup over the naive scalar loop (same run; active set: %s)\n",
              mvvd::active_kernels().name);
  std::printf("%-8s %-7s %8s %8s %8s %8s\n", "metric", "set", "128", "384", "768", "1536");
  for (const char* metric : {"l2sq", "dot", "l1", "cosine"}) {
    for (const char* set : kSets) {
      if (std::string(set) == "scalar" || mvvd::kernels_for(set) == nullptr) continue;
      std::printf("%-8s %-7s", metric, set);
      for (int d : kDims) {
        std::string tail = "/" + std::to_string(d);
        double naive = mvvd::bench::time_of(ns, std::string(metric) + "/scalar" + tail);
        double simd = mvvd::bench::time_of(ns, std::string(metric) + "/" + set + tail);
        std::printf(" %7.1fx", simd > 0 ? naive / simd : 0.0);
      }
      std::printf("\n");
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  register_all();
  return mvvd::bench::run_benchmarks(argc, argv, print_speedups);
}
