#include "vector_text.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>

namespace mvvd {
namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

const char* skip_space(const char* p) {
  while (is_space(*p)) ++p;
  return p;
}

ParseResult fail(ParseStatus status, const char* text, const char* at, const char* detail) {
  return ParseResult{status, 0, static_cast<std::size_t>(at - text) + 1, detail};
}

}  // namespace

std::size_t max_vector_elements(const char* text) {
  std::size_t commas = 0;
  for (const char* p = text; *p; ++p) commas += (*p == ',');
  return commas + 1;
}

ParseResult parse_vector_text(const char* text, float* out, std::size_t capacity) {
  const char* p = skip_space(text);
  if (*p != '[') return fail(ParseStatus::kMalformed, text, p, "expected \"[\" at the start");
  p = skip_space(p + 1);
  if (*p == ']') return fail(ParseStatus::kEmpty, text, p, "a vector needs at least one number");

  std::size_t dims = 0;
  for (;;) {
    if (*p == '\0')
      return fail(ParseStatus::kMalformed, text, p, "expected a number, found the end");
    char* end = nullptr;
    errno = 0;
    float value = std::strtof(p, &end);
    // strtof skips leading whitespace itself; we already did, so any it skips here is not ours.
    if (end == p || is_space(*p))
      return fail(ParseStatus::kMalformed, text, p, "expected a number");
    if (std::isnan(value) || (std::isinf(value) && errno != ERANGE))
      return fail(ParseStatus::kNotFinite, text, p, "NaN and Infinity are not allowed in a vector");
    if (errno == ERANGE && (value == 0.0f || std::isinf(value)))
      return fail(ParseStatus::kOutOfRange, text, p, "number is out of range for type real");
    if (dims == capacity) return fail(ParseStatus::kTooManyDims, text, p, "too many numbers");
    out[dims++] = value;

    p = skip_space(end);
    if (*p == ',') {
      p = skip_space(p + 1);
      continue;
    }
    if (*p == ']') break;
    if (*p == '\0') return fail(ParseStatus::kMalformed, text, p, "missing \"]\" at the end");
    return fail(ParseStatus::kMalformed, text, p, "expected \",\" or \"]\" after a number");
  }
  p = skip_space(p + 1);
  if (*p != '\0') return fail(ParseStatus::kMalformed, text, p, "unexpected text after \"]\"");
  return ParseResult{ParseStatus::kOk, dims, 0, ""};
}

}  // namespace mvvd
