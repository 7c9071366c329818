// Sets of element ids already seen by a search. Dense ids (an in-memory graph) use an array of
// epochs, cleared in O(1); sparse or unbounded ids (an index on pages) use open addressing.
#pragma once
#include "no_postgres.hpp"

#include <cstdint>
#include <vector>

namespace mvvd {

class EpochVisited {
 public:
  explicit EpochVisited(std::size_t capacity) : marks_(capacity, 0) {}
  void clear() {
    if (++epoch_ == 0) {  // wrapped: forget every old mark
      std::fill(marks_.begin(), marks_.end(), 0);
      epoch_ = 1;
    }
  }
  // True if id was not yet in the set (and adds it).
  bool insert(std::uint32_t id) {
    if (marks_[id] == epoch_) return false;
    marks_[id] = epoch_;
    return true;
  }
  bool contains(std::uint32_t id) const { return marks_[id] == epoch_; }
  void prefetch(std::uint32_t id) const { __builtin_prefetch(&marks_[id]); }

 private:
  std::vector<std::uint16_t> marks_;
  std::uint16_t epoch_ = 1;
};

class HashVisited {
 public:
  explicit HashVisited(std::size_t expected = 1024) { reset_table(expected); }
  void clear() {
    has_sentinel_ = false;
    if (count_ == 0) return;
    std::fill(slots_.begin(), slots_.end(), kEmpty);
    count_ = 0;
  }
  bool insert(std::uint32_t id) {
    if (id == kEmpty) return insert_sentinel();
    if ((count_ + 1) * 2 > slots_.size()) grow();
    std::size_t i = slot_of(id);
    while (slots_[i] != kEmpty) {
      if (slots_[i] == id) return false;
      i = (i + 1) & mask_;
    }
    slots_[i] = id;
    ++count_;
    return true;
  }
  bool contains(std::uint32_t id) const {
    if (id == kEmpty) return has_sentinel_;
    for (std::size_t i = slot_of(id); slots_[i] != kEmpty; i = (i + 1) & mask_)
      if (slots_[i] == id) return true;
    return false;
  }
  void prefetch(std::uint32_t) const {}
  std::size_t size() const { return count_ + (has_sentinel_ ? 1 : 0); }

 private:
  static constexpr std::uint32_t kEmpty = 0xFFFFFFFFu;

  std::size_t slot_of(std::uint32_t id) const {
    return (static_cast<std::uint64_t>(id) * 0x9E3779B97F4A7C15ull >> 20) & mask_;
  }
  bool insert_sentinel() {
    bool fresh = !has_sentinel_;
    has_sentinel_ = true;
    return fresh;
  }
  void reset_table(std::size_t expected) {
    std::size_t n = 16;
    while (n < expected * 2) n <<= 1;
    slots_.assign(n, kEmpty);
    mask_ = n - 1;
    count_ = 0;
  }
  void grow() {
    std::vector<std::uint32_t> old;
    old.swap(slots_);
    reset_table(old.size());
    for (std::uint32_t id : old)
      if (id != kEmpty) insert(id);
  }

  std::vector<std::uint32_t> slots_;
  std::size_t mask_ = 0;
  std::size_t count_ = 0;
  bool has_sentinel_ = false;
};

}  // namespace mvvd
