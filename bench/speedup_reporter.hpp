// Runs the registered Google Benchmarks with the usual console table, then hands every run's
// time (ns, by benchmark name) to a function that prints speedups measured in this same run.
#pragma once

#include <benchmark/benchmark.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace mvvd::bench {

using Timings = std::map<std::string, double>;

// A run's time, or 0 when it did not run.
inline double time_of(const Timings& t, const std::string& name) {
  auto it = t.find(name);
  return it == t.end() ? 0.0 : it->second;
}

class SpeedupReporter : public benchmark::ConsoleReporter {
 public:
  explicit SpeedupReporter(std::function<void(const Timings&)> print)
      : ConsoleReporter(OO_Tabular), print_(std::move(print)) {}
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& r : runs) ns_[r.benchmark_name()] = r.GetAdjustedRealTime();
    ConsoleReporter::ReportRuns(runs);
  }
  void Finalize() override {
    ConsoleReporter::Finalize();
    print_(ns_);
  }

 private:
  std::function<void(const Timings&)> print_;
  Timings ns_;
};

// main() of a benchmark program: run everything registered, then print the speedups.
inline int run_benchmarks(int argc, char** argv, std::function<void(const Timings&)> print) {
  benchmark::Initialize(&argc, argv);
  SpeedupReporter reporter(std::move(print));
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return 0;
}

}  // namespace mvvd::bench
