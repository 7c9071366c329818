/*
 * The C door to the core's vector routines: text parsing, distances and element-wise arithmetic.
 * Every function is noexcept; the ones that can fail return an mvvd_status.
 */
#ifndef MVVD_SHIM_VECTOR_H
#define MVVD_SHIM_VECTOR_H

#include <stdbool.h>
#include <stddef.h>

#include "shim/mvvd_status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Parses "[1,2,3]" into out (room for capacity floats); *dims receives the count. */
mvvd_status mvvd_parse_vector(const char* text, float* out, size_t capacity, size_t* dims,
                              mvvd_error* err) MVVD_NOEXCEPT;
/* Parses "[[1,2],[3,4]]" into out (room for capacity floats): *members vectors of *dims. */
mvvd_status mvvd_parse_multivector(const char* text, float* out, size_t capacity, size_t max_dims,
                                   size_t max_members, size_t* members, size_t* dims,
                                   mvvd_error* err) MVVD_NOEXCEPT;
/* An upper bound on the numbers a text form holds, to size the parse buffer. */
size_t mvvd_vector_text_max_elements(const char* text) MVVD_NOEXCEPT;

/* Name of the SIMD kernels in use: "avx512", "avx2", "sse", "neon" or "scalar". */
const char* mvvd_kernel_name(void) MVVD_NOEXCEPT;

double mvvd_f32_l2_distance(const float* a, const float* b, size_t n) MVVD_NOEXCEPT;
double mvvd_f32_l2_squared_distance(const float* a, const float* b, size_t n) MVVD_NOEXCEPT;
double mvvd_f32_inner_product(const float* a, const float* b, size_t n) MVVD_NOEXCEPT;
double mvvd_f32_negative_inner_product(const float* a, const float* b, size_t n) MVVD_NOEXCEPT;
double mvvd_f32_cosine_distance(const float* a, const float* b, size_t n) MVVD_NOEXCEPT;
double mvvd_f32_l1_distance(const float* a, const float* b, size_t n) MVVD_NOEXCEPT;
double mvvd_f32_l2_norm(const float* a, size_t n) MVVD_NOEXCEPT;

/* Element-wise out = a op b; false when a result overflows float4. */
bool mvvd_f32_add(const float* a, const float* b, float* out, size_t n) MVVD_NOEXCEPT;
bool mvvd_f32_subtract(const float* a, const float* b, float* out, size_t n) MVVD_NOEXCEPT;
bool mvvd_f32_multiply(const float* a, const float* b, float* out, size_t n) MVVD_NOEXCEPT;
void mvvd_f32_l2_normalize(const float* a, float* out, size_t n) MVVD_NOEXCEPT;
bool mvvd_f32_all_finite(const float* a, size_t n) MVVD_NOEXCEPT;

/* Aggregates keep double sums: sums[i] += a[i]; out = sums * scale (false on float4 overflow). */
void mvvd_f32_accumulate(const float* a, double* sums, size_t n) MVVD_NOEXCEPT;
bool mvvd_f32_scale_to_float(const double* sums, double scale, float* out, size_t n) MVVD_NOEXCEPT;

#ifdef __cplusplus
}
#endif

#endif /* MVVD_SHIM_VECTOR_H */
