// kernels/exact_sum.hpp: exact accumulation and one correct rounding, checked on hand-made cases
// whose exact sums are known, against an integer reference, and for order, split and merge
// independence (what makes score's global sums layout-independent).
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "kernels/exact_sum.hpp"

namespace signalrank::kernels {
namespace {

double sum_of(std::initializer_list<double> values) {
  ExactSum s;
  for (double v : values) s.add(v);
  return s.value();
}

std::uint64_t bits(double d) { return std::bit_cast<std::uint64_t>(d); }

TEST(ExactSum, HandMadeCasesHaveTheirExactSums) {
  EXPECT_EQ(sum_of({}), 0.0);
  EXPECT_EQ(sum_of({0.0, -0.0}), 0.0);
  EXPECT_EQ(sum_of({1.5, 2.25}), 3.75);
  // Cancellation a plain left-to-right sum loses.
  EXPECT_EQ(sum_of({1e16, 1.0, -1e16}), 1.0);
  EXPECT_EQ(sum_of({1.0, 1e100, 1.0, -1e100}), 2.0);
  // Overflow in the middle of a plain sum.
  const double big = std::numeric_limits<double>::max();
  EXPECT_EQ(sum_of({big, big, -big}), big);
  EXPECT_EQ(sum_of({big, big}), HUGE_VAL);
  EXPECT_EQ(sum_of({-big, -big}), -HUGE_VAL);
  // Subnormals add exactly.
  const double tiny = std::numeric_limits<double>::denorm_min();
  EXPECT_EQ(sum_of({tiny, tiny, tiny}), 3 * tiny);
  EXPECT_EQ(sum_of({tiny, -tiny}), 0.0);
  // Negative results.
  EXPECT_EQ(sum_of({-3.0, 1.0}), -2.0);
  EXPECT_EQ(sum_of({1e-300, -1.0}), -1.0);
  // Rounding: 1 + 2^-53 is a tie and goes to even (1.0); anything beyond the half breaks the tie.
  EXPECT_EQ(sum_of({1.0, 0x1p-53}), 1.0);
  EXPECT_EQ(sum_of({1.0, 0x1p-53, 0x1p-200}), 1.0 + 0x1p-52);
  EXPECT_EQ(sum_of({1.0 + 0x1p-52, 0x1p-53}), 1.0 + 0x1p-51);  // tie, odd -> up to even
  EXPECT_EQ(sum_of({-1.0, -0x1p-53, -0x1p-300}), -(1.0 + 0x1p-52));
  // Non-finite values make the sum NaN.
  EXPECT_TRUE(std::isnan(sum_of({1.0, std::numeric_limits<double>::infinity()})));
  EXPECT_TRUE(std::isnan(sum_of({std::numeric_limits<double>::quiet_NaN()})));
}

// Values k * 2^-40 with integer k: their exact sum is an integer times 2^-40, and converting that
// integer to double is the correctly rounded sum (exact power-of-two scaling).
TEST(ExactSum, MatchesAnIntegerReferenceBitForBit) {
  std::mt19937_64 rng(11);
  for (int trial = 0; trial < 200; ++trial) {
    SCOPED_TRACE(trial);
    __extension__ __int128 exact = 0;
    ExactSum s;
    const int n = 1 + static_cast<int>(rng() % 2000);
    const int magnitude = 1 + static_cast<int>(rng() % 52);
    for (int i = 0; i < n; ++i) {
      auto k = static_cast<std::int64_t>(rng() >> (64 - magnitude));
      if (rng() & 1) k = -k;
      exact += k;
      s.add(std::ldexp(static_cast<double>(k), -40));
    }
    const double reference = std::ldexp(static_cast<double>(exact), -40);
    EXPECT_EQ(bits(s.value()), bits(reference));
  }
}

// The same values in any order, split over any number of accumulators (threads), combined by
// merge() or by adding words() (ranks), give the same bits.
TEST(ExactSum, OrderSplitsAndMergesDoNotChangeTheBits) {
  std::mt19937_64 rng(5);
  std::vector<double> values(20000);
  std::uniform_real_distribution<double> mantissa(-1.0, 1.0);
  std::uniform_int_distribution<int> exponent(-1070, 1000);
  for (double& v : values) v = std::ldexp(mantissa(rng), exponent(rng) % 60 - (rng() % 4 == 0 ? 900 : 0));
  values[17] = std::ldexp(1.0, 1000);
  values[18] = -std::ldexp(1.0, 1000);
  values[19] = std::numeric_limits<double>::denorm_min();
  const double expected = exact_sum(values).value();
  for (int trial = 0; trial < 20; ++trial) {
    std::shuffle(values.begin(), values.end(), rng);
    const int pieces = 1 + trial;
    std::vector<ExactSum> parts(static_cast<std::size_t>(pieces));
    for (std::size_t i = 0; i < values.size(); ++i) parts[rng() % parts.size()].add(values[i]);
    ExactSum merged;
    for (const ExactSum& p : parts) merged.merge(p);
    EXPECT_EQ(bits(merged.value()), bits(expected)) << pieces << " pieces";
    std::array<std::int64_t, ExactSum::kWords> words{};
    for (ExactSum& p : parts) {
      const auto w = p.words();
      for (int k = 0; k < ExactSum::kWords; ++k) words[static_cast<std::size_t>(k)] += w[static_cast<std::size_t>(k)];
    }
    EXPECT_EQ(bits(ExactSum::from_words(words).value()), bits(expected)) << pieces << " ranks";
  }
  // And it is the sum: close to the long double sum in order of magnitude.
  long double reference = 0;
  std::vector<double> sorted = values;
  std::sort(sorted.begin(), sorted.end(), [](double a, double b) { return std::fabs(a) < std::fabs(b); });
  for (double v : sorted)
    if (std::fabs(v) != std::ldexp(1.0, 1000)) reference += v;  // the pair cancels exactly
  EXPECT_NEAR(expected, static_cast<double>(reference), 1e-12 * std::fabs(expected));
}

// Many additions to the same limbs: the carry pass keeps them exact (a million copies of the
// largest mantissa at one exponent sum to a million times it, rounded once).
TEST(ExactSum, RepeatedAdditionsCarryExactly) {
  const double v = std::nextafter(2.0, 0.0);  // 2 - 2^-52: all mantissa bits set
  ExactSum s;
  for (int i = 0; i < 1'000'000; ++i) s.add(v);
  EXPECT_EQ(s.value(), 1'000'000.0 * v);  // one rounding of the exact product = of the exact sum
  ExactSum t = s;
  for (int i = 0; i < 1'000'000; ++i) t.add(-v);
  EXPECT_EQ(t.value(), 0.0);
}

TEST(ExactSum, MaskedSumsOnlyTheMaskedValues) {
  const std::vector<double> values{1.0, 2.0, 4.0, 8.0};
  const std::vector<std::uint8_t> mask{1, 0, 1, 0};
  EXPECT_EQ(exact_sum(values, mask).value(), 5.0);
  EXPECT_EQ(exact_sum(values).value(), 15.0);
}

}  // namespace
}  // namespace signalrank::kernels
