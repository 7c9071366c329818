// The C door to the core's score fusion.
#include "shim/mvvd_fusion.h"

#include <cstddef>

#include "core/fusion.hpp"

namespace {

// The C struct is the core's Field, seen from C: the same members at the same places.
using Field = mvvd::fusion::Field;
static_assert(sizeof(mvvd_fusion_field) == sizeof(Field), "field size");
static_assert(sizeof(mvvd::fusion::Scale) == sizeof(int), "scale is an int");
static_assert(offsetof(mvvd_fusion_field, scale) == offsetof(Field, scale), "scale");
static_assert(offsetof(mvvd_fusion_field, weight) == offsetof(Field, weight), "weight");
static_assert(offsetof(mvvd_fusion_field, query_count) == offsetof(Field, query_count), "count");

const Field* core(const mvvd_fusion_field* f) { return reinterpret_cast<const Field*>(f); }

}  // namespace

extern "C" {

double mvvd_fuse(int method, const mvvd_fusion_field* fields, int n,
                 const double* distances) noexcept {
  return mvvd::fusion::fuse(static_cast<mvvd::fusion::Method>(method), core(fields),
                            static_cast<std::size_t>(n), distances);
}

double mvvd_fusion_min_distance(int scale) noexcept {
  return mvvd::fusion::min_distance(static_cast<mvvd::fusion::Scale>(scale));
}

double mvvd_fusion_combined_score(int method, double total_weight, double d) noexcept {
  return mvvd::fusion::combined_score(static_cast<mvvd::fusion::Method>(method), total_weight, d);
}

double mvvd_field_score(int method, const mvvd_fusion_field* field, double distance) noexcept {
  return mvvd::fusion::field_score(static_cast<mvvd::fusion::Method>(method), *core(field),
                                   distance);
}

double mvvd_rrf(const mvvd_fusion_field* fields, int n, const int64_t* ranks, double c) noexcept {
  return mvvd::fusion::rrf(core(fields), static_cast<std::size_t>(n), ranks, c);
}

}  // extern "C"
