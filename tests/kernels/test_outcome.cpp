// The conversion outcome (kernels/outcome.hpp): the binomial tail against direct summation and
// closed forms; the rule on hand cases (the README's worked example); the seasonal factor on a
// trend, a season and short data; the series form against the hand sums; and the placebo: the
// same bits for any thread count or split, nothing after t read, and on providers that do not
// change, a false-conversion rate near the test level even when their weeks are over-dispersed.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <random>
#include <stdexcept>
#include <vector>

#include "kernel_test_support.hpp"
#include "kernels/outcome.hpp"

namespace signalrank::kernels {
namespace {

using testing::thread_counts;
using testing::with_threads;

// P(Y >= k) for Y ~ Binomial(n, p) by summing the probability mass in log space.
double tail_by_summation(int k, int n, double p) {
  double sum = 0.0;
  for (int j = k; j <= n; ++j)
    sum += std::exp(std::lgamma(n + 1.0) - std::lgamma(j + 1.0) - std::lgamma(n - j + 1.0) + j * std::log(p) +
                    (n - j) * std::log1p(-p));
  return sum;
}

TEST(BinomialTail, ClosedFormsAndEdges) {
  for (double p : {0.01, 0.2, 0.5, 0.9}) {
    EXPECT_NEAR(binomial_upper_tail(1, 10, p), 1.0 - std::pow(1.0 - p, 10), 1e-14) << p;
    EXPECT_NEAR(binomial_upper_tail(10, 10, p), std::pow(p, 10), 1e-14 * std::pow(p, 10)) << p;
    EXPECT_EQ(binomial_upper_tail(0, 10, p), 1.0);
    EXPECT_EQ(binomial_upper_tail(11, 10, p), 0.0);
  }
  EXPECT_EQ(binomial_upper_tail(3, 10, 0.0), 0.0);
  EXPECT_EQ(binomial_upper_tail(3, 10, 1.0), 1.0);
  EXPECT_THROW(binomial_upper_tail(3, 10, -0.1), std::invalid_argument);
  EXPECT_THROW(binomial_upper_tail(3, 10, 1.5), std::invalid_argument);
  EXPECT_THROW(binomial_upper_tail(3, -1, 0.5), std::invalid_argument);
  EXPECT_THROW(binomial_upper_tail(3, INFINITY, 0.5), std::invalid_argument);
  EXPECT_THROW(binomial_upper_tail(3, 10, std::nan("")), std::invalid_argument);
}

TEST(BinomialTail, MatchesDirectSummation) {
  for (int n : {1, 7, 65, 300, 2000}) {
    for (double p : {0.05, 0.2, 0.5, 0.8}) {
      for (int k = 1; k <= n; k += std::max(1, n / 97)) {
        const double want = tail_by_summation(k, n, p);
        if (want < 1e-250) continue;
        const double got = binomial_upper_tail(k, n, p);
        // Relative where the tail is small (the decisions are made there), absolute near 1.
        EXPECT_LT(std::fabs(got - want), 1e-10 * std::max(want, 1e-3)) << "k " << k << " n " << n << " p " << p;
      }
    }
  }
}

// The README's worked example: a steady 1 service a week for 52 weeks, so 13 expected in 13 weeks.
// With N = 52 + f services in all, the horizon's share under an unchanged rate is q = 13/65 = 0.2:
// P(Y >= 24) = 0.0114 and P(Y >= 25) = 0.0068 for Y ~ Binomial(52 + f, 0.2). 24 is not a ramp at
// alpha = 0.01; 25 is.
TEST(ClassifyOutcome, WorkedExample) {
  const OutcomeRule rule;  // h 13, alpha 0.01, margin 0.2, min_increase 5, trigger_min 5
  EXPECT_NEAR(binomial_upper_tail(24, 76, 0.2), 0.011427570702562478, 1e-12);
  EXPECT_NEAR(binomial_upper_tail(25, 77, 0.2), 0.006808437773771814, 1e-12);
  EXPECT_EQ(classify_outcome(52, 24, 1.0, 52, 1.0, rule), kNotConverted);
  EXPECT_EQ(classify_outcome(52, 25, 1.0, 52, 1.0, rule), kRamp);
  EXPECT_EQ(classify_outcome(52, 16, 1.0, 52, 1.0, rule), kNotConverted);
  // Starts: nothing in the baseline, at least trigger_min in the horizon.
  EXPECT_EQ(classify_outcome(0, 5, 1.0, 52, 1.0, rule), kStart);
  EXPECT_EQ(classify_outcome(0, 4, 1.0, 52, 1.0, rule), kNotConverted);
  // A season of 1.5 raises the expected volume to 19.5: 25 is no longer a ramp.
  EXPECT_EQ(classify_outcome(52, 25, 1.0, 52, 1.5, rule), kNotConverted);
  // Over-dispersed weeks (phi = 2): the test runs on 12.5 of 38.5 and fails.
  EXPECT_EQ(classify_outcome(52, 25, 2.0, 52, 1.0, rule), kNotConverted);
  // The relative margin: 1000 a year (expected 250) to 262 passes 5 services but not 20 %.
  EXPECT_EQ(classify_outcome(1000, 262, 1.0, 52, 1.0, rule), kNotConverted);
  // High volume: 5200 a year (expected 1300) to 1600 passes all three.
  EXPECT_EQ(classify_outcome(5200, 1600, 1.0, 52, 1.0, rule), kRamp);
  // Low volume: 2 a year (expected 0.5) to 5 passes the test and the margin but not +5 services.
  EXPECT_EQ(classify_outcome(2, 5, 1.0, 52, 1.0, rule), kNotConverted);
  OutcomeRule loose = rule;
  loose.min_increase = 1;
  EXPECT_EQ(classify_outcome(2, 5, 1.0, 52, 1.0, loose), kRamp);
}

TEST(SeasonalFactor, TrendIsNotSeasonAndShortDataIsOne) {
  std::vector<double> linear(90), constant(90, 7.0), season(90);
  for (int w = 0; w < 90; ++w) {
    linear[w] = 100.0 + 3.0 * w;
    season[w] = 100.0 * (1.0 + 0.3 * std::sin(2 * std::numbers::pi * w / 52.0));
  }
  EXPECT_NEAR(seasonal_factor(linear, 13), 1.0, 1e-12);
  EXPECT_NEAR(seasonal_factor(constant, 13), 1.0, 1e-12);
  // A pure season: the factor is the mean of the season over the same 13 weeks a year earlier.
  const int t = 89;
  double want = 0.0;
  for (int w = t - 51; w < t - 51 + 13; ++w) want += 1.0 + 0.3 * std::sin(2 * std::numbers::pi * w / 52.0);
  EXPECT_NEAR(seasonal_factor(season, 13), want / 13, 1e-12);
  EXPECT_GT(std::fabs(want / 13 - 1.0), 0.05);  // the case is not trivially 1
  EXPECT_EQ(seasonal_factor(std::vector<double>(77, 5.0), 13), 1.0);  // fewer than 78 weeks
  EXPECT_EQ(seasonal_factor(season, 27), 1.0);                         // h > 26
  std::vector<double> zeros(90, 0.0);
  EXPECT_EQ(seasonal_factor(zeros, 13), 1.0);
}

// A series of rows (provider, week, services) in CSR form.
struct Series {
  std::vector<std::uint64_t> offsets{0};
  std::vector<std::int32_t> week;
  std::vector<std::uint32_t> services;
  void add(std::int32_t w, std::uint32_t s) {
    week.push_back(w);
    services.push_back(s);
  }
  void end_provider() { offsets.push_back(week.size()); }
  WeeklySeries view() const { return {offsets, week, services}; }
  std::size_t providers() const { return offsets.size() - 1; }
};

TEST(OutcomesFromSeries, SumsWeeksAndIgnoresRowsOutsideTheWindow) {
  const std::int32_t t = 1000;
  const OutcomeRule rule;
  Series s;
  // 0: 1 a week for 52 weeks, given as two rows of a week in the even weeks; 25 in the horizon;
  //    rows before the baseline and after the horizon that would change the answer if counted.
  for (std::int32_t w = t - 51; w <= t; ++w) {
    if (w % 2) {
      s.add(w, 1);
    } else {
      s.add(w, 0);
      s.add(w, 1);
    }
  }
  for (int k = 0; k < 25; ++k) s.add(t + 1 + k % 13, 1);
  s.add(t - 60, 500);
  s.add(t + 14, 500);
  s.end_provider();
  // 1: a start: nothing to t, 6 in the horizon.
  s.add(t + 3, 6);
  s.end_provider();
  // 2: the same baseline volume as 0 in bursts, 4 every fourth week: mean 1, sample variance
  //    (13 * 9 + 39 * 1) / 51 = 156/51, so phi = 156/51; 25 in the horizon then fails the test.
  for (std::int32_t w = t - 51; w <= t; w += 4) s.add(w, 4);
  s.add(t + 5, 25);
  s.end_provider();
  // 3: no rows at all.
  s.end_provider();
  for (int threads : thread_counts()) {
    with_threads(threads, [&] {
      std::vector<std::uint8_t> out(s.providers(), 9);
      outcomes_from_series(s.view(), t, 52, 1.0, rule, out);
      EXPECT_EQ(out[0], kRamp);
      EXPECT_EQ(out[1], kStart);
      EXPECT_EQ(out[2], kNotConverted);
      EXPECT_EQ(out[3], kNotConverted);
    });
  }
  EXPECT_EQ(classify_outcome(52, 25, 1.0, 52, 1.0, rule), kRamp);  // without the dispersion it would ramp
  EXPECT_EQ(classify_outcome(52, 25, 156.0 / 51.0, 52, 1.0, rule), kNotConverted);
  EXPECT_EQ(classify_outcome(52, 40, 156.0 / 51.0, 52, 1.0, rule), kRamp);  // a larger jump still shows
  std::vector<std::uint8_t> out(3);
  EXPECT_THROW(outcomes_from_series(s.view(), t, 52, 1.0, rule, out), std::invalid_argument);
  out.resize(4);
  EXPECT_THROW(outcomes_from_series(s.view(), t, 0, 1.0, rule, out), std::invalid_argument);
  EXPECT_THROW(outcomes_from_series(s.view(), t, 52, 0.0, rule, out), std::invalid_argument);
}

// Providers that never change: weekly counts drawn from the same law before and after t (Poisson
// at a rate drawn per provider, or gamma-Poisson with variance up to 3x the mean and more). On
// Poisson weeks the rule converts at most alpha of them; on over-dispersed weeks, where the
// dispersion is itself estimated from 52 weeks, somewhat more — and the placebo, which sees only
// the weeks to t, estimates that rate.
struct Stationary {
  Series series;
  std::vector<std::uint64_t> key;
  std::int32_t t = 0;
};

Stationary stationary(std::uint64_t seed, std::size_t n, bool overdispersed) {
  Stationary u;
  u.t = 2000;
  std::mt19937_64 rng(seed);
  std::lognormal_distribution<double> rate(0.0, 1.2);  // a median of 1 a week, a long tail
  std::uniform_real_distribution<double> u01(0.0, 1.0);
  for (std::size_t i = 0; i < n; ++i) {
    const double r = rate(rng);
    const double shape = 0.5 + 2.0 * u01(rng);  // variance = mean (1 + mean / shape)
    for (std::int32_t w = u.t - 64; w <= u.t + 13; ++w) {
      double lambda = r;
      if (overdispersed) lambda = std::gamma_distribution<double>(shape, r / shape)(rng);
      const auto c = static_cast<std::uint32_t>(std::poisson_distribution<int>(std::max(lambda, 1e-9))(rng));
      if (c) u.series.add(w, c);
    }
    u.series.end_provider();
    u.key.push_back(i);
  }
  return u;
}

double rate_of(const std::vector<std::uint8_t>& flags) {
  std::size_t c = 0;
  for (auto f : flags) c += f != kNotConverted;
  return static_cast<double>(c) / static_cast<double>(flags.size());
}

TEST(Placebo, EstimatesTheFalseConversionRateOnProvidersThatDoNotChange) {
  const OutcomeRule rule;
  for (const bool overdispersed : {false, true}) {
    SCOPED_TRACE(overdispersed ? "gamma-Poisson weeks" : "Poisson weeks");
    const Stationary u = stationary(11, 20000, overdispersed);
    std::vector<std::uint8_t> real(u.key.size()), placebo(u.key.size());
    outcomes_from_series(u.series.view(), u.t, 52, 1.0, rule, real);
    placebo_outcomes(u.series.view(), u.key, u.t, 52, rule, 1, placebo);
    EXPECT_LT(rate_of(real), overdispersed ? 2 * rule.alpha : rule.alpha);
    EXPECT_GT(rate_of(real), 0.0);
    // The placebo's rate agrees with the real false rate: within 30 % (about 3 standard errors).
    EXPECT_LT(std::fabs(rate_of(placebo) - rate_of(real)), 0.3 * rate_of(real));
  }
  // Without the dispersion correction the same over-dispersed providers would "ramp" far more
  // often: the correction is what keeps noise from faking conversions.
  const Stationary u = stationary(11, 20000, true);
  std::vector<std::uint8_t> corrected(u.key.size());
  outcomes_from_series(u.series.view(), u.t, 52, 1.0, rule, corrected);
  std::size_t naive = 0;
  for (std::size_t i = 0; i < u.key.size(); ++i) {
    double past = 0, future = 0;
    for (auto r = u.series.offsets[i]; r < u.series.offsets[i + 1]; ++r) {
      if (u.series.week[r] > u.t - 52 && u.series.week[r] <= u.t) past += u.series.services[r];
      if (u.series.week[r] > u.t && u.series.week[r] <= u.t + 13) future += u.series.services[r];
    }
    naive += classify_outcome(past, future, 1.0, 52, 1.0, rule) != kNotConverted;
  }
  EXPECT_GT(static_cast<double>(naive) / static_cast<double>(u.key.size()), 3 * rate_of(corrected));
}

TEST(Placebo, SameBitsForAnyThreadsOrSplitAndReadsNothingAfterT) {
  const OutcomeRule rule;
  Stationary u = stationary(5, 6000, true);
  std::vector<std::uint8_t> first(u.key.size());
  with_threads(1, [&] { placebo_outcomes(u.series.view(), u.key, u.t, 52, rule, 77, first); });
  EXPECT_GT(rate_of(first), 0.0);  // some conversions by chance: the comparison below means something
  for (int threads : thread_counts()) {
    with_threads(threads, [&] {
      std::vector<std::uint8_t> out(u.key.size());
      placebo_outcomes(u.series.view(), u.key, u.t, 52, rule, 77, out);
      EXPECT_EQ(out, first) << threads << " threads";
    });
  }
  // Two blocks of providers, as two ranks hold them, keyed by their global index.
  const std::size_t cut = 2500;
  std::vector<std::uint8_t> joined;
  for (const auto& [lo, hi] : {std::pair<std::size_t, std::size_t>{0, cut}, {cut, u.key.size()}}) {
    Series part;
    for (std::size_t i = lo; i < hi; ++i) {
      for (auto r = u.series.offsets[i]; r < u.series.offsets[i + 1]; ++r) part.add(u.series.week[r], u.series.services[r]);
      part.end_provider();
    }
    std::vector<std::uint64_t> key(u.key.begin() + lo, u.key.begin() + hi);
    std::vector<std::uint8_t> out(hi - lo);
    placebo_outcomes(part.view(), key, u.t, 52, rule, 77, out);
    joined.insert(joined.end(), out.begin(), out.end());
  }
  EXPECT_EQ(joined, first);
  // Another seed draws other orders.
  std::vector<std::uint8_t> other(u.key.size());
  placebo_outcomes(u.series.view(), u.key, u.t, 52, rule, 78, other);
  EXPECT_NE(other, first);
  // Weeks after t changed wholesale: the placebo is the same bits.
  for (std::size_t r = 0; r < u.series.week.size(); ++r)
    if (u.series.week[r] > u.t) u.series.services[r] = u.series.services[r] * 7 + 3;
  std::vector<std::uint8_t> after(u.key.size());
  placebo_outcomes(u.series.view(), u.key, u.t, 52, rule, 77, after);
  EXPECT_EQ(after, first);
}

}  // namespace
}  // namespace signalrank::kernels
