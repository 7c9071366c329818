#include "hnsw_build.hpp"

#include <signal.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <numeric>
#include <random>
#include <thread>
#include <vector>

namespace mvvd::hnsw {
namespace {

struct Shared {
  explicit Shared(MemoryGraph& g) : graph(g) {}
  MemoryGraph& graph;
  std::vector<std::uint32_t> order;  // link order: a seeded shuffle of the ids
  std::atomic<std::size_t> next{0};
  std::atomic<std::size_t> linked{0};
  std::atomic<bool> stop{false};
  std::atomic<int> running{0};
  std::mutex mutex;
  std::condition_variable finished;
  std::string error;
};

void worker(Shared& s) {
  try {
    SearchScratch scratch;
    EpochVisited visited(s.graph.size());
    for (;;) {
      if (s.stop.load(std::memory_order_relaxed)) break;
      std::size_t i = s.next.fetch_add(1);
      if (i >= s.order.size()) break;
      s.graph.link(s.order[i], scratch, visited);
      s.linked.fetch_add(1, std::memory_order_relaxed);
    }
  } catch (const std::exception& e) {
    std::lock_guard<std::mutex> guard(s.mutex);
    s.error = e.what();
    s.stop = true;
  } catch (...) {
    std::lock_guard<std::mutex> guard(s.mutex);
    s.error = "unknown exception while linking";
    s.stop = true;
  }
  std::lock_guard<std::mutex> guard(s.mutex);
  if (--s.running == 0) s.finished.notify_all();
}

// Signals go to the calling thread only: the threads never run a signal handler of the host.
std::vector<std::thread> start_workers(Shared& s, int threads) {
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &old);
  std::vector<std::thread> pool;
  try {
    for (int i = 0; i < threads; ++i) {
      ++s.running;
      pool.emplace_back(worker, std::ref(s));
    }
  } catch (...) {
    --s.running;
    s.stop = true;
  }
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  return pool;
}

}  // namespace

BuildResult link_all(MemoryGraph& graph, int threads, int poll_ms,
                     const std::function<bool(std::size_t linked)>& poll, std::string* error) {
  Shared s(graph);
  // Rows often arrive grouped (by cluster, category or time); linked in that order by several
  // threads, a group's first elements link concurrently without seeing each other and whole
  // groups can end up cut off from the graph. A shuffled order avoids that and builds a better
  // graph even with one thread.
  s.order.resize(graph.size());
  std::iota(s.order.begin(), s.order.end(), 0u);
  std::mt19937_64 rng(0x5EED);
  std::shuffle(s.order.begin(), s.order.end(), rng);
  std::vector<std::thread> pool = start_workers(s, threads < 1 ? 1 : threads);
  bool cancelled = false;
  {
    std::unique_lock<std::mutex> lock(s.mutex);
    while (s.running > 0) {
      s.finished.wait_for(lock, std::chrono::milliseconds(poll_ms));
      if (s.running == 0) break;
      lock.unlock();
      if (!cancelled && !poll(s.linked.load())) {
        cancelled = true;
        s.stop = true;
      }
      lock.lock();
    }
  }
  for (std::thread& t : pool) t.join();
  if (!s.error.empty()) {
    *error = s.error;
    return BuildResult::kFailed;
  }
  if (cancelled) return BuildResult::kCancelled;
  if (pool.empty()) {
    *error = "could not start a build thread";
    return BuildResult::kFailed;
  }
  // Pruning leaves some elements without a way in; they are linked back here, on this thread.
  // A pass leaves none out; the next one checks that.
  for (int pass = 0; pass < 3; ++pass) {
    bool stop = false;
    std::size_t relinked = graph.reconnect([&] {
      stop = stop || !poll(s.linked.load());
      return !stop;
    });
    if (stop) return BuildResult::kCancelled;
    if (relinked == 0) break;
  }
  return BuildResult::kDone;
}

}  // namespace mvvd::hnsw
