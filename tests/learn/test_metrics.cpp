// The evaluation metrics (src/learn/metrics.hpp): average precision, the Brier score and top-k
// overlap on hand-computed cases and their edges; the calibration table on 20 hand-binned rows
// (ties across a bin boundary, uneven bins); its bootstrap against a brute-force serial replay of
// the documented stream (the same intervals, the same bits at any thread count), and on
// perfectly calibrated samples (ratio near 1, intervals of the binomial width that narrow as the
// sample grows); and the invalid arguments.
#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <random>
#include <stdexcept>
#include <vector>

#include "src/learn/metrics.hpp"

namespace signalrank::learn {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// ---------------------------------------------------------------- average precision

TEST(AveragePrecision, HandCases) {
  // Positives at positions 1 and 3.
  const std::vector<std::uint8_t> y{1, 0, 1, 0};
  EXPECT_DOUBLE_EQ(average_precision(std::vector<std::uint32_t>{0, 1, 2, 3}, y), (1.0 / 1 + 2.0 / 3) / 2);
  // The order decides, not the row numbers: positives (rows 2, 0) at positions 2 and 4.
  EXPECT_DOUBLE_EQ(average_precision(std::vector<std::uint32_t>{3, 2, 1, 0}, y), (1.0 / 2 + 2.0 / 4) / 2);
  // Positives first: 1. The only positive last of 5: 1/5.
  EXPECT_DOUBLE_EQ(average_precision(std::vector<std::uint32_t>{0, 2, 1, 3}, y), 1.0);
  const std::vector<std::uint8_t> last{0, 0, 0, 0, 1};
  EXPECT_DOUBLE_EQ(average_precision(std::vector<std::uint32_t>{0, 1, 2, 3, 4}, last), 1.0 / 5);
  // Positives at 2, 3, 5: (1/2 + 2/3 + 3/5) / 3.
  const std::vector<std::uint8_t> y5{0, 1, 1, 0, 1};
  EXPECT_DOUBLE_EQ(average_precision(std::vector<std::uint32_t>{0, 1, 2, 3, 4}, y5), (0.5 + 2.0 / 3 + 0.6) / 3);
}

TEST(AveragePrecision, OnlyTheListedRowsAreEvaluated) {
  // Row 1 (a positive) is not in the order: the positives are rows 0 and 3, at positions 2 and 3.
  const std::vector<std::uint8_t> y{1, 1, 0, 1};
  EXPECT_DOUBLE_EQ(average_precision(std::vector<std::uint32_t>{2, 0, 3}, y), (1.0 / 2 + 2.0 / 3) / 2);
}

TEST(AveragePrecision, NoPositivesAllPositivesEmpty) {
  EXPECT_TRUE(std::isnan(average_precision(std::vector<std::uint32_t>{0, 1, 2}, std::vector<std::uint8_t>{0, 0, 0})));
  EXPECT_TRUE(std::isnan(average_precision({}, std::vector<std::uint8_t>{1, 1})));
  EXPECT_TRUE(std::isnan(average_precision({}, {})));
  EXPECT_DOUBLE_EQ(average_precision(std::vector<std::uint32_t>{2, 0, 1}, std::vector<std::uint8_t>{1, 1, 1}), 1.0);
}

// AP as the area under the step precision-recall curve: sum over positions k of precision@k times
// the rise in recall at k. A different route to the same number.
double ap_as_area(const std::vector<std::uint32_t>& order, const std::vector<std::uint8_t>& y) {
  double total = 0;
  for (std::uint32_t row : order) total += y[row];
  double area = 0, hits = 0;
  for (std::size_t k = 0; k < order.size(); ++k) {
    const double rise = y[order[k]] / total;
    hits += y[order[k]];
    area += hits / static_cast<double>(k + 1) * rise;
  }
  return area;
}

TEST(AveragePrecision, MatchesTheAreaUnderThePrCurve) {
  std::mt19937_64 rng(7);
  for (int trial = 0; trial < 20; ++trial) {
    const std::size_t n = 1 + rng() % 300;
    std::vector<std::uint8_t> y(n);
    for (auto& v : y) v = rng() % 4 == 0;
    y[rng() % n] = 1;
    std::vector<std::uint32_t> order(n);
    std::iota(order.begin(), order.end(), 0u);
    std::shuffle(order.begin(), order.end(), rng);
    EXPECT_NEAR(average_precision(order, y), ap_as_area(order, y), 1e-12) << trial;
  }
}

TEST(AveragePrecision, InvalidArguments) {
  const std::vector<std::uint8_t> y{1, 0, 1};
  EXPECT_THROW(average_precision(std::vector<std::uint32_t>{0, 3}, y), std::invalid_argument);
  EXPECT_THROW(average_precision(std::vector<std::uint32_t>{0}, {}), std::invalid_argument);
  EXPECT_THROW(average_precision(std::vector<std::uint32_t>{0, 1, 0}, y), std::invalid_argument);
  EXPECT_THROW(average_precision(std::vector<std::uint32_t>{0, 1}, std::vector<std::uint8_t>{0, 2}),
               std::invalid_argument);
}

// ---------------------------------------------------------------- Brier score

TEST(BrierScore, HandCases) {
  // (0.01 + 0.01 + 0.25 + 1) / 4.
  EXPECT_NEAR(brier_score(std::vector<double>{0.1, 0.9, 0.5, 1.0}, std::vector<std::uint8_t>{0, 1, 1, 0}),
              1.27 / 4, 1e-15);
  EXPECT_EQ(brier_score(std::vector<double>{0.0, 1.0, 1.0}, std::vector<std::uint8_t>{0, 1, 1}), 0.0);
  EXPECT_EQ(brier_score(std::vector<double>{1.0, 0.0}, std::vector<std::uint8_t>{0, 1}), 1.0);
  EXPECT_DOUBLE_EQ(brier_score(std::vector<double>{0.25}, std::vector<std::uint8_t>{1}), 0.5625);
  EXPECT_TRUE(std::isnan(brier_score({}, {})));
}

TEST(BrierScore, InvalidArguments) {
  const std::vector<std::uint8_t> y{0, 1};
  EXPECT_THROW(brier_score(std::vector<double>{0.5}, y), std::invalid_argument);
  EXPECT_THROW(brier_score(std::vector<double>{0.5, -0.01}, y), std::invalid_argument);
  EXPECT_THROW(brier_score(std::vector<double>{0.5, 1.01}, y), std::invalid_argument);
  EXPECT_THROW(brier_score(std::vector<double>{0.5, kNaN}, y), std::invalid_argument);
  EXPECT_THROW(brier_score(std::vector<double>{0.5, INFINITY}, y), std::invalid_argument);
  EXPECT_THROW(brier_score(std::vector<double>{0.5, 0.5}, std::vector<std::uint8_t>{0, 2}), std::invalid_argument);
}

// ---------------------------------------------------------------- top-k overlap

TEST(TopKOverlap, HandCases) {
  const std::vector<std::uint64_t> a{1, 2, 3, 4, 5}, b{5, 4, 9, 8, 1};
  EXPECT_EQ(top_k_overlap(a, b, 3), 0.0);        // {1,2,3} vs {5,4,9}
  EXPECT_DOUBLE_EQ(top_k_overlap(a, b, 5), 0.6); // {1,4,5} in common
  EXPECT_DOUBLE_EQ(top_k_overlap(a, b, 2), 0.0);
  EXPECT_DOUBLE_EQ(top_k_overlap(a, a, 4), 1.0);
  // Order within the top k does not matter.
  EXPECT_DOUBLE_EQ(top_k_overlap(a, std::vector<std::uint64_t>{3, 1, 2, 7}, 3), 1.0);
  EXPECT_DOUBLE_EQ(top_k_overlap(a, std::vector<std::uint64_t>{3, 1, 7, 2}, 3), 2.0 / 3);
  // An id beyond the first k of b does not count.
  EXPECT_DOUBLE_EQ(top_k_overlap(std::vector<std::uint64_t>{1, 2}, std::vector<std::uint64_t>{1, 3, 2}, 2), 0.5);
}

TEST(TopKOverlap, KIsCappedAtTheShorterList) {
  const std::vector<std::uint64_t> a{1, 2, 3, 4, 5}, b{5, 4, 9, 8, 1};
  EXPECT_DOUBLE_EQ(top_k_overlap(a, b, 10), 0.6);
  // k' = 2: {1, 2} against {2, 7}.
  EXPECT_DOUBLE_EQ(top_k_overlap(a, std::vector<std::uint64_t>{2, 7}, 4), 0.5);
  EXPECT_DOUBLE_EQ(top_k_overlap(std::vector<std::uint64_t>{2, 7}, a, 4), 0.5);
}

TEST(TopKOverlap, EmptyIsNaN) {
  const std::vector<std::uint64_t> a{1, 2};
  EXPECT_TRUE(std::isnan(top_k_overlap(a, {}, 3)));
  EXPECT_TRUE(std::isnan(top_k_overlap({}, a, 3)));
  EXPECT_TRUE(std::isnan(top_k_overlap(a, a, 0)));
}

TEST(TopKOverlap, RepeatedIdsWithinKThrow) {
  const std::vector<std::uint64_t> a{1, 2, 1}, b{1, 2, 3};
  EXPECT_THROW(top_k_overlap(a, b, 3), std::invalid_argument);
  EXPECT_THROW(top_k_overlap(b, a, 3), std::invalid_argument);
  EXPECT_DOUBLE_EQ(top_k_overlap(a, b, 2), 1.0);  // the repeat is beyond k
}

// ---------------------------------------------------------------- calibration table

// 20 rows, p in tenths. Sorted by (p, row) they are (row: p, label):
//   bin 0: 1:.1 0, 4:.1 0, 10:.1 1, 7:.2 0, 13:.2 0, 2:.3 1, 5:.3 0        (7 rows)
//   bin 1: 18:.3 0, 11:.4 0, 16:.4 1, 3:.5 0, 12:.5 1, 8:.6 1, 15:.6 0     (7 rows)
//   bin 2: 6:.7 1, 17:.7 1, 9:.8 1, 19:.8 0, 0:.9 1, 14:.9 1               (6 rows)
// The three rows at p = .3 straddle bins 0 and 1: the row index decides (rows 2 and 5 below, 18 above).
const std::vector<double> kP20{0.9, 0.1, 0.3, 0.5, 0.1, 0.3, 0.7, 0.2, 0.6, 0.8,
                               0.1, 0.4, 0.5, 0.2, 0.9, 0.6, 0.4, 0.7, 0.3, 0.8};
const std::vector<std::uint8_t> kY20{1, 0, 1, 0, 0, 0, 1, 0, 1, 1, 1, 0, 1, 0, 1, 0, 1, 1, 0, 0};

TEST(CalibrationTable, TwentyRowsInThreeBins) {
  const auto t = calibration_table(kP20, kY20, 3, 0, 1);
  ASSERT_EQ(t.size(), 3u);
  const std::uint64_t rows[] = {7, 7, 6}, positives[] = {2, 3, 5};
  const double lo[] = {0.1, 0.3, 0.7}, hi[] = {0.3, 0.6, 0.9}, sum_p[] = {1.3, 3.3, 4.8};
  for (int b = 0; b < 3; ++b) {
    SCOPED_TRACE(b);
    EXPECT_EQ(t[b].rows, rows[b]);
    EXPECT_EQ(t[b].positives, positives[b]);
    EXPECT_EQ(t[b].p_lo, lo[b]);
    EXPECT_EQ(t[b].p_hi, hi[b]);
    const double r = static_cast<double>(rows[b]);
    EXPECT_NEAR(t[b].mean_predicted, sum_p[b] / r, 1e-15);
    EXPECT_DOUBLE_EQ(t[b].observed, static_cast<double>(positives[b]) / r);
    EXPECT_NEAR(t[b].ratio, static_cast<double>(positives[b]) / sum_p[b], 1e-14);
    // No resamples: no intervals.
    EXPECT_TRUE(std::isnan(t[b].observed_lo) && std::isnan(t[b].observed_hi));
    EXPECT_TRUE(std::isnan(t[b].ratio_lo) && std::isnan(t[b].ratio_hi));
  }
}

TEST(CalibrationTable, TwentyRowsInFourAndTwentyFiveBins) {
  // Four bins of 5: positives 1 (rows 1,4,10,7,13), 2 (2,5,18,11,16), 3 (3,12,8,15,6), 4 (17,9,19,0,14).
  const auto four = calibration_table(kP20, kY20, 4, 0, 1);
  ASSERT_EQ(four.size(), 4u);
  const std::uint64_t positives[] = {1, 2, 3, 4};
  const double sum_p[] = {0.7, 1.7, 2.9, 4.1};
  for (int b = 0; b < 4; ++b) {
    EXPECT_EQ(four[b].rows, 5u) << b;
    EXPECT_EQ(four[b].positives, positives[b]) << b;
    EXPECT_NEAR(four[b].mean_predicted, sum_p[b] / 5, 1e-15) << b;
  }
  // More bins than rows: one row per bin, in sorted order, the empty bins left out.
  const auto many = calibration_table(kP20, kY20, 25, 10, 1);
  ASSERT_EQ(many.size(), 20u);
  const std::uint32_t sorted_rows[] = {1, 4, 10, 7, 13, 2, 5, 18, 11, 16, 3, 12, 8, 15, 6, 17, 9, 19, 0, 14};
  for (int b = 0; b < 20; ++b) {
    SCOPED_TRACE(b);
    const std::uint32_t row = sorted_rows[b];
    EXPECT_EQ(many[b].rows, 1u);
    EXPECT_EQ(many[b].p_lo, kP20[row]);
    EXPECT_EQ(many[b].p_hi, kP20[row]);
    EXPECT_EQ(many[b].positives, kY20[row]);
    // One row: every resample is that row, so the intervals collapse onto the estimates.
    EXPECT_EQ(many[b].observed_lo, many[b].observed);
    EXPECT_EQ(many[b].observed_hi, many[b].observed);
    EXPECT_DOUBLE_EQ(many[b].ratio_lo, many[b].ratio);
    EXPECT_DOUBLE_EQ(many[b].ratio_hi, many[b].ratio);
  }
}

TEST(CalibrationTable, EdgeCases) {
  EXPECT_TRUE(calibration_table({}, {}, 10, 100, 1).empty());
  // One bin: the whole set. All positives: observed 1 and its interval [1, 1].
  const std::vector<double> p{0.5, 0.25, 0.75, 0.5};
  const auto all = calibration_table(p, std::vector<std::uint8_t>{1, 1, 1, 1}, 1, 50, 3);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].observed, 1.0);
  EXPECT_EQ(all[0].observed_lo, 1.0);
  EXPECT_EQ(all[0].observed_hi, 1.0);
  EXPECT_DOUBLE_EQ(all[0].ratio, 2.0);
  EXPECT_LE(all[0].ratio_lo, all[0].ratio_hi);
  // No positives: observed and ratio 0, and so their intervals.
  const auto none = calibration_table(p, std::vector<std::uint8_t>{0, 0, 0, 0}, 2, 50, 3);
  ASSERT_EQ(none.size(), 2u);
  for (const auto& bin : none) {
    EXPECT_EQ(bin.observed, 0.0);
    EXPECT_EQ(bin.ratio, 0.0);
    EXPECT_EQ(bin.ratio_lo, 0.0);
    EXPECT_EQ(bin.ratio_hi, 0.0);
  }
  // A bin predicted at exactly 0: its ratio and the ratio's interval are NaN, observed is not.
  const auto zero = calibration_table(std::vector<double>{0, 0, 0, 0.5, 0.5, 0.5},
                                      std::vector<std::uint8_t>{0, 1, 0, 1, 0, 1}, 2, 50, 3);
  ASSERT_EQ(zero.size(), 2u);
  EXPECT_DOUBLE_EQ(zero[0].observed, 1.0 / 3);
  EXPECT_TRUE(std::isnan(zero[0].ratio));
  EXPECT_TRUE(std::isnan(zero[0].ratio_lo) && std::isnan(zero[0].ratio_hi));
  EXPECT_LE(zero[0].observed_lo, zero[0].observed_hi);
  EXPECT_DOUBLE_EQ(zero[1].ratio, (2.0 / 3) / 0.5);
  // All p tied: bins by row index.
  const auto tied = calibration_table(std::vector<double>(6, 0.5), std::vector<std::uint8_t>{1, 1, 1, 0, 0, 0}, 2,
                                      0, 3);
  ASSERT_EQ(tied.size(), 2u);
  EXPECT_EQ(tied[0].positives, 3u);
  EXPECT_EQ(tied[1].positives, 0u);
}

TEST(CalibrationTable, InvalidArguments) {
  EXPECT_THROW(calibration_table(kP20, kY20, 0, 10, 1), std::invalid_argument);
  EXPECT_THROW(calibration_table(kP20, kY20, -3, 10, 1), std::invalid_argument);
  EXPECT_THROW(calibration_table(kP20, kY20, 10, -1, 1), std::invalid_argument);
  for (double level : {0.0, 1.0, -0.5, 1.5, kNaN})
    EXPECT_THROW(calibration_table(kP20, kY20, 10, 10, 1, level), std::invalid_argument) << level;
  EXPECT_THROW(calibration_table(std::vector<double>(kP20.begin(), kP20.end() - 1), kY20, 10, 10, 1),
               std::invalid_argument);
  for (double bad : {kNaN, double{INFINITY}, -double{INFINITY}, -0.1, 1.1}) {
    auto p = kP20;
    p[7] = bad;
    EXPECT_THROW(calibration_table(p, kY20, 10, 10, 1), std::invalid_argument) << bad;
  }
  auto y = kY20;
  y[3] = 2;
  EXPECT_THROW(calibration_table(kP20, y, 10, 10, 1), std::invalid_argument);
}

// ---- the bootstrap against a brute-force serial replay of the stream documented in metrics.hpp

std::uint64_t mix64(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// The textbook form of the bounded draw: the threshold 2^32 mod r formed on every draw.
std::uint32_t draw_below(std::uint64_t& state, std::uint32_t r) {
  const auto threshold = static_cast<std::uint32_t>((std::uint64_t{1} << 32) % r);
  for (;;) {
    state += 0x9E3779B97F4A7C15ULL;
    const std::uint64_t x = mix64(state) >> 32;
    const std::uint64_t m = x * r;
    if ((m & 0xFFFFFFFFULL) >= threshold) return static_cast<std::uint32_t>(m >> 32);
  }
}

double type7(std::vector<double> x, double q) {
  std::sort(x.begin(), x.end());
  const double h = (static_cast<double>(x.size()) - 1) * q;
  const std::size_t lo = static_cast<std::size_t>(h), hi = std::min(lo + 1, x.size() - 1);
  const double f = h - static_cast<double>(lo);
  return (1 - f) * x[lo] + f * x[hi];
}

// Sorted by a stable sort of the row numbers on p; each resample's rows drawn into a list first.
std::vector<CalibrationBin> calibration_reference(const std::vector<double>& p, const std::vector<std::uint8_t>& y,
                                                  int bins, int resamples, std::uint64_t seed, double level) {
  const std::size_t n = p.size(), nb = static_cast<std::size_t>(bins);
  std::vector<std::uint32_t> rows(n);
  std::iota(rows.begin(), rows.end(), 0u);
  std::stable_sort(rows.begin(), rows.end(), [&](std::uint32_t a, std::uint32_t b) { return p[a] < p[b]; });
  std::vector<CalibrationBin> table;
  for (std::size_t b = 0; b < nb; ++b) {
    const std::size_t start = b * (n / nb) + std::min(b, n % nb), size = n / nb + (b < n % nb);
    if (size == 0) continue;
    const std::vector<std::uint32_t> members(rows.begin() + start, rows.begin() + start + size);
    CalibrationBin bin;
    bin.rows = size;
    bin.p_lo = p[members.front()];
    bin.p_hi = p[members.back()];
    double sum = 0;
    for (auto row : members) sum += p[row], bin.positives += y[row];
    bin.mean_predicted = sum / size;
    bin.observed = static_cast<double>(bin.positives) / size;
    bin.ratio = sum > 0 ? bin.observed / bin.mean_predicted : kNaN;
    std::vector<double> observed, ratio;
    for (int s = 0; s < resamples; ++s) {
      std::uint64_t state = mix64(seed ^ mix64((std::uint64_t{b} << 32) | static_cast<std::uint64_t>(s)));
      std::vector<std::uint32_t> drawn;
      for (std::size_t i = 0; i < size; ++i) drawn.push_back(members[draw_below(state, static_cast<std::uint32_t>(size))]);
      double hits = 0, mass = 0;
      for (auto row : drawn) hits += y[row], mass += p[row];
      observed.push_back(hits / size);
      if (mass > 0) ratio.push_back((hits / size) / (mass / size));
    }
    const double qlo = (1 - level) / 2, qhi = (1 + level) / 2;
    bin.observed_lo = observed.empty() ? kNaN : type7(observed, qlo);
    bin.observed_hi = observed.empty() ? kNaN : type7(observed, qhi);
    bin.ratio_lo = ratio.empty() ? kNaN : type7(ratio, qlo);
    bin.ratio_hi = ratio.empty() ? kNaN : type7(ratio, qhi);
    table.push_back(bin);
  }
  return table;
}

void expect_near_or_both_nan(double got, double want, const char* what) {
  if (std::isnan(want)) {
    EXPECT_TRUE(std::isnan(got)) << what;
  } else {
    EXPECT_NEAR(got, want, 1e-12 * std::max(1.0, std::fabs(want))) << what;
  }
}

void expect_same_table(const std::vector<CalibrationBin>& got, const std::vector<CalibrationBin>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t b = 0; b < got.size(); ++b) {
    SCOPED_TRACE(b);
    EXPECT_EQ(got[b].rows, want[b].rows);
    EXPECT_EQ(got[b].positives, want[b].positives);
    EXPECT_EQ(got[b].p_lo, want[b].p_lo);
    EXPECT_EQ(got[b].p_hi, want[b].p_hi);
    expect_near_or_both_nan(got[b].mean_predicted, want[b].mean_predicted, "mean_predicted");
    expect_near_or_both_nan(got[b].observed, want[b].observed, "observed");
    expect_near_or_both_nan(got[b].ratio, want[b].ratio, "ratio");
    expect_near_or_both_nan(got[b].observed_lo, want[b].observed_lo, "observed_lo");
    expect_near_or_both_nan(got[b].observed_hi, want[b].observed_hi, "observed_hi");
    expect_near_or_both_nan(got[b].ratio_lo, want[b].ratio_lo, "ratio_lo");
    expect_near_or_both_nan(got[b].ratio_hi, want[b].ratio_hi, "ratio_hi");
  }
}

bool same_bits(const std::vector<CalibrationBin>& a, const std::vector<CalibrationBin>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(CalibrationBin)) == 0;
}

// p: coarse values (many ties) and a block of zeros, so some small-bin resamples draw only p = 0
// (their ratio is undefined and left out); labels Bernoulli(p).
void coarse_sample(std::uint64_t seed, std::size_t n, std::vector<double>& p, std::vector<std::uint8_t>& y) {
  std::mt19937_64 rng(seed);
  p.assign(n, 0.0);
  y.assign(n, 0);
  for (std::size_t i = 0; i < n; ++i) {
    p[i] = rng() % 5 == 0 ? 0.0 : static_cast<double>(rng() % 20) / 20.0;
    y[i] = static_cast<double>(rng() >> 11) * 0x1p-53 < p[i];
  }
}

TEST(CalibrationBootstrap, MatchesTheBruteForceReplay) {
  std::vector<double> p;
  std::vector<std::uint8_t> y;
  for (std::size_t n : {7u, 40u, 333u, 2000u}) {
    coarse_sample(n, n, p, y);
    for (int bins : {1, 3, 10}) {
      SCOPED_TRACE(testing::Message() << "n " << n << " bins " << bins);
      expect_same_table(calibration_table(p, y, bins, 41, 99, 0.8), calibration_reference(p, y, bins, 41, 99, 0.8));
    }
  }
  // Small bins with zeros: the reference leaves some ratio resamples out here, and so must we.
  coarse_sample(5, 40, p, y);
  expect_same_table(calibration_table(p, y, 8, 200, 12), calibration_reference(p, y, 8, 200, 12, 0.9));
  // One bin of 100000 rows: 2^32 mod r = 67296, so the 2e6 draws reject ~31 times; a draw that
  // skipped the rejection (biased) would shift those resamples.
  coarse_sample(6, 100000, p, y);
  expect_same_table(calibration_table(p, y, 1, 20, 77), calibration_reference(p, y, 1, 20, 77, 0.9));
}

TEST(CalibrationBootstrap, SameSeedSameBitsAtAnyThreadCount) {
  std::vector<double> p;
  std::vector<std::uint8_t> y;
  coarse_sample(11, 5003, p, y);
  const int before = omp_get_max_threads();
  omp_set_num_threads(1);
  const auto one = calibration_table(p, y, 10, 60, 2024);
  for (int threads : {2, 3, 4}) {
    omp_set_num_threads(threads);
    EXPECT_TRUE(same_bits(calibration_table(p, y, 10, 60, 2024), one)) << threads << " threads";
  }
  omp_set_num_threads(before);
  // Another seed: the same estimates, other intervals.
  const auto other = calibration_table(p, y, 10, 60, 2025);
  ASSERT_EQ(other.size(), one.size());
  bool any_interval_differs = false;
  for (std::size_t b = 0; b < one.size(); ++b) {
    EXPECT_EQ(other[b].observed, one[b].observed);
    any_interval_differs |= other[b].observed_lo != one[b].observed_lo || other[b].observed_hi != one[b].observed_hi;
  }
  EXPECT_TRUE(any_interval_differs);
}

// p uniform in [0.05, 0.95], y ~ Bernoulli(p): calibrated by construction.
void calibrated_sample(std::uint64_t seed, std::size_t n, std::vector<double>& p, std::vector<std::uint8_t>& y) {
  std::mt19937_64 rng(seed);
  p.resize(n);
  y.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    p[i] = 0.05 + 0.9 * (static_cast<double>(rng() >> 11) * 0x1p-53);
    y[i] = static_cast<double>(rng() >> 11) * 0x1p-53 < p[i];
  }
}

TEST(CalibrationBootstrap, CalibratedSampleHasRatioNearOneWithBinomialWidth) {
  std::vector<double> p;
  std::vector<std::uint8_t> y;
  calibrated_sample(31, 100000, p, y);
  const auto t = calibration_table(p, y, 10, 200, 8, 0.90);
  ASSERT_EQ(t.size(), 10u);
  int covering_one = 0;
  for (std::size_t b = 0; b < t.size(); ++b) {
    SCOPED_TRACE(b);
    EXPECT_EQ(t[b].rows, 10000u);
    EXPECT_NEAR(t[b].ratio, 1.0, 0.15);  // ~5 standard errors in the lowest bin
    EXPECT_LT(t[b].observed_lo, t[b].observed);
    EXPECT_GT(t[b].observed_hi, t[b].observed);
    EXPECT_LT(t[b].ratio_lo, t[b].ratio);
    EXPECT_GT(t[b].ratio_hi, t[b].ratio);
    covering_one += t[b].ratio_lo <= 1.0 && 1.0 <= t[b].ratio_hi;
    // A 90 % interval of a proportion of r rows is about 2 x 1.645 x sqrt(o (1 - o) / r) wide.
    const double o = t[b].observed, r = static_cast<double>(t[b].rows);
    const double binomial_width = 2 * 1.6449 * std::sqrt(o * (1 - o) / r);
    EXPECT_NEAR(t[b].observed_hi - t[b].observed_lo, binomial_width, 0.25 * binomial_width);
  }
  // Each 90 % interval covers the true ratio 1 with chance ~0.9; fewer than 6 of 10 has chance 0.002.
  EXPECT_GE(covering_one, 6);
}

TEST(CalibrationBootstrap, IntervalsNarrowWithMoreRows) {
  std::vector<double> p;
  std::vector<std::uint8_t> y;
  calibrated_sample(41, 4000, p, y);
  const auto small = calibration_table(p, y, 5, 100, 3);
  calibrated_sample(43, 64000, p, y);
  const auto large = calibration_table(p, y, 5, 100, 3);
  ASSERT_EQ(small.size(), 5u);
  ASSERT_EQ(large.size(), 5u);
  for (std::size_t b = 0; b < 5; ++b) {
    // 16 times the rows: a quarter of the width, up to the noise of 100 resamples.
    EXPECT_LT(large[b].observed_hi - large[b].observed_lo, 0.4 * (small[b].observed_hi - small[b].observed_lo)) << b;
    EXPECT_LT(large[b].ratio_hi - large[b].ratio_lo, 0.4 * (small[b].ratio_hi - small[b].ratio_lo)) << b;
  }
}

}  // namespace
}  // namespace signalrank::learn
