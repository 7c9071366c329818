// The C door to the core's score fusion.
#include "shim/mvvd_fusion.h"

#include <cstddef>
#include <cstdio>
#include <new>
#include <vector>

#include "core/fusion.hpp"
#include "core/threshold.hpp"

struct mvvd_threshold {
  mvvd::fusion::Threshold search;
};

namespace {

// The C struct is the core's Field, seen from C: the same members at the same places.
using Field = mvvd::fusion::Field;
static_assert(sizeof(mvvd_fusion_field) == sizeof(Field), "field size");
static_assert(sizeof(mvvd::fusion::Scale) == sizeof(int), "scale is an int");
static_assert(offsetof(mvvd_fusion_field, scale) == offsetof(Field, scale), "scale");
static_assert(offsetof(mvvd_fusion_field, weight) == offsetof(Field, weight), "weight");
static_assert(offsetof(mvvd_fusion_field, query_count) == offsetof(Field, query_count), "count");

const Field* core(const mvvd_fusion_field* f) { return reinterpret_cast<const Field*>(f); }

static_assert(static_cast<int>(mvvd::fusion::Scale::kChamferL2) == MVVD_SCALE_CHAMFER_L2, "scales");
static_assert(static_cast<int>(mvvd::fusion::Method::kMax) == MVVD_FUSION_MAX, "methods");

}  // namespace

extern "C" {

double mvvd_fuse(int method, const mvvd_fusion_field* fields, int n,
                 const double* distances) noexcept {
  return mvvd::fusion::fuse(static_cast<mvvd::fusion::Method>(method), core(fields),
                            static_cast<std::size_t>(n), distances);
}

double mvvd_field_score(int method, const mvvd_fusion_field* field, double distance) noexcept {
  return mvvd::fusion::field_score(static_cast<mvvd::fusion::Method>(method), *core(field),
                                   distance);
}

double mvvd_rrf(const mvvd_fusion_field* fields, int n, const int64_t* ranks, double c) noexcept {
  return mvvd::fusion::rrf(core(fields), static_cast<std::size_t>(n), ranks, c);
}

mvvd_status mvvd_threshold_create(int method, const mvvd_fusion_field* fields, int nfields,
                                  const int* stream_fields, int nstreams, double total_weight,
                                  mvvd_threshold** out, mvvd_error* err) noexcept {
  try {
    *out = new mvvd_threshold{mvvd::fusion::Threshold(
        static_cast<mvvd::fusion::Method>(method),
        std::vector<Field>(core(fields), core(fields) + nfields),
        std::vector<int>(stream_fields, stream_fields + nstreams), total_weight)};
    return MVVD_OK;
  } catch (...) {  // only std::bad_alloc can come from here
    err->position = 0;
    snprintf(err->message, sizeof(err->message), "out of memory in the threshold algorithm");
    return MVVD_OUT_OF_MEMORY;
  }
}

void mvvd_threshold_free(mvvd_threshold* t) noexcept { delete t; }

double mvvd_threshold_below(double distance) noexcept {
  return mvvd::fusion::Threshold::below(distance);
}

void mvvd_threshold_begin_batch(mvvd_threshold* t, int s) noexcept { t->search.begin_batch(s); }

void mvvd_threshold_observe(mvvd_threshold* t, int s, double distance) noexcept {
  t->search.observe(s, distance);
}

void mvvd_threshold_end_batch(mvvd_threshold* t, int s) noexcept { t->search.end_batch(s); }

void mvvd_threshold_exhaust(mvvd_threshold* t, int s) noexcept { t->search.exhaust(s); }

bool mvvd_threshold_exhausted(const mvvd_threshold* t, int s) noexcept {
  return t->search.exhausted(s);
}

int64_t mvvd_threshold_rows_read(const mvvd_threshold* t, int s) noexcept {
  return t->search.rows_read(s);
}

const double* mvvd_threshold_frontiers(const mvvd_threshold* t) noexcept {
  return t->search.frontiers();
}

double mvvd_threshold_bound(const mvvd_threshold* t) noexcept { return t->search.bound(); }

bool mvvd_threshold_could_enter(const mvvd_threshold* t, bool top_full, double kth,
                                double score) noexcept {
  return t->search.could_enter(top_full, kth, score);
}

bool mvvd_threshold_proven(const mvvd_threshold* t, bool top_full, double kth) noexcept {
  return t->search.proven(top_full, kth);
}

int mvvd_threshold_next_stream(const mvvd_threshold* t) noexcept { return t->search.next_stream(); }

}  // extern "C"
