// A graph element with its distance to the query, and the two heaps a beam search keeps.
#pragma once
#include "no_postgres.hpp"

#include <algorithm>
#include <cstdint>
#include <functional>
#include <vector>

namespace mvvd {

struct Candidate {
  float distance;
  std::uint32_t id;
};

// Ties are broken by a hash of the id: deterministic, yet without favouring low ids. With
// duplicate vectors, ordering ties by id would make every pruned list keep the same oldest
// copies and cut the newer ones off the graph.
inline std::uint32_t tie_rank(std::uint32_t id) {
  std::uint32_t x = id * 0x9E3779B1u;
  return x ^ (x >> 15);
}

inline bool closer(const Candidate& a, const Candidate& b) {
  return a.distance < b.distance || (a.distance == b.distance && tie_rank(a.id) < tie_rank(b.id));
}

// The heaps' orderings as function objects, so the comparisons inline.
struct Closer {
  bool operator()(const Candidate& a, const Candidate& b) const { return closer(a, b); }
};
struct Farther {
  bool operator()(const Candidate& a, const Candidate& b) const { return closer(b, a); }
};

// A binary heap of candidates. With Farther as the order the nearest is on top (the candidates
// still to expand); with Closer the farthest is (the bounded list of best results so far).
template <class Order>
class CandidateHeap {
 public:
  bool empty() const { return heap_.empty(); }
  std::size_t size() const { return heap_.size(); }
  const Candidate& top() const { return heap_.front(); }
  void push(Candidate c) {
    heap_.push_back(c);
    std::push_heap(heap_.begin(), heap_.end(), Order());
  }
  Candidate pop() {
    std::pop_heap(heap_.begin(), heap_.end(), Order());
    Candidate c = heap_.back();
    heap_.pop_back();
    return c;
  }
  void clear() { heap_.clear(); }
  // Adds many at once (cheaper than pushing one by one when they outnumber the heap).
  void push_all(const std::vector<Candidate>& more) {
    heap_.insert(heap_.end(), more.begin(), more.end());
    std::make_heap(heap_.begin(), heap_.end(), Order());
  }
  // Moves the contents out, nearest first.
  void drain_sorted(std::vector<Candidate>& out) {
    out.assign(heap_.begin(), heap_.end());
    std::sort(out.begin(), out.end(), Closer());
    heap_.clear();
  }

 private:
  std::vector<Candidate> heap_;
};

using NearestFirst = CandidateHeap<Farther>;
using FarthestFirst = CandidateHeap<Closer>;

}  // namespace mvvd
