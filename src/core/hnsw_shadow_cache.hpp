// What a build remembers about each full level-0 list, so that a link joining it does not rerun
// the heuristic over the whole list to find the one to drop (see candidate_to_drop): per slot the
// neighbour's distance to the list's element and how closely a kept neighbour shadows it. Rerunning
// the heuristic on every link into a full list took about 60% of a build (Fashion-MNIST, 60,000
// x 784): some 160 distances per link, against 15 to 40 with what is remembered here.
#pragma once
#include "no_postgres.hpp"

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

namespace mvvd::hnsw {

class ShadowCache {
 public:
  // a slot the heuristic keeps (nothing shadows it)
  static constexpr std::uint8_t kKept = 255;

  explicit ShadowCache(std::size_t slots) : slots_(slots) {}

  // A shadow ratio (below 1; see select_neighbors) in a byte, rounded down, so that the order of
  // two ratios is kept to 1/253.
  static std::uint8_t quantize(float ratio) {
    if (std::isinf(ratio)) return kKept;
    if (!(ratio > 0.0f)) return 0;
    return static_cast<std::uint8_t>(std::fmin(ratio, 1.0f) * 253.0f);
  }

  void reserve(std::size_t n) {
    distance_.reserve(n * slots_);
    shadow_.reserve(n * slots_);
    valid_.reserve(n);
  }
  void add() {
    distance_.resize(distance_.size() + slots_);
    shadow_.resize(shadow_.size() + slots_);
    valid_.push_back(0);
  }
  std::size_t bytes_per_element() const { return slots_ * (sizeof(std::uint16_t) + 1) + 1; }
  std::size_t memory_bytes() const {
    return distance_.capacity() * sizeof(std::uint16_t) + shadow_.capacity() + valid_.capacity();
  }

  // Whether the slots of id's list are remembered; a list written other than through the
  // cache (chosen anew, relinked) is forgotten until the next link into it when it is full.
  bool valid(std::uint32_t id) const { return valid_[id] != 0; }
  void forget(std::uint32_t id) { valid_[id] = 0; }
  void remember(std::uint32_t id) { valid_[id] = 1; }

  float distance(std::uint32_t id, std::size_t slot) const {
    return from_bfloat16(distance_[id * slots_ + slot]);
  }
  std::uint8_t shadow(std::uint32_t id, std::size_t slot) const {
    return shadow_[id * slots_ + slot];
  }
  void set(std::uint32_t id, std::size_t slot, float distance, std::uint8_t shadow) {
    distance_[id * slots_ + slot] = to_bfloat16(distance);
    shadow_[id * slots_ + slot] = shadow;
  }
  void set_shadow(std::uint32_t id, std::size_t slot, std::uint8_t shadow) {
    shadow_[id * slots_ + slot] = shadow;
  }

 private:
  // Distances in 16 bits (a float's upper half, rounded): to 0.4%, which is all the choice of
  // a link to drop needs, and the cache fits where a build's graph fitted before (pg_regress
  // search_recall: 64 MB of maintenance_work_mem).
  static std::uint16_t to_bfloat16(float f) {
    std::uint32_t bits;
    std::memcpy(&bits, &f, sizeof bits);
    if (std::isnan(f)) return static_cast<std::uint16_t>((bits >> 16) | 0x40);
    bits += 0x7FFF + ((bits >> 16) & 1);
    return static_cast<std::uint16_t>(bits >> 16);
  }
  static float from_bfloat16(std::uint16_t h) {
    const std::uint32_t bits = std::uint32_t{h} << 16;
    float f;
    std::memcpy(&f, &bits, sizeof f);
    return f;
  }

  std::size_t slots_;
  std::vector<std::uint16_t> distance_;
  std::vector<std::uint8_t> shadow_;
  std::vector<std::uint8_t> valid_;
};

}  // namespace mvvd::hnsw
