// The C door to the core's vector routines. The core here allocates nothing and throws nothing,
// but parsing still goes through a catch-all so that a future change cannot leak an exception.
#include "shim/mvvd_vector.h"

#include <cstdio>

#include "core/distance.hpp"
#include "core/kernels.hpp"
#include "core/vector_math.hpp"
#include "core/vector_text.hpp"

namespace {

mvvd_status to_status(mvvd::ParseStatus s) {
  switch (s) {
    case mvvd::ParseStatus::kOk:
      return MVVD_OK;
    case mvvd::ParseStatus::kMalformed:
      return MVVD_INVALID_TEXT;
    case mvvd::ParseStatus::kOutOfRange:
      return MVVD_OUT_OF_RANGE;
    case mvvd::ParseStatus::kNotFinite:
      return MVVD_NOT_FINITE;
    case mvvd::ParseStatus::kEmpty:
      return MVVD_EMPTY;
    case mvvd::ParseStatus::kTooManyDims:
      return MVVD_TOO_MANY_DIMS;
    case mvvd::ParseStatus::kRagged:
      return MVVD_RAGGED;
    case mvvd::ParseStatus::kTooManyMembers:
      return MVVD_TOO_MANY_MEMBERS;
  }
  return MVVD_INTERNAL;
}

}  // namespace

extern "C" {

mvvd_status mvvd_parse_vector(const char* text, float* out, size_t capacity, size_t* dims,
                              mvvd_error* err) noexcept {
  try {
    mvvd::ParseResult r = mvvd::parse_vector_text(text, out, capacity);
    *dims = r.dims;
    err->position = r.position;
    std::snprintf(err->message, sizeof err->message, "%s", r.detail);
    return to_status(r.status);
  } catch (...) {
    err->position = 0;
    std::snprintf(err->message, sizeof err->message, "unexpected failure while parsing a vector");
    return MVVD_INTERNAL;
  }
}

mvvd_status mvvd_parse_multivector(const char* text, float* out, size_t capacity, size_t max_dims,
                                   size_t max_members, size_t* members, size_t* dims,
                                   mvvd_error* err) noexcept {
  try {
    mvvd::MultiParseResult r =
        mvvd::parse_multivector_text(text, out, capacity, max_dims, max_members);
    *members = r.members;
    *dims = r.result.dims;
    err->position = r.result.position;
    std::snprintf(err->message, sizeof err->message, "%s", r.result.detail);
    return to_status(r.result.status);
  } catch (...) {
    err->position = 0;
    std::snprintf(err->message, sizeof err->message, "unexpected failure while parsing");
    return MVVD_INTERNAL;
  }
}

size_t mvvd_vector_text_max_elements(const char* text) noexcept {
  return mvvd::max_vector_elements(text);
}

const char* mvvd_kernel_name(void) noexcept { return mvvd::active_kernels().name; }

double mvvd_f32_l2_distance(const float* a, const float* b, size_t n) noexcept {
  return mvvd::l2_distance(a, b, n);
}
double mvvd_f32_l2_squared_distance(const float* a, const float* b, size_t n) noexcept {
  return mvvd::l2_squared_distance(a, b, n);
}
double mvvd_f32_inner_product(const float* a, const float* b, size_t n) noexcept {
  return mvvd::inner_product(a, b, n);
}
double mvvd_f32_negative_inner_product(const float* a, const float* b, size_t n) noexcept {
  return mvvd::negative_inner_product(a, b, n);
}
double mvvd_f32_cosine_distance(const float* a, const float* b, size_t n) noexcept {
  return mvvd::cosine_distance(a, b, n);
}
double mvvd_f32_l1_distance(const float* a, const float* b, size_t n) noexcept {
  return mvvd::l1_distance(a, b, n);
}
double mvvd_f32_l2_norm(const float* a, size_t n) noexcept { return mvvd::l2_norm(a, n); }

bool mvvd_f32_add(const float* a, const float* b, float* out, size_t n) noexcept {
  return mvvd::add(a, b, out, n);
}
bool mvvd_f32_subtract(const float* a, const float* b, float* out, size_t n) noexcept {
  return mvvd::subtract(a, b, out, n);
}
bool mvvd_f32_multiply(const float* a, const float* b, float* out, size_t n) noexcept {
  return mvvd::multiply(a, b, out, n);
}
void mvvd_f32_l2_normalize(const float* a, float* out, size_t n) noexcept {
  mvvd::l2_normalize(a, out, n);
}
bool mvvd_f32_all_finite(const float* a, size_t n) noexcept { return mvvd::all_finite(a, n); }
void mvvd_f32_accumulate(const float* a, double* sums, size_t n) noexcept {
  mvvd::accumulate(a, sums, n);
}
bool mvvd_f32_scale_to_float(const double* sums, double scale, float* out, size_t n) noexcept {
  return mvvd::scale_to_float(sums, scale, out, n);
}

}  // extern "C"
