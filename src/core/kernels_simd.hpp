// The SIMD kernels, written once over an xsimd architecture and instantiated by one translation
// unit per instruction set (kernels_<isa>.cpp), each compiled with that set's flags only.
#pragma once
#include "no_postgres.hpp"

#include <xsimd/xsimd.hpp>

#include <cmath>

#include "kernels.hpp"

namespace mvvd {
namespace simd {

// Four independent accumulators hide the add latency; the tail (< one batch) is done in scalar.
template <class Arch, class Step, class Tail>
inline float reduce_pairs(const float* a, const float* b, std::size_t n, Step step, Tail tail) {
  using B = xsimd::batch<float, Arch>;
  constexpr std::size_t W = B::size;
  B acc0(0.0f), acc1(0.0f), acc2(0.0f), acc3(0.0f);
  std::size_t i = 0;
  for (; i + 4 * W <= n; i += 4 * W) {
    acc0 = step(acc0, B::load_unaligned(a + i), B::load_unaligned(b + i));
    acc1 = step(acc1, B::load_unaligned(a + i + W), B::load_unaligned(b + i + W));
    acc2 = step(acc2, B::load_unaligned(a + i + 2 * W), B::load_unaligned(b + i + 2 * W));
    acc3 = step(acc3, B::load_unaligned(a + i + 3 * W), B::load_unaligned(b + i + 3 * W));
  }
  for (; i + W <= n; i += W) acc0 = step(acc0, B::load_unaligned(a + i), B::load_unaligned(b + i));
  float s = xsimd::hadd((acc0 + acc1) + (acc2 + acc3));
  for (; i < n; ++i) s += tail(a[i], b[i]);
  return s;
}

template <class Arch>
float l2sq(const float* a, const float* b, std::size_t n) {
  using B = xsimd::batch<float, Arch>;
  return reduce_pairs<Arch>(
      a, b, n,
      [](B acc, B x, B y) {
        B d = x - y;
        return xsimd::fma(d, d, acc);
      },
      [](float x, float y) { return (x - y) * (x - y); });
}

template <class Arch>
float dot(const float* a, const float* b, std::size_t n) {
  using B = xsimd::batch<float, Arch>;
  return reduce_pairs<Arch>(
      a, b, n, [](B acc, B x, B y) { return xsimd::fma(x, y, acc); },
      [](float x, float y) { return x * y; });
}

template <class Arch>
float l1(const float* a, const float* b, std::size_t n) {
  using B = xsimd::batch<float, Arch>;
  return reduce_pairs<Arch>(
      a, b, n, [](B acc, B x, B y) { return acc + xsimd::abs(x - y); },
      [](float x, float y) { return std::fabs(x - y); });
}

template <class Arch>
DotNorms dot_norms(const float* a, const float* b, std::size_t n) {
  using B = xsimd::batch<float, Arch>;
  constexpr std::size_t W = B::size;
  B d0(0.0f), d1(0.0f), na0(0.0f), na1(0.0f), nb0(0.0f), nb1(0.0f);
  std::size_t i = 0;
  for (; i + 2 * W <= n; i += 2 * W) {
    B x0 = B::load_unaligned(a + i), y0 = B::load_unaligned(b + i);
    B x1 = B::load_unaligned(a + i + W), y1 = B::load_unaligned(b + i + W);
    d0 = xsimd::fma(x0, y0, d0);
    d1 = xsimd::fma(x1, y1, d1);
    na0 = xsimd::fma(x0, x0, na0);
    na1 = xsimd::fma(x1, x1, na1);
    nb0 = xsimd::fma(y0, y0, nb0);
    nb1 = xsimd::fma(y1, y1, nb1);
  }
  for (; i + W <= n; i += W) {
    B x = B::load_unaligned(a + i), y = B::load_unaligned(b + i);
    d0 = xsimd::fma(x, y, d0);
    na0 = xsimd::fma(x, x, na0);
    nb0 = xsimd::fma(y, y, nb0);
  }
  DotNorms r{xsimd::hadd(d0 + d1), xsimd::hadd(na0 + na1), xsimd::hadd(nb0 + nb1)};
  for (; i < n; ++i) {
    r.dot += a[i] * b[i];
    r.norm_a += a[i] * a[i];
    r.norm_b += b[i] * b[i];
  }
  return r;
}

// Query rows x document rows of one register tile of the matrix kernels. Its rows*cols
// accumulators, the rows query batches and one document batch (and, for l2sq or SSE's separate
// multiply and add, one temporary) must stay in registers: 4x4 (21-22 live) in the 32 vector
// registers of AVX-512 and NEON; 3x4 (15-16 live, the document batch folded into the FMA) in the
// 16 of AVX2; 2x4 (11-12 live) in the 16 of SSE, which has no FMA. Measured at 32 x 512 x 128,
// AVX2 3x4 beats 2x4 by ~40%; AVX-512 4x4 beats 4x6, 6x4 and 8x3; SSE 2x4 beats 3x4 (spills).
template <class Arch>
struct TileShape {
  static constexpr std::size_t rows = 2;
  static constexpr std::size_t cols = 4;
};
template <>
struct TileShape<xsimd::fma3<xsimd::avx2>> {
  static constexpr std::size_t rows = 3;
  static constexpr std::size_t cols = 4;
};
template <>
struct TileShape<xsimd::avx512f> {
  static constexpr std::size_t rows = 4;
  static constexpr std::size_t cols = 4;
};
template <>
struct TileShape<xsimd::neon64> {
  static constexpr std::size_t rows = 4;
  static constexpr std::size_t cols = 4;
};

// One accumulation step of each matrix kernel: acc + x*y, and acc + (x-y)^2.
struct DotStep {
  template <class B>
  B operator()(B acc, B x, B y) const {
    return xsimd::fma(x, y, acc);
  }
};
struct L2sqStep {
  template <class B>
  B operator()(B acc, B x, B y) const {
    B t = x - y;
    return xsimd::fma(t, t, acc);
  }
};

// Adds one batch of R query rows (q + r*qs) against C document rows (d + c*ds) into the R*C
// accumulators; each batch is loaded once and feeds R or C of them.
template <class Arch, std::size_t R, std::size_t C, class Step>
inline void tile_step(xsimd::batch<float, Arch>* acc, const float* q, std::size_t qs,
                      const float* d, std::size_t ds) {
  using B = xsimd::batch<float, Arch>;
  Step step;
  B qb[R];
#pragma GCC unroll 8
  for (std::size_t r = 0; r < R; ++r) qb[r] = B::load_unaligned(q + r * qs);
#pragma GCC unroll 8
  for (std::size_t c = 0; c < C; ++c) {
    B db = B::load_unaligned(d + c * ds);
#pragma GCC unroll 8
    for (std::size_t r = 0; r < R; ++r) acc[r * C + c] = step(acc[r * C + c], qb[r], db);
  }
}

// How many accumulators store_sums reduces at once: one batch's worth, except on AVX-512 (below).
template <class Arch>
struct SumGroup {
  static constexpr std::size_t size = xsimd::batch<float, Arch>::size;
};
template <>
struct SumGroup<xsimd::avx512f> {
  static constexpr std::size_t size = 8;
};

// Stores the horizontal sum of each of the n batches at acc to out[0..n), one group at a time with
// haddp (n is a multiple of SumGroup<Arch>::size).
template <class Arch>
inline void store_sums(const xsimd::batch<float, Arch>* acc, std::size_t n, float* out) {
  constexpr std::size_t W = xsimd::batch<float, Arch>::size;
  for (std::size_t g = 0; g < n; g += W) xsimd::haddp(acc + g).store_unaligned(out + g);
}
#if XSIMD_WITH_AVX512F
// The low (0) or high (1) 256 bits of x. The masked extract with an explicit zero source: GCC 12
// warns (falsely, -Wuninitialized) on the _mm256_undefined_pd of the unmasked extract and of
// _mm512_castps512_ps256; with an all-ones mask it is the same single vextract.
#define MVVD_HALF_OF(x, i) _mm512_mask_extractf64x4_pd(_mm256_setzero_pd(), 0xFF, (x), (i))
// xsimd 8.1's AVX-512 haddp returns the 16 sums out of order (0 1 4 5 2 3 6 7 ...), so each batch
// is first folded to 256 bits and eight of them go through the AVX haddp, which keeps the order.
template <>
inline void store_sums<xsimd::avx512f>(const xsimd::batch<float, xsimd::avx512f>* acc,
                                       std::size_t n, float* out) {
  using H = xsimd::batch<float, xsimd::avx2>;
  for (std::size_t g = 0; g < n; g += 8) {
    H half[8];
#pragma GCC unroll 8
    for (std::size_t r = 0; r < 8; ++r) {
      __m512d x = _mm512_castps_pd(acc[g + r]);
      half[r] = H(_mm256_castpd_ps(MVVD_HALF_OF(x, 0))) + H(_mm256_castpd_ps(MVVD_HALF_OF(x, 1)));
    }
    xsimd::haddp(half).store_unaligned(out + g);
  }
}
#undef MVVD_HALF_OF
#endif

// One R x C tile: out[r*ldo + c] = the sum over all dims of Step for query row r (at q) and
// document row c (at d). The last partial batch is read from zero-padded copies (zeros add nothing
// to either sum), and the R*C sums are reduced a group at a time with haddp where they fill groups.
template <class Arch, std::size_t R, std::size_t C, class Step>
inline void tile(const float* q, const float* d, std::size_t dims, float* out, std::size_t ldo) {
  using B = xsimd::batch<float, Arch>;
  constexpr std::size_t W = B::size;
  B acc[R * C];
#pragma GCC unroll 16
  for (std::size_t t = 0; t < R * C; ++t) acc[t] = B(0.0f);
  std::size_t k = 0;
  for (; k + W <= dims; k += W) tile_step<Arch, R, C, Step>(acc, q + k, dims, d + k, dims);
  if (k < dims) {
    alignas(64) float qt[R][W] = {};
    alignas(64) float dt[C][W] = {};
    for (std::size_t r = 0; r < R; ++r)
      for (std::size_t t = k; t < dims; ++t) qt[r][t - k] = q[r * dims + t];
    for (std::size_t c = 0; c < C; ++c)
      for (std::size_t t = k; t < dims; ++t) dt[c][t - k] = d[c * dims + t];
    tile_step<Arch, R, C, Step>(acc, &qt[0][0], W, &dt[0][0], W);
  }
  alignas(64) float sums[R * C];
  if constexpr ((R * C) % SumGroup<Arch>::size == 0) {
    store_sums<Arch>(acc, R * C, sums);
  } else {
#pragma GCC unroll 16
    for (std::size_t t = 0; t < R * C; ++t) sums[t] = xsimd::hadd(acc[t]);
  }
  for (std::size_t r = 0; r < R; ++r)
    for (std::size_t c = 0; c < C; ++c) out[r * ldo + c] = sums[r * C + c];
}

// The last n (< cols) document rows against R query rows: one tile whose width n is matched at run
// time against the compiled widths C, C-1, ..., 1.
template <class Arch, std::size_t R, std::size_t C, class Step>
inline void narrow_tile(std::size_t n, const float* q, const float* d, std::size_t dims, float* out,
                        std::size_t ldo) {
  if constexpr (C > 0) {
    if (n == C)
      tile<Arch, R, C, Step>(q, d, dims, out, ldo);
    else
      narrow_tile<Arch, R, C - 1, Step>(n, q, d, dims, out, ldo);
  }
}

// R query rows against nd document rows: full tiles, then one narrower tile for the remainder.
template <class Arch, std::size_t R, class Step>
inline void rows_against(const float* q, const float* d, std::size_t nd, std::size_t dims,
                         float* out, std::size_t ldo) {
  constexpr std::size_t C = TileShape<Arch>::cols;
  std::size_t j = 0;
  for (; j + C <= nd; j += C) tile<Arch, R, C, Step>(q, d + j * dims, dims, out + j, ldo);
  if (j < nd) narrow_tile<Arch, R, C - 1, Step>(nd - j, q, d + j * dims, dims, out + j, ldo);
}

// The last n (< rows) query rows against nd document rows, n matched against R, R-1, ..., 1.
template <class Arch, std::size_t R, class Step>
inline void short_rows(std::size_t n, const float* q, const float* d, std::size_t nd,
                       std::size_t dims, float* out, std::size_t ldo) {
  if constexpr (R > 0) {
    if (n == R)
      rows_against<Arch, R, Step>(q, d, nd, dims, out, ldo);
    else
      short_rows<Arch, R - 1, Step>(n, q, d, nd, dims, out, ldo);
  }
}

// The nq x nd matrix of Step sums. Documents are taken in blocks of about 16 KB, so a block stays
// in L1 while every query tile passes over it.
template <class Arch, class Step>
void matrix(const float* q, std::size_t nq, const float* d, std::size_t nd, std::size_t dims,
            float* out) {
  constexpr std::size_t R = TileShape<Arch>::rows, C = TileShape<Arch>::cols;
  constexpr std::size_t kBlockBytes = 16 * 1024;
  std::size_t row_bytes = dims > 0 ? dims * sizeof(float) : 1;
  std::size_t block = kBlockBytes / row_bytes / C * C;
  if (block < C) block = C;
  for (std::size_t j0 = 0; j0 < nd; j0 += block) {
    std::size_t nb = nd - j0 < block ? nd - j0 : block;
    const float* db = d + j0 * dims;
    std::size_t i = 0;
    for (; i + R <= nq; i += R)
      rows_against<Arch, R, Step>(q + i * dims, db, nb, dims, out + i * nd + j0, nd);
    if (i < nq)
      short_rows<Arch, R - 1, Step>(nq - i, q + i * dims, db, nb, dims, out + i * nd + j0, nd);
  }
}

// out[i*nd + j] = <q_i, d_j> (see DistanceKernels::dot_matrix).
template <class Arch>
void dot_matrix(const float* q, std::size_t nq, const float* d, std::size_t nd, std::size_t dims,
                float* out) {
  matrix<Arch, DotStep>(q, nq, d, nd, dims, out);
}

// out[i*nd + j] = ||q_i - d_j||^2, from the differences (no norm expansion, so no cancellation).
template <class Arch>
void l2sq_matrix(const float* q, std::size_t nq, const float* d, std::size_t nd, std::size_t dims,
                 float* out) {
  matrix<Arch, L2sqStep>(q, nq, d, nd, dims, out);
}

template <class Arch>
const DistanceKernels& kernels(const char* name) {
  static const DistanceKernels k{
      name, l2sq<Arch>, dot<Arch>, l1<Arch>, dot_norms<Arch>, dot_matrix<Arch>, l2sq_matrix<Arch>};
  return k;
}

}  // namespace simd
}  // namespace mvvd
