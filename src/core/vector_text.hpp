// Parser for the text form of a vector: "[1, 2.5, -3e-2]". It writes into a caller-owned buffer and
// allocates nothing, so the glue can hand it palloc'd memory and fuzzers can drive it directly.
#pragma once
#include "no_postgres.hpp"

#include <cstddef>

namespace mvvd {

enum class ParseStatus {
  kOk,
  kMalformed,       // not of the form [n, n, ...]
  kOutOfRange,      // a number too large (or too small and non-zero) for float4
  kNotFinite,       // NaN or Infinity written out
  kEmpty,           // "[]"
  kTooManyDims,     // more numbers than the caller's capacity
  kRagged,          // multivector: vectors of different dimensions
  kTooManyMembers,  // multivector: more vectors than allowed
};

struct ParseResult {
  ParseStatus status;
  std::size_t dims;      // numbers stored in out (on kOk)
  std::size_t position;  // 1-based offset of the offending character, 0 when not applicable
  const char* detail;    // what was expected there, as a static English phrase; never null
};

// Parses a NUL-terminated string. Whitespace is allowed around every token.
ParseResult parse_vector_text(const char* text, float* out, std::size_t capacity);

struct MultiParseResult {
  ParseResult result;   // result.dims: dimensions of each vector
  std::size_t members;  // vectors stored in out, back to back
};

// Parses "[[1,2],[3,4]]": at most max_members vectors of at most max_dims numbers each, all of
// the same dimensions, into out (room for capacity numbers in all).
MultiParseResult parse_multivector_text(const char* text, float* out, std::size_t capacity,
                                        std::size_t max_dims, std::size_t max_members);

// An upper bound on the numbers in text (its commas plus one), so the caller can size `out`.
std::size_t max_vector_elements(const char* text);

}  // namespace mvvd
