// The C door to the core's multivector distances.
#include "shim/mvvd_multivector.h"

#include <cstdio>
#include <limits>
#include <new>

#include "core/multivector.hpp"

namespace {

double distance_of(int kind, const float* d, size_t nd, const float* q, size_t nq, size_t dims) {
  switch (static_cast<mvvd_multivector_distance>(kind)) {
    case MVVD_MAXSIM_IP:
      return -mvvd::maxsim_ip(q, nq, d, nd, dims);
    case MVVD_MAXSIM_COSINE:
      return -mvvd::maxsim_cosine(q, nq, d, nd, dims);
    case MVVD_CHAMFER_L2:
      return mvvd::chamfer_l2(q, nq, d, nd, dims);
    case MVVD_MIN_PAIR_L2:
      return mvvd::min_pair_l2(q, nq, d, nd, dims);
    case MVVD_MIN_PAIR_COSINE:
      return mvvd::min_pair_cosine(q, nq, d, nd, dims);
    case MVVD_MAX_PAIR_IP:
      return -mvvd::max_pair_ip(q, nq, d, nd, dims);
  }
  return std::numeric_limits<double>::quiet_NaN();
}

}  // namespace

extern "C" {

mvvd_status mvvd_multivector_distance_of(int kind, const float* d, size_t nd, const float* q,
                                         size_t nq, size_t dims, double* out,
                                         mvvd_error* err) noexcept {
  try {
    *out = distance_of(kind, d, nd, q, nq, dims);
    return MVVD_OK;
  } catch (const std::bad_alloc&) {
    std::snprintf(err->message, sizeof err->message, "no memory for a multivector distance");
    return MVVD_OUT_OF_MEMORY;
  } catch (...) {
    std::snprintf(err->message, sizeof err->message, "unexpected failure in a distance");
    return MVVD_INTERNAL;
  }
}

}  // extern "C"
