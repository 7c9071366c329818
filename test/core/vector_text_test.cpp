// The text parser: what it accepts, and for each kind of bad input the status and the position
// of the offending character.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "core/vector_text.hpp"

namespace mvvd {
namespace {

struct Parsed {
  ParseResult result;
  std::vector<float> values;
};

Parsed parse(const std::string& text, std::size_t capacity = 16000) {
  std::vector<float> out(capacity);
  ParseResult r = parse_vector_text(text.c_str(), out.data(), capacity);
  out.resize(r.status == ParseStatus::kOk ? r.dims : 0);
  return {r, out};
}

TEST(VectorText, AcceptsNumbersWithWhitespace) {
  Parsed p = parse(" [ 1 ,2.5,\t-3e-2 ,+4, 0x10 ]\n");
  ASSERT_EQ(p.result.status, ParseStatus::kOk);
  EXPECT_EQ(p.values, (std::vector<float>{1.0f, 2.5f, -3e-2f, 4.0f, 16.0f}));
}

TEST(VectorText, KeepsFloat4Extremes) {
  Parsed p = parse("[3.4028235e38,-3.4028235e38,1.17549435e-38,1e-45,-0]");
  ASSERT_EQ(p.result.status, ParseStatus::kOk);
  EXPECT_EQ(p.values[0], 3.4028235e38f);
  EXPECT_EQ(p.values[2], 1.17549435e-38f);
  EXPECT_GT(p.values[3], 0.0f);  // the smallest denormal survives
  EXPECT_TRUE(std::signbit(p.values[4]));
}

TEST(VectorText, MalformedInputsAreRejectedWithPosition) {
  struct Case {
    const char* text;
    std::size_t position;
  };
  for (Case c :
       {Case{"[1,,2]", 4}, Case{"[1,2", 5}, Case{"1,2]", 1}, Case{"[1,2]x", 6}, Case{"[1 2]", 4},
        Case{"", 1}, Case{"[", 2}, Case{"[,]", 2}, Case{"[1,]", 4}, Case{"[1;2]", 3},
        Case{"[[1]]", 2}, Case{"[1,2] [3]", 7}, Case{"[a]", 2}, Case{"[1.5e]", 5}}) {
    Parsed p = parse(c.text);
    EXPECT_EQ(p.result.status, ParseStatus::kMalformed) << c.text;
    EXPECT_EQ(p.result.position, c.position) << c.text;
    EXPECT_STRNE(p.result.detail, "") << c.text;
  }
}

TEST(VectorText, EmptyVector) {
  EXPECT_EQ(parse("[]").result.status, ParseStatus::kEmpty);
  EXPECT_EQ(parse("[   ]").result.status, ParseStatus::kEmpty);
}

TEST(VectorText, NaNAndInfinityAreNotFinite) {
  for (const char* t : {"[nan]", "[1,NaN]", "[inf]", "[-Infinity,1]", "[1,infinity]", "[-nan]"})
    EXPECT_EQ(parse(t).result.status, ParseStatus::kNotFinite) << t;
}

TEST(VectorText, OutOfRangeNumbers) {
  for (const char* t : {"[1e99]", "[-1e39]", "[1e-50]", "[1,2,3.5e38]"})
    EXPECT_EQ(parse(t).result.status, ParseStatus::kOutOfRange) << t;
  std::string long_number = "[" + std::string(500, '9') + "]";
  EXPECT_EQ(parse(long_number).result.status, ParseStatus::kOutOfRange);
}

TEST(VectorText, RespectsCapacity) {
  EXPECT_EQ(parse("[1,2,3]", 3).result.status, ParseStatus::kOk);
  Parsed p = parse("[1,2,3,4]", 3);
  EXPECT_EQ(p.result.status, ParseStatus::kTooManyDims);
  EXPECT_EQ(p.result.position, 8u);
}

TEST(VectorText, MaxElementsBoundsTheCount) {
  EXPECT_EQ(max_vector_elements("[1]"), 1u);
  EXPECT_EQ(max_vector_elements("[1,2,3]"), 3u);
  EXPECT_EQ(max_vector_elements("[1,,2]"), 3u);
  std::string many = "[" + std::string(20000, '1');
  for (int i = 0; i < 100; ++i) many += ",1";
  EXPECT_EQ(max_vector_elements(many.c_str()), 101u);
}

}  // namespace
}  // namespace mvvd

namespace mvvd {
namespace {

struct MultiParsed {
  MultiParseResult result;
  std::vector<float> values;
};

MultiParsed parse_multi(const std::string& text, std::size_t max_members = 100) {
  std::vector<float> out(max_vector_elements(text.c_str()));
  MultiParseResult r =
      parse_multivector_text(text.c_str(), out.data(), out.size(), 16000, max_members);
  out.resize(r.result.status == ParseStatus::kOk ? r.members * r.result.dims : 0);
  return {r, out};
}

TEST(MultivectorText, AcceptsVectorsOfOneSize) {
  MultiParsed p = parse_multi(" [ [1, 2] ,[3,4.5],[ -5 , 6e1 ] ] ");
  ASSERT_EQ(p.result.result.status, ParseStatus::kOk);
  EXPECT_EQ(p.result.members, 3u);
  EXPECT_EQ(p.result.result.dims, 2u);
  EXPECT_EQ(p.values, (std::vector<float>{1, 2, 3, 4.5f, -5, 60}));
  MultiParsed one = parse_multi("[[7]]");
  ASSERT_EQ(one.result.result.status, ParseStatus::kOk);
  EXPECT_EQ(one.values, (std::vector<float>{7}));
}

TEST(MultivectorText, RejectsBadInputWithPosition) {
  struct Case {
    const char* text;
    ParseStatus status;
    std::size_t position;
  };
  for (Case c :
       {Case{"[[1,2],[3]]", ParseStatus::kRagged, 8}, Case{"[]", ParseStatus::kEmpty, 2},
        Case{"[[]]", ParseStatus::kEmpty, 3}, Case{"[[1],]", ParseStatus::kMalformed, 6},
        Case{"[[1][2]]", ParseStatus::kMalformed, 5}, Case{"[[1],[2]", ParseStatus::kMalformed, 9},
        Case{"[1,2]", ParseStatus::kMalformed, 2}, Case{"[[1]] x", ParseStatus::kMalformed, 7},
        Case{"[[1,nan]]", ParseStatus::kNotFinite, 5},
        Case{"[[1e99]]", ParseStatus::kOutOfRange, 3},
        Case{"[[1],[2],[3]]", ParseStatus::kTooManyMembers, 10}}) {
    MultiParsed p = parse_multi(c.text, 2);
    EXPECT_EQ(p.result.result.status, c.status) << c.text;
    EXPECT_EQ(p.result.result.position, c.position) << c.text;
  }
}

}  // namespace
}  // namespace mvvd
