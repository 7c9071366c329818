// The threshold algorithm over synthetic sorted streams: whatever the method, scale or weights, the
// top k it proves is the brute-force top k; it stops early when fields agree; it reads a heavy
// field deeper; and its frontier keeps the farthest distance when a stream returns a late find.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <set>
#include <vector>

#include "core/fusion.hpp"
#include "core/threshold.hpp"

namespace mvvd::fusion {
namespace {

// Rows with one distance per field; the stream of field f returns rows by that distance.
struct Table {
  std::vector<Field> fields;
  std::vector<std::vector<double>> d;  // d[row][field]
};

// A distance of the given scale from a uniform draw u in [0, 1).
double distance_of(Scale scale, double u) {
  switch (scale) {
    case Scale::kCosine:
      return 2.0 * u;
    case Scale::kInnerProduct:
      return 4.0 * u - 3.0;  // -<q, x>, negative mostly
    default:
      return 3.0 * u;
  }
}

// rows x fields distances; correlation in [0, 1] pulls every field of a row towards one draw.
Table make_table(std::vector<Field> fields, int rows, double correlation, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  Table t{std::move(fields), {}};
  for (int r = 0; r < rows; ++r) {
    double common = u(rng);
    std::vector<double> row;
    for (const Field& f : t.fields)
      row.push_back(distance_of(f.scale, correlation * common + (1 - correlation) * u(rng)));
    t.d.push_back(row);
  }
  return t;
}

std::vector<int> order_by_field(const Table& t, int field) {
  std::vector<int> order(t.d.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(),
            [&](int a, int b) { return t.d[a][field] < t.d[b][field]; });
  return order;
}

double score_of(Method m, const Table& t, int row) {
  return fuse(m, t.fields.data(), t.fields.size(), t.d[row].data());
}

std::set<int> brute_force(Method m, const Table& t, int k) {
  std::vector<int> rows(t.d.size());
  std::iota(rows.begin(), rows.end(), 0);
  std::sort(rows.begin(), rows.end(),
            [&](int a, int b) { return score_of(m, t, a) > score_of(m, t, b); });
  return std::set<int>(rows.begin(), rows.begin() + k);
}

// What the glue does: read the chosen stream a batch at a time, score every new row exactly, keep
// the best k, stop once the top k is proven.
struct Outcome {
  std::set<int> top;
  bool proven = false;
  std::int64_t read = 0;
  std::vector<std::int64_t> read_per_stream;
};

Outcome search(Method m, const Table& t, int k, int batch,
               const std::vector<std::vector<int>>& orders) {
  std::vector<int> stream_fields;
  for (std::size_t f = 0; f < t.fields.size(); ++f)
    if (t.fields[f].weight > 0) stream_fields.push_back(static_cast<int>(f));
  Threshold ta(m, t.fields, stream_fields, 0.0);
  std::vector<std::size_t> pos(stream_fields.size(), 0);
  std::vector<std::pair<double, int>> top;  // (score, row), best first
  std::set<int> seen;
  auto kth = [&] { return top.size() < static_cast<std::size_t>(k) ? NAN : top.back().first; };
  auto full = [&] { return top.size() == static_cast<std::size_t>(k); };
  auto pull = [&](int s) {
    const std::vector<int>& order = orders[static_cast<std::size_t>(stream_fields[s])];
    ta.begin_batch(s);
    for (int i = 0; i < batch; ++i) {
      if (pos[s] == order.size()) {
        ta.exhaust(s);
        break;
      }
      int row = order[pos[s]++];
      ta.observe(s, t.d[row][stream_fields[s]]);
      if (!seen.insert(row).second) continue;
      double score = score_of(m, t, row);
      if (!ta.could_enter(full(), kth(), score)) continue;
      top.emplace_back(score, row);
      std::sort(top.begin(), top.end(), std::greater<>());
      if (top.size() > static_cast<std::size_t>(k)) top.pop_back();
    }
    ta.end_batch(s);
  };
  for (int s = 0; s < static_cast<int>(stream_fields.size()); ++s) pull(s);
  Outcome r;
  for (;;) {
    if (ta.proven(full(), kth())) {
      r.proven = true;
      break;
    }
    int s = ta.next_stream();
    if (s < 0) break;
    pull(s);
  }
  for (const auto& [score, row] : top) r.top.insert(row);
  for (int s = 0; s < static_cast<int>(stream_fields.size()); ++s) {
    r.read_per_stream.push_back(ta.rows_read(s));
    r.read += ta.rows_read(s);
  }
  return r;
}

Outcome search_all(Method m, const Table& t, int k, int batch) {
  std::vector<std::vector<int>> orders;
  for (std::size_t f = 0; f < t.fields.size(); ++f)
    orders.push_back(order_by_field(t, static_cast<int>(f)));
  return search(m, t, k, batch, orders);
}

TEST(Threshold, MatchesBruteForceForEveryMethodAndScale) {
  const std::vector<Field> fields{
      {Scale::kL2, 0.5, 1}, {Scale::kCosine, 0.3, 1}, {Scale::kInnerProduct, 0.2, 1}};
  for (Method m : {Method::kWeighted, Method::kRaw, Method::kMin, Method::kMax}) {
    for (unsigned seed = 1; seed <= 5; ++seed) {
      Table t = make_table(fields, 500, 0.3, seed);
      Outcome r = search_all(m, t, 10, 16);
      EXPECT_TRUE(r.proven) << "method " << static_cast<int>(m) << " seed " << seed;
      EXPECT_EQ(r.top, brute_force(m, t, 10))
          << "method " << static_cast<int>(m) << " seed " << seed;
    }
  }
}

TEST(Threshold, FieldOfWeightZeroHasNoStreamAndDoesNotCount) {
  Table t = make_table({{Scale::kL2, 1.0, 1}, {Scale::kL2, 0.0, 1}, {Scale::kCosine, 2.0, 1}}, 400,
                       0.2, 11);
  Outcome r = search_all(Method::kWeighted, t, 5, 8);
  EXPECT_TRUE(r.proven);
  EXPECT_EQ(r.read_per_stream.size(), 2u);
  EXPECT_EQ(r.top, brute_force(Method::kWeighted, t, 5));
}

// When fields agree, the rows near on one are near on the others: the proof comes long before
// the streams end. On independent fields it comes later, but it comes.
TEST(Threshold, ProvenEarlyWhenFieldsAgree) {
  const std::vector<Field> fields{{Scale::kL2, 0.5, 1}, {Scale::kL2, 0.5, 1}};
  Table agree = make_table(fields, 2000, 0.95, 3);
  Outcome r = search_all(Method::kWeighted, agree, 10, 16);
  EXPECT_TRUE(r.proven);
  EXPECT_LT(r.read, 2000 / 5) << "read " << r.read << " of 4000 rows";
  EXPECT_EQ(r.top, brute_force(Method::kWeighted, agree, 10));
  Table independent = make_table(fields, 2000, 0.0, 3);
  Outcome ri = search_all(Method::kWeighted, independent, 10, 16);
  EXPECT_GT(ri.read, r.read);
  EXPECT_EQ(ri.top, brute_force(Method::kWeighted, independent, 10));
}

// Quick-Combine: the bound drops faster along the heavy field, so that stream is read deeper.
TEST(Threshold, ReadsTheHeavyFieldDeeper) {
  Table t = make_table({{Scale::kL2, 0.9, 1}, {Scale::kL2, 0.1, 1}}, 3000, 0.0, 7);
  Outcome r = search_all(Method::kWeighted, t, 10, 16);
  EXPECT_TRUE(r.proven);
  EXPECT_GT(r.read_per_stream[0], 2 * r.read_per_stream[1]);
  EXPECT_EQ(r.top, brute_force(Method::kWeighted, t, 10));
}

// A stream that returns rows slightly out of order (an approximate index read deep) still gives
// the exact top k, as long as its frontier is the farthest distance it returned.
TEST(Threshold, LateFindsKeepTheFarthestFrontier) {
  Threshold ta(Method::kWeighted, {{Scale::kL2, 1.0, 1}}, {0}, 0.0);
  EXPECT_DOUBLE_EQ(ta.bound(), 1.0) << "no row read: the best similarity";
  ta.begin_batch(0);
  ta.observe(0, 1.0);
  ta.observe(0, 0.5);  // a late find
  ta.observe(0, NAN);  // a row without a distance: read, nothing else
  ta.end_batch(0);
  EXPECT_DOUBLE_EQ(ta.frontiers()[0], 1.0);
  EXPECT_DOUBLE_EQ(ta.bound(), 0.5);
  EXPECT_EQ(ta.rows_read(0), 3);

  const std::vector<Field> fields{{Scale::kL2, 0.6, 1}, {Scale::kCosine, 0.4, 1}};
  Table t = make_table(fields, 800, 0.3, 5);
  std::vector<std::vector<int>> orders{order_by_field(t, 0), order_by_field(t, 1)};
  std::mt19937 rng(9);
  for (auto& order : orders)  // swap neighbours now and then
    for (std::size_t i = 1; i < order.size(); ++i)
      if (rng() % 4 == 0) std::swap(order[i - 1], order[i]);
  Outcome r = search(Method::kWeighted, t, 10, 16, orders);
  EXPECT_TRUE(r.proven);
  EXPECT_EQ(r.top, brute_force(Method::kWeighted, t, 10));
}

// A combined index orders rows by d = -sum_i w_i cos_i over cosine fields; its one stream bounds
// the weighted fusion of those fields through combined_score.
TEST(Threshold, CombinedStreamMatchesBruteForce) {
  const std::vector<Field> fields{{Scale::kCosine, 0.7, 1}, {Scale::kCosine, 0.3, 1}};
  const double total = 1.0;
  Table t = make_table(fields, 1000, 0.4, 21);
  std::vector<double> combined(t.d.size());
  for (std::size_t r = 0; r < t.d.size(); ++r)
    combined[r] = -(0.7 * (1.0 - t.d[r][0]) + 0.3 * (1.0 - t.d[r][1]));
  std::vector<int> order(t.d.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](int a, int b) { return combined[a] < combined[b]; });
  for (Method m : {Method::kWeighted, Method::kRaw}) {
    Threshold ta(m, fields, {-1}, total);
    std::vector<std::pair<double, int>> top;
    std::size_t pos = 0;
    bool proven = false;
    while (!proven && !ta.exhausted(0)) {
      ta.begin_batch(0);
      for (int i = 0; i < 16 && pos < order.size(); ++i) {
        int row = order[pos++];
        ta.observe(0, combined[row]);
        EXPECT_NEAR(combined_score(m, total, combined[row]), score_of(m, t, row), 1e-12);
        top.emplace_back(score_of(m, t, row), row);
      }
      if (pos == order.size()) ta.exhaust(0);
      ta.end_batch(0);
      std::sort(top.begin(), top.end(), std::greater<>());
      if (top.size() > 10) top.resize(10);
      proven = ta.proven(top.size() == 10, top.size() == 10 ? top.back().first : NAN);
    }
    EXPECT_TRUE(proven);
    EXPECT_LT(ta.rows_read(0), 100);
    std::set<int> got;
    for (const auto& [score, row] : top) got.insert(row);
    EXPECT_EQ(got, brute_force(m, t, 10));
    EXPECT_EQ(ta.next_stream(), proven && pos < order.size() ? 0 : -1);
  }
}

TEST(Threshold, EntryAndStreamChoiceEdges) {
  Threshold rrf(Method::kRrf, {{Scale::kL2, 1.0, 1}}, {0}, 0.0);
  EXPECT_TRUE(rrf.could_enter(true, 5.0, -100.0)) << "RRF scores need every list";
  Threshold ta(Method::kWeighted, {{Scale::kL2, 1.0, 1}, {Scale::kL2, 1.0, 1}}, {0, 1}, 0.0);
  EXPECT_TRUE(ta.could_enter(false, NAN, -1.0)) << "a top k not full takes any row";
  EXPECT_FALSE(ta.could_enter(true, 1.0, 0.5));
  EXPECT_TRUE(ta.could_enter(true, 1.0, 1.0));
  EXPECT_TRUE(ta.could_enter(true, NAN, 0.5)) << "a NaN k-th score is beaten by anything";
  EXPECT_FALSE(ta.proven(false, 10.0));
  EXPECT_EQ(ta.next_stream(), 0) << "equal gains: the stream read least";
  ta.begin_batch(0);
  ta.observe(0, 0.1);
  ta.end_batch(0);
  EXPECT_EQ(ta.next_stream(), 1);
  ta.exhaust(1);
  EXPECT_EQ(ta.next_stream(), 0);
  ta.exhaust(0);
  EXPECT_EQ(ta.next_stream(), -1);
  EXPECT_LT(Threshold::below(2.0), 2.0);
  EXPECT_GT(Threshold::below(2.0), 2.0 - 1e-4);
}

}  // namespace
}  // namespace mvvd::fusion
