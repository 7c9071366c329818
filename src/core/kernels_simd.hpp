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

template <class Arch>
const DistanceKernels& kernels(const char* name) {
  static const DistanceKernels k{name, l2sq<Arch>, dot<Arch>, l1<Arch>, dot_norms<Arch>};
  return k;
}

}  // namespace simd
}  // namespace mvvd
