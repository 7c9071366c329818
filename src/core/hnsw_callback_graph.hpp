// A graph whose storage lives outside the core (the index's Postgres pages): the glue answers
// through plain function pointers, a whole neighbour list or batch of distances per call, and
// reports failure by returning -1 after saving its own error (it never unwinds through here).
#pragma once
#include "no_postgres.hpp"

#include <cstdint>
#include <vector>

namespace mvvd::hnsw {

struct GraphCallbacks {
  void* context;
  // Writes id's neighbours on level into out (room for capacity); returns the count, or -1.
  int (*neighbors)(void* context, std::uint32_t id, int level, std::uint32_t* out, int capacity);
  // Writes the distance from the current query to each of ids[0..n) into out; 0, or -1.
  int (*distances)(void* context, const std::uint32_t* ids, int n, float* out);
  // Copies the vectors of ids[0..n) into out (n x dims floats); 0, or -1.
  int (*vectors)(void* context, const std::uint32_t* ids, int n, float* out);
};

class CallbackGraph {
 public:
  CallbackGraph(const GraphCallbacks& cb, int max_neighbors) : cb_(cb), capacity_(max_neighbors) {}

  bool neighbors(std::uint32_t id, int level, std::vector<std::uint32_t>& out) {
    out.resize(static_cast<std::size_t>(capacity_));
    int n = cb_.neighbors(cb_.context, id, level, out.data(), capacity_);
    if (n < 0) return false;
    out.resize(static_cast<std::size_t>(n));
    return true;
  }
  bool distances(const std::uint32_t* ids, std::size_t n, float* out) {
    return n == 0 || cb_.distances(cb_.context, ids, static_cast<int>(n), out) == 0;
  }
  bool vectors(const std::uint32_t* ids, std::size_t n, float* out) {
    return n == 0 || cb_.vectors(cb_.context, ids, static_cast<int>(n), out) == 0;
  }

 private:
  GraphCallbacks cb_;
  int capacity_;
};

}  // namespace mvvd::hnsw
