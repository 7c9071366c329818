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

// Parses one bracketed list of numbers starting at p (spaces skipped); *after points past "]".
ParseResult parse_list(const char* text, const char* p, float* out, std::size_t capacity,
                       const char** after) {
  p = skip_space(p);
  if (*p != '[') return fail(ParseStatus::kMalformed, text, p, "expected \"[\"");
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
  *after = p + 1;
  return ParseResult{ParseStatus::kOk, dims, 0, ""};
}

// Succeeds when only spaces follow.
ParseResult expect_end(const char* text, const char* p, ParseResult ok) {
  p = skip_space(p);
  if (*p != '\0') return fail(ParseStatus::kMalformed, text, p, "unexpected text after \"]\"");
  return ok;
}

}  // namespace

std::size_t max_vector_elements(const char* text) {
  std::size_t commas = 0;
  for (const char* p = text; *p; ++p) commas += (*p == ',');
  return commas + 1;
}

ParseResult parse_vector_text(const char* text, float* out, std::size_t capacity) {
  const char* after = nullptr;
  const char* p = skip_space(text);
  if (*p != '[') return fail(ParseStatus::kMalformed, text, p, "expected \"[\" at the start");
  ParseResult r = parse_list(text, p, out, capacity, &after);
  return r.status == ParseStatus::kOk ? expect_end(text, after, r) : r;
}

MultiParseResult parse_multivector_text(const char* text, float* out, std::size_t capacity,
                                        std::size_t max_dims, std::size_t max_members) {
  MultiParseResult m{{ParseStatus::kOk, 0, 0, ""}, 0};
  const char* p = skip_space(text);
  if (*p != '[') {
    m.result = fail(ParseStatus::kMalformed, text, p, "expected \"[\" at the start");
    return m;
  }
  p = skip_space(p + 1);
  if (*p == ']') {
    m.result = fail(ParseStatus::kEmpty, text, p, "a multivector needs at least one vector");
    return m;
  }
  std::size_t used = 0;
  for (;;) {
    const char* member = p;
    const char* after = nullptr;
    if (m.members == max_members) {
      m.result = fail(ParseStatus::kTooManyMembers, text, p, "too many vectors");
      return m;
    }
    std::size_t room = capacity - used < max_dims ? capacity - used : max_dims;
    ParseResult r = parse_list(text, p, out + used, room, &after);
    if (r.status != ParseStatus::kOk) {
      m.result = r;
      return m;
    }
    if (m.members > 0 && r.dims != m.result.dims) {
      m.result = fail(ParseStatus::kRagged, text, member,
                      "every vector of a multivector must have the same dimensions");
      return m;
    }
    m.result.dims = r.dims;
    used += r.dims;
    ++m.members;
    p = skip_space(after);
    if (*p == ',') {
      p = skip_space(p + 1);
      continue;
    }
    if (*p == ']') break;
    m.result =
        fail(ParseStatus::kMalformed, text, p,
             *p == '\0' ? "missing \"]\" at the end" : "expected \",\" or \"]\" after a vector");
    return m;
  }
  m.result = expect_end(text, p + 1, m.result);
  return m;
}

}  // namespace mvvd
