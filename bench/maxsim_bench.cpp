// Late-interaction MaxSim (ColBERT) of nq = 32 query vectors against nd document vectors at 128
// dims, with the register-tiled matrix kernel of every instruction set this CPU runs, vs the naive
// triple loop (for each query row, for each document row, a plain dot loop). Prints Google
// Benchmark's table, then the speedup of each set over the naive loop measured in this same run.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "core/kernels.hpp"
#include "core/multivector.hpp"
#include "speedup_reporter.hpp"

namespace {

constexpr std::size_t kQueryRows = 32;
constexpr std::size_t kDims = 128;
const int kDocRows[] = {128, 256, 512};
const char* const kSets[] = {"scalar", "sse", "avx2", "avx512", "neon"};

std::vector<float> seeded(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

// The naive triple loop: what MaxSim costs without a matrix kernel.
double naive_maxsim(const float* q, std::size_t nq, const float* d, std::size_t nd,
                    std::size_t dims) {
  double sum = 0.0;
  for (std::size_t i = 0; i < nq; ++i) {
    float best = -std::numeric_limits<float>::infinity();
    for (std::size_t j = 0; j < nd; ++j) {
      float s = 0.0f;
      for (std::size_t t = 0; t < dims; ++t) s += q[i * dims + t] * d[j * dims + t];
      if (s > best) best = s;
    }
    sum += best;
  }
  return sum;
}

// One MaxSim score per iteration, for a query of kQueryRows rows against state.range(0) rows.
template <class Fn>
void run(benchmark::State& state, Fn fn) {
  auto nd = static_cast<std::size_t>(state.range(0));
  auto q = seeded(kQueryRows * kDims, 1), d = seeded(nd * kDims, 2);
  for (auto _ : state) {
    benchmark::DoNotOptimize(q.data());
    benchmark::DoNotOptimize(d.data());
    double r = fn(q.data(), kQueryRows, d.data(), nd, kDims);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["GFLOP/s"] = benchmark::Counter(2.0 * kQueryRows * nd * kDims * state.iterations(),
                                                 benchmark::Counter::kIsRate);
}

void register_all() {
  auto reg = [](const std::string& name, auto fn) {
    auto* b =
        benchmark::RegisterBenchmark(name.c_str(), [fn](benchmark::State& st) { run(st, fn); });
    for (int nd : kDocRows) b->Arg(nd);
  };
  reg("maxsim/naive", naive_maxsim);
  for (const char* set : kSets) {
    const mvvd::DistanceKernels* k = mvvd::kernels_for(set);
    if (k == nullptr) continue;
    reg(std::string("maxsim/") + set,
        [k](const float* q, std::size_t nq, const float* d, std::size_t nd, std::size_t dims) {
          return mvvd::maxsim_ip(*k, q, nq, d, nd, dims);
        });
  }
}

// Keeps every run's time so the speedups can be printed after the table. Plain text (the table goes
// to logs; a custom reporter does not see --benchmark_color).
// The speedup table, from this run's timings.
void print_speedups(const mvvd::bench::Timings& ns) {
  std::printf(
      "\nMaxSim speedup over the naive triple loop, %zu query rows x nd document rows x %zu "
      "dims (same run; active set: %s)\n",
      kQueryRows, kDims, mvvd::active_kernels().name);
  std::printf("%-8s", "set");
  for (int nd : kDocRows) std::printf(" %7s", ("nd=" + std::to_string(nd)).c_str());
  std::printf("\n");
  for (const char* set : kSets) {
    if (mvvd::kernels_for(set) == nullptr) continue;
    std::printf("%-8s", set);
    for (int nd : kDocRows) {
      std::string tail = "/" + std::to_string(nd);
      double naive = mvvd::bench::time_of(ns, "maxsim/naive" + tail);
      double fast = mvvd::bench::time_of(ns, std::string("maxsim/") + set + tail);
      std::printf(" %6.1fx", fast > 0 ? naive / fast : 0.0);
    }
    std::printf("\n");
  }
}

}  // namespace

int main(int argc, char** argv) {
  register_all();
  return mvvd::bench::run_benchmarks(argc, argv, print_speedups);
}
