// Percentiles, scores and rank order: hand-computed ties, kernels against their serial
// references on random inputs with many ties, and bit-identical output for every thread count.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <stdexcept>
#include <vector>

#include "kernels/ranking.hpp"
#include "kernel_test_support.hpp"

namespace signalrank::kernels {
namespace {

using testing::same_bits;
using testing::thread_counts;
using testing::with_threads;

std::vector<double> pct_of(const std::vector<double>& values, bool reference) {
  std::vector<double> sorted = values, pct(values.size());
  std::sort(sorted.begin(), sorted.end());
  (reference ? percentiles_reference : percentiles)(sorted, values, pct);
  return pct;
}

// {3, 2, 1, 2}, n = 4:
//   1: below 0, ties 1 => (0 + 1) / 4 = 0.25
//   2: below 1, ties 2 => (1 + 1.5) / 4 = 0.625 (the mean of ranks 2 and 3, over 4)
//   3: below 3, ties 1 => (3 + 1) / 4 = 1
TEST(Percentiles, TiesShareTheMean) {
  const std::vector<double> values{3, 2, 1, 2};
  const std::vector<double> expected{1.0, 0.625, 0.25, 0.625};
  EXPECT_EQ(pct_of(values, false), expected);
  EXPECT_EQ(pct_of(values, true), expected);
  // All equal: below 0, ties 3 => (0 + 2) / 3.
  EXPECT_EQ(pct_of({5, 5, 5}, false), std::vector<double>(3, 2.0 / 3));
  // One provider: (0 + 1) / 1.
  EXPECT_EQ(pct_of({-7}, false), std::vector<double>{1.0});
}

TEST(Percentiles, TiesAreExactEquality) {
  // 0.1 + 0.2 != 0.3 in binary: they are two different values, not a tie. -0.0 == 0.0 is a tie.
  const std::vector<double> values{0.1 + 0.2, 0.3, -0.0, 0.0};
  const std::vector<double> expected{1.0, 0.75, 0.375, 0.375};  // (2+1)/4 ... (0+1.5)/4
  EXPECT_EQ(pct_of(values, false), expected);
  EXPECT_EQ(pct_of(values, true), expected);
}

TEST(Percentiles, RejectsUnsortedOrEmptyEligibleSet) {
  const std::vector<double> unsorted{2, 1}, values{1}, empty;
  std::vector<double> pct(1);
  EXPECT_THROW(percentiles(unsorted, values, pct), std::invalid_argument);
  EXPECT_THROW(percentiles(empty, values, pct), std::invalid_argument);
}

std::vector<double> random_values(std::uint64_t seed, std::size_t n) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> small(0, 40);
  std::uniform_real_distribution<double> real(-5.0, 5.0);
  std::vector<double> v(n);
  for (double& x : v) x = small(rng) % 3 == 0 ? real(rng) : small(rng) / 4.0;  // many ties
  return v;
}

TEST(Percentiles, KernelMatchesReferenceAndThreadCount) {
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    SCOPED_TRACE(seed);
    const auto values = random_values(seed, 3000);
    const auto ref = pct_of(values, true);
    for (int threads : thread_counts()) {
      std::vector<double> got;
      with_threads(threads, [&] { got = pct_of(values, false); });
      EXPECT_TRUE(same_bits(got, ref)) << threads;
    }
  }
}

const ScoreWeights kWeights{0.2, 0.25, 0.3, 0.15, 0.1};

TEST(Scores, HandComputed) {
  // Provider 0: 0.2*0.5 + 0.25*1 + 0.3*0.25 + 0.15*0.75 + 0.1 = 0.1+0.25+0.075+0.1125+0.1
  //   = 0.6375. Provider 1: same without trigger = 0.5375. Provider 2: ineligible => 0.
  const std::vector<double> pv{0.5, 0.5, 1.0}, pg{1.0, 1.0, 1.0}, pp{0.25, 0.25, 1.0},
      pe{0.75, 0.75, 1.0};
  const std::vector<std::uint8_t> trigger{2, 0, 3}, eligible{1, 1, 0};
  std::vector<double> score(3), ref(3);
  compute_scores(pv, pg, pp, pe, trigger, eligible, kWeights, score);
  compute_scores_reference(pv, pg, pp, pe, trigger, eligible, kWeights, ref);
  EXPECT_NEAR(score[0], 0.6375, 1e-15);
  EXPECT_NEAR(score[1], 0.5375, 1e-15);
  EXPECT_EQ(score[2], 0.0);
  EXPECT_TRUE(same_bits(score, ref));
  std::vector<double> short_score(2);
  EXPECT_THROW(compute_scores(pv, pg, pp, pe, trigger, eligible, kWeights, short_score),
               std::invalid_argument);
}

TEST(Scores, KernelMatchesReferenceAndThreadCount) {
  for (std::uint64_t seed = 1; seed <= 4; ++seed) {
    SCOPED_TRACE(seed);
    const std::size_t n = 5000;
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    std::vector<double> pv(n), pg(n), pp(n), pe(n);
    std::vector<std::uint8_t> trigger(n), eligible(n);
    for (std::size_t i = 0; i < n; ++i) {
      pv[i] = u(rng), pg[i] = u(rng), pp[i] = u(rng), pe[i] = u(rng);
      trigger[i] = static_cast<std::uint8_t>(rng() % 4);
      eligible[i] = rng() % 5 != 0;
    }
    std::vector<double> ref(n);
    compute_scores_reference(pv, pg, pp, pe, trigger, eligible, kWeights, ref);
    for (int threads : thread_counts()) {
      std::vector<double> got(n);
      with_threads(threads,
                   [&] { compute_scores(pv, pg, pp, pe, trigger, eligible, kWeights, got); });
      EXPECT_TRUE(same_bits(got, ref)) << threads;
    }
  }
}

TEST(RankOrder, TiesByNpiIneligibleLast) {
  // Eligible: 1 (0.7), then 0 and 2 tie at 0.5 -> NPI 30 (index 2) before NPI 50 (index 0).
  // Ineligible 3 and 4 follow by NPI ascending, whatever their score column says.
  const std::vector<double> score{0.5, 0.7, 0.5, 0.9, 0.1};
  const std::vector<std::uint64_t> npi{50, 40, 30, 20, 10};
  const std::vector<std::uint8_t> eligible{1, 1, 1, 0, 0};
  const std::vector<std::uint32_t> expected{1, 2, 0, 4, 3};
  EXPECT_EQ(rank_order(score, npi, eligible), expected);
  EXPECT_EQ(rank_order_reference(score, npi, eligible), expected);
  EXPECT_TRUE(rank_order({}, {}, {}).empty());
}

TEST(RankOrder, MatchesReferenceOnRandomTies) {
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    SCOPED_TRACE(seed);
    const std::size_t n = 20000;
    std::mt19937_64 rng(seed);
    std::vector<double> score(n);
    std::vector<std::uint64_t> npi(n);
    std::vector<std::uint8_t> eligible(n);
    for (std::size_t i = 0; i < n; ++i) {
      score[i] = static_cast<double>(rng() % 50) / 8.0;        // many score ties
      npi[i] = 1000000000 + rng() % (seed == 5 ? 5000 : 1000000);  // seed 5: repeated NPIs
      eligible[i] = rng() % 3 != 0;
    }
    const auto order = rank_order(score, npi, eligible);
    EXPECT_EQ(order, rank_order_reference(score, npi, eligible));
    // Independent check of the contract on consecutive pairs.
    std::vector<bool> seen(n, false);
    for (std::size_t k = 0; k < n; ++k) seen[order[k]] = true;
    EXPECT_TRUE(std::all_of(seen.begin(), seen.end(), [](bool b) { return b; }));
    for (std::size_t k = 0; k + 1 < n; ++k) {
      const std::uint32_t a = order[k], b = order[k + 1];
      ASSERT_GE(eligible[a], eligible[b]) << k;
      if (eligible[a] && eligible[b]) {
        ASSERT_TRUE(score[a] > score[b] || (score[a] == score[b] && npi[a] <= npi[b])) << k;
      } else if (!eligible[a] && !eligible[b]) {
        ASSERT_LE(npi[a], npi[b]) << k;
      }
    }
  }
}

}  // namespace
}  // namespace signalrank::kernels
