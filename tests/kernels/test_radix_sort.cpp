// kernels/radix_sort.hpp: the order of a stable comparison sort on the doubles themselves, for
// keys with ties, both zeros, negatives, infinities and subnormals; and the skipped passes.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "kernels/radix_sort.hpp"

using namespace signalrank::kernels;

namespace {

struct Record {
  double value;
  std::uint32_t origin;
};

std::vector<std::uint32_t> origins(const std::vector<Record>& v) {
  std::vector<std::uint32_t> o;
  for (const Record& r : v) o.push_back(r.origin);
  return o;
}

TEST(OrderedKey, OrdersLikeTheDoubles) {
  const double inf = std::numeric_limits<double>::infinity(), tiny = std::numeric_limits<double>::denorm_min();
  const std::vector<double> ascending{-inf, -1e300, -2.5, -1.0, -tiny, 0.0, tiny, 1e-300, 1.0, 2.5, 1e300, inf};
  for (std::size_t i = 0; i + 1 < ascending.size(); ++i)
    EXPECT_LT(ordered_key(ascending[i]), ordered_key(ascending[i + 1])) << ascending[i] << " < " << ascending[i + 1];
  EXPECT_EQ(ordered_key(-0.0), ordered_key(0.0));  // equal doubles, one key
}

TEST(RadixSort, MatchesAStableComparisonSort) {
  std::mt19937_64 rng(5);
  const double inf = std::numeric_limits<double>::infinity();
  const std::vector<double> specials{0.0, -0.0, inf, -inf, std::numeric_limits<double>::denorm_min(), -1.0, 1.0};
  for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{2}, std::size_t{1000}, std::size_t{200000}}) {
    std::vector<Record> v(n);
    for (std::size_t i = 0; i < n; ++i) {
      const std::uint64_t pick = rng() % 10;
      double x;
      if (pick < 5) x = 0.0;                                                 // many ties
      else if (pick < 7) x = specials[rng() % specials.size()];              // signs, zeros, infinities
      else if (pick < 9) x = static_cast<double>(rng() % 100) - 50.0;        // small integers
      else x = std::ldexp(static_cast<double>(rng() >> 11), -30) - 4096.0;   // full mantissas
      v[i] = {x, static_cast<std::uint32_t>(i)};
    }
    std::vector<Record> want = v;
    std::stable_sort(want.begin(), want.end(), [](const Record& a, const Record& b) { return a.value < b.value; });
    radix_sort_by_key(v, [](const Record& r) { return ordered_key(r.value); });
    EXPECT_EQ(origins(v), origins(want)) << "n " << n;
  }
}

TEST(RadixSort, KeysSharingBytesAndAlreadySortedInput) {
  // Keys that differ in one byte only (the other passes are skipped), and keys all equal.
  std::vector<Record> v;
  for (std::uint32_t i = 0; i < 5000; ++i) v.push_back({static_cast<double>((i * 7919u) % 256), i});
  std::vector<Record> want = v;
  std::stable_sort(want.begin(), want.end(), [](const Record& a, const Record& b) { return a.value < b.value; });
  radix_sort_by_key(v, [](const Record& r) { return ordered_key(r.value); });
  EXPECT_EQ(origins(v), origins(want));
  std::vector<Record> same(100, Record{3.5, 0});
  for (std::uint32_t i = 0; i < same.size(); ++i) same[i].origin = i;
  radix_sort_by_key(same, [](const Record& r) { return ordered_key(r.value); });
  for (std::uint32_t i = 0; i < same.size(); ++i) EXPECT_EQ(same[i].origin, i);
}

}  // namespace
