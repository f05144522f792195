// Trend kernels: a hand-computed provider set, the OpenMP kernel against the dense serial
// reference on random inputs, and bit-identical output for every thread count.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <stdexcept>
#include <vector>

#include "kernels/trends.hpp"
#include "kernel_test_support.hpp"

namespace signalrank::kernels {
namespace {

using testing::same_bits;
using testing::thread_counts;
using testing::with_threads;

// Owns the output columns for n providers.
struct TrendData {
  explicit TrendData(std::size_t n)
      : volume(n), prior_volume(n), growth(n), slope(n), trigger_z(n), trigger(n) {}
  TrendColumns columns() { return {volume, prior_volume, growth, slope, trigger_z, trigger}; }
  std::vector<double> volume, prior_volume, growth, slope, trigger_z;
  std::vector<std::uint8_t> trigger;
};

// Claims rows in CSR form, built one provider at a time.
struct Rows {
  void add_provider(std::initializer_list<std::pair<int, double>> rows) {
    for (const auto& [a, s] : rows) {
      age.push_back(a);
      services.push_back(s);
    }
    offsets.push_back(age.size());
  }
  std::vector<std::uint64_t> offsets{0};
  std::vector<std::int32_t> age;
  std::vector<double> services;
};

TEST(TrendHistory, IsTheLongestWindow) {
  EXPECT_EQ(trend_history_weeks(TrendParams{}), 30);  // 4 + 26 > 2*13 = 26 = slope
  EXPECT_EQ(trend_history_weeks({.window_weeks = 20}), 40);
  EXPECT_EQ(trend_history_weeks({.slope_weeks = 52}), 52);
  EXPECT_THROW(trend_history_weeks({.window_weeks = 0}), std::invalid_argument);
  EXPECT_THROW(trend_history_weeks({.baseline_weeks = 0}), std::invalid_argument);
}

// window 2, slope 4, trigger 2, baseline 3 => history = max(4, 4, 5) = 5 weeks (ages 0..4).
const TrendParams kSmall{.window_weeks = 2, .slope_weeks = 4, .trigger_weeks = 2,
                         .baseline_weeks = 3, .trigger_z = 1.0, .trigger_min = 5};

Rows hand_rows() {
  Rows rows;
  // Provider 0, rows unsorted. Age -1 (after the as-of week) and age 5 (= history) are ignored;
  // the two age-0 rows (two codes) add up. r by age 0..4 = [7, 2, 1, 2, 1].
  //   volume = r0+r1 = 9, prior = r2+r3 = 3, growth = ln(10/4) = ln 2.5
  //   slope over weeks x = -3..0 with r = 2,1,2,7: xbar = -1.5, x - xbar = -1.5,-.5,.5,1.5,
  //     Sxx = 5, Sxy = -3 - .5 + 1 + 10.5 = 8 => 1.6
  //   R = r0+r1 = 9, B = r2+r3+r4 = 4, E = 2*4/3 = 8/3, z = (19/3)/sqrt(11/3) = 3.30747...
  //   z >= 1 and R >= 5 => jump; B != 0 => not a new writer.
  rows.add_provider({{3, 2}, {-1, 100}, {0, 3}, {5, 50}, {1, 2}, {0, 4}, {2, 1}, {4, 1}});
  // Provider 1: new writer. r = [6, 0, 0, 0, 0]: volume 6, prior 0, growth ln 7,
  //   slope Sxy = 1.5*6 = 9 => 1.8; R = 6, B = 0, E = 0, z = 6 => jump | new writer.
  rows.add_provider({{0, 6}, {1, 0}});
  // Provider 2: no rows at all: zeros, growth ln 1 = 0, z = 0, no flags.
  rows.add_provider({});
  // Provider 3: R = 4 < trigger_min: z = 4 >= 1 and B = 0, but no flag. Slope 1.5*4/5 = 1.2.
  //   The age -3 row is after the as-of week and ignored.
  rows.add_provider({{0, 4}, {-3, 9}});
  // Provider 4: falling. r = [5, 0, 10, 10, 10]: volume 5, prior 20, growth ln(6/21),
  //   slope: weeks -3..0 r = 10,10,0,5, Sxy = -15 - 5 + 0 + 7.5 = -12.5 => -2.5;
  //   R = 5, B = 30, E = 20, z = -15/sqrt(21) = -3.27327 => no flags.
  rows.add_provider({{2, 10}, {3, 10}, {4, 10}, {0, 5}});
  return rows;
}

void expect_hand_values(const TrendData& t) {
  const std::vector<double> volume{9, 6, 0, 4, 5}, prior{3, 0, 0, 0, 20};
  const std::vector<double> growth{std::log(2.5), std::log(7.0), 0.0, std::log(5.0),
                                   std::log(6.0 / 21.0)};
  const std::vector<double> slope{1.6, 1.8, 0.0, 1.2, -2.5};
  const std::vector<double> z{3.3074754631582586, 6.0, 0.0, 4.0, -3.2732683535398857};
  const std::vector<std::uint8_t> flags{kTriggerJump, kTriggerJump | kTriggerNewWriter, 0, 0, 0};
  for (std::size_t i = 0; i < volume.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(t.volume[i], volume[i]);
    EXPECT_EQ(t.prior_volume[i], prior[i]);
    EXPECT_NEAR(t.growth[i], growth[i], 1e-15);
    EXPECT_NEAR(t.slope[i], slope[i], 1e-14);
    EXPECT_NEAR(t.trigger_z[i], z[i], 1e-14);
    EXPECT_EQ(t.trigger[i], flags[i]);
  }
}

TEST(Trends, HandComputedKernel) {
  const Rows rows = hand_rows();
  TrendData t(5);
  compute_trends(rows.offsets, rows.age, rows.services, kSmall, t.columns());
  expect_hand_values(t);
}

TEST(Trends, HandComputedReference) {
  const Rows rows = hand_rows();
  TrendData t(5);
  compute_trends_reference(rows.offsets, rows.age, rows.services, kSmall, t.columns());
  expect_hand_values(t);
}

TEST(Trends, SlopeIsZeroBelowTwoWeeks) {
  Rows rows;
  rows.add_provider({{0, 10}, {1, 3}});
  for (int s : {0, 1}) {
    TrendParams p = kSmall;
    p.slope_weeks = s;
    TrendData a(1), b(1);
    compute_trends(rows.offsets, rows.age, rows.services, p, a.columns());
    compute_trends_reference(rows.offsets, rows.age, rows.services, p, b.columns());
    EXPECT_EQ(a.slope[0], 0.0);
    EXPECT_EQ(b.slope[0], 0.0);
  }
}

TEST(Trends, RejectsInconsistentSizes) {
  Rows rows = hand_rows();
  TrendData t(4);  // one provider short
  EXPECT_THROW(compute_trends(rows.offsets, rows.age, rows.services, kSmall, t.columns()),
               std::invalid_argument);
  TrendData ok(5);
  rows.services.pop_back();
  EXPECT_THROW(compute_trends(rows.offsets, rows.age, rows.services, kSmall, ok.columns()),
               std::invalid_argument);
}

// Random providers with skewed row counts, ages before, inside and beyond the history, shared
// weeks, integer and half-integer services; random parameters per seed.
struct RandomCase {
  TrendParams params;
  Rows rows;
  std::size_t n = 0;
};

RandomCase random_case(std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  RandomCase c;
  c.params = {.window_weeks = pick(1, 15), .slope_weeks = pick(0, 30),
              .trigger_weeks = pick(1, 6), .baseline_weeks = pick(1, 30),
              .trigger_z = pick(0, 8) / 2.0, .trigger_min = static_cast<double>(pick(0, 10))};
  const int history = trend_history_weeks(c.params);
  c.n = 2000 + static_cast<std::size_t>(pick(0, 1000));
  for (std::size_t i = 0; i < c.n; ++i) {
    const int kind = pick(0, 9);
    const int row_count = kind == 0 ? 0 : kind == 9 ? pick(100, 400) : pick(1, 30);
    const int newest = kind == 1 ? pick(0, 6) : 0;  // some providers only start recently
    for (int r = 0; r < row_count; ++r) {
      c.rows.age.push_back(pick(-4, kind == 1 ? newest : history + 4));
      c.rows.services.push_back(pick(0, 3) == 0 ? pick(0, 40) / 2.0 : pick(0, 25));
    }
    c.rows.offsets.push_back(c.rows.age.size());
  }
  return c;
}

TEST(Trends, KernelMatchesReferenceOnRandomInputs) {
  for (std::uint64_t seed = 1; seed <= 8; ++seed) {
    SCOPED_TRACE(seed);
    const RandomCase c = random_case(seed);
    TrendData ref(c.n), got(c.n);
    compute_trends_reference(c.rows.offsets, c.rows.age, c.rows.services, c.params,
                             ref.columns());
    compute_trends(c.rows.offsets, c.rows.age, c.rows.services, c.params, got.columns());
    std::size_t flagged = 0;
    for (std::size_t i = 0; i < c.n; ++i) {
      // Sums of integers and halves are exact in both, so these agree to the bit.
      ASSERT_EQ(got.volume[i], ref.volume[i]) << i;
      ASSERT_EQ(got.prior_volume[i], ref.prior_volume[i]) << i;
      ASSERT_EQ(got.growth[i], ref.growth[i]) << i;
      // Different formulas (sparse centred sum vs textbook OLS; T*B/Bw vs T*(B/Bw)).
      ASSERT_NEAR(got.slope[i], ref.slope[i], 1e-12 * (1.0 + std::fabs(ref.slope[i]))) << i;
      ASSERT_NEAR(got.trigger_z[i], ref.trigger_z[i], 1e-12 * (1.0 + std::fabs(ref.trigger_z[i])))
          << i;
      if (std::fabs(ref.trigger_z[i] - c.params.trigger_z) > 1e-9) {
        ASSERT_EQ(got.trigger[i], ref.trigger[i]) << i;
      }
      flagged += got.trigger[i] != 0;
    }
    EXPECT_GT(flagged, 0u);  // the cases exercise the flags
  }
}

TEST(Trends, BitIdenticalForAnyThreadCount) {
  for (std::uint64_t seed = 11; seed <= 14; ++seed) {
    SCOPED_TRACE(seed);
    const RandomCase c = random_case(seed);
    TrendData first(c.n);
    with_threads(1, [&] {
      compute_trends(c.rows.offsets, c.rows.age, c.rows.services, c.params, first.columns());
    });
    for (int threads : thread_counts()) {
      TrendData t(c.n);
      with_threads(threads, [&] {
        compute_trends(c.rows.offsets, c.rows.age, c.rows.services, c.params, t.columns());
      });
      EXPECT_TRUE(same_bits(t.volume, first.volume)) << threads;
      EXPECT_TRUE(same_bits(t.prior_volume, first.prior_volume)) << threads;
      EXPECT_TRUE(same_bits(t.growth, first.growth)) << threads;
      EXPECT_TRUE(same_bits(t.slope, first.slope)) << threads;
      EXPECT_TRUE(same_bits(t.trigger_z, first.trigger_z)) << threads;
      EXPECT_TRUE(same_bits(t.trigger, first.trigger)) << threads;
    }
  }
}

}  // namespace
}  // namespace signalrank::kernels
