// Ownership layouts, the typed collectives and the halo plan, at 1, 2, 3 and 4 ranks.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <numeric>
#include <limits>
#include <random>
#include <set>

#include "partition/comm.hpp"
#include "partition/halo.hpp"
#include "partition/layout.hpp"
#include "partition/ownership.hpp"
#include "partition/sample_sort.hpp"
#include "kernels/ranking.hpp"

using namespace signalrank;

TEST(BlockLayout, CoversAllItemsOnBlockBoundaries) {
  for (std::uint64_t n : {0ull, 1ull, 1023ull, 1024ull, 5000ull, 100000ull}) {
    for (int ranks : {1, 2, 3, 4, 7}) {
      BlockLayout l(n, ranks);
      ASSERT_EQ(l.ranks(), ranks);
      EXPECT_EQ(l.begin(0), 0u);
      EXPECT_EQ(l.end(ranks - 1), n);
      for (int r = 0; r < ranks; ++r) {
        EXPECT_LE(l.begin(r), l.end(r));
        if (l.begin(r) != n) {
          EXPECT_EQ(l.begin(r) % kOwnershipBlock, 0u) << "n=" << n << " r=" << r;
        }
      }
      for (std::uint64_t i = 0; i < n; i += 997) {
        int o = l.owner(i);
        EXPECT_GE(i, l.begin(o));
        EXPECT_LT(i, l.end(o));
      }
    }
  }
}

TEST(BlockLayout, BalancesWeight) {
  // Heavy items at the front: an equal-count split would give rank 0 most of the work.
  const std::uint64_t n = 256 * 1024;
  std::vector<std::uint64_t> w(n, 1);
  for (std::uint64_t i = 0; i < n / 8; ++i) w[i] = 50;
  BlockLayout l(n, 4, w);
  std::uint64_t total = 0;
  for (auto x : w) total += x + 1;
  for (int r = 0; r < 4; ++r) {
    std::uint64_t mine = 0;
    for (std::uint64_t i = l.begin(r); i < l.end(r); ++i) mine += w[i] + 1;
    // Within one ownership block of the ideal share (boundaries fall on whole blocks).
    const double heaviest_block = 51.0 * kOwnershipBlock;
    EXPECT_NEAR(static_cast<double>(mine), total / 4.0, heaviest_block) << "rank " << r;
  }
}

TEST(Comm, CollectivesAgree) {
  Comm comm;
  EXPECT_EQ(comm.sum(std::uint64_t(comm.rank() + 1)), std::uint64_t(comm.size() * (comm.size() + 1) / 2));
  EXPECT_EQ(comm.exscan_sum(std::uint64_t(1)), std::uint64_t(comm.rank()));
  std::vector<int> mine(comm.rank() + 1, comm.rank());
  auto all = comm.allgatherv<int>(mine);
  std::size_t at = 0;
  for (int r = 0; r < comm.size(); ++r)
    for (int k = 0; k <= r; ++k) EXPECT_EQ(all[at++], r);
  EXPECT_EQ(at, all.size());
  // alltoallv: rank r sends r*100 + dest to each dest, (dest+1) copies.
  std::vector<std::uint64_t> counts(comm.size()), send;
  for (int d = 0; d < comm.size(); ++d) {
    counts[d] = d + 1;
    for (int k = 0; k <= d; ++k) send.push_back(comm.rank() * 100 + d);
  }
  auto got = comm.alltoallv<std::uint64_t>(send, counts);
  ASSERT_EQ(got.size(), std::size_t(comm.size() * (comm.rank() + 1)));
  for (int s = 0; s < comm.size(); ++s)
    for (int k = 0; k <= comm.rank(); ++k) EXPECT_EQ(got[s * (comm.rank() + 1) + k], std::uint64_t(s * 100 + comm.rank()));
  EXPECT_TRUE(comm.all(true));
  EXPECT_FALSE(comm.all(comm.rank() != comm.size() - 1));
  EXPECT_EQ(comm.first_failed(comm.rank() >= 1), comm.size() > 1 ? 1 : -1);
}

TEST(HaloPlan, DeliversEveryGhostValue) {
  Comm comm;
  const std::uint64_t n = 10 * 1024 + 17;
  BlockLayout layout(n, comm.size());
  const std::uint64_t lo = layout.begin(comm.rank()), hi = layout.end(comm.rank());
  // Random ghosts in random order (the plan accepts any order).
  std::mt19937_64 rng(42 + comm.rank());
  std::set<std::uint64_t> seen;
  std::vector<std::uint64_t> ghosts;
  for (int k = 0; k < 500; ++k) {
    std::uint64_t g = rng() % n;
    if ((g < lo || g >= hi) && seen.insert(g).second) ghosts.push_back(g);
  }
  HaloPlan plan(comm, Ownership::blocks(layout), ghosts);
  EXPECT_EQ(plan.n_ghosts(), ghosts.size());
  std::vector<double> ext(hi - lo + ghosts.size(), -1.0);
  for (std::uint64_t i = lo; i < hi; ++i) ext[i - lo] = 0.5 * static_cast<double>(i);
  plan.exchange<double>(ext);
  for (std::size_t k = 0; k < ghosts.size(); ++k) EXPECT_EQ(ext[hi - lo + k], 0.5 * static_cast<double>(ghosts[k]));
  // The values sent equal the ghosts asked for, summed over ranks.
  EXPECT_EQ(comm.sum(std::uint64_t(plan.values_sent())), comm.sum(std::uint64_t(ghosts.size())));
  // A second exchange with new values reuses the plan.
  for (std::uint64_t i = lo; i < hi; ++i) ext[i - lo] = static_cast<double>(i) + 1;
  std::vector<std::uint8_t> flags(ext.size());
  for (std::uint64_t i = lo; i < hi; ++i) flags[i - lo] = static_cast<std::uint8_t>(i % 7);
  plan.exchange<double>(ext);
  plan.exchange<std::uint8_t>(flags);
  for (std::size_t k = 0; k < ghosts.size(); ++k) {
    EXPECT_EQ(ext[hi - lo + k], static_cast<double>(ghosts[k]) + 1);
    EXPECT_EQ(flags[hi - lo + k], ghosts[k] % 7);
  }
}

// Scattered ownership (as hash or graph partitions give): each rank owns the providers whose
// part is its rank, numbered in ascending order; ghosts arrive from their owners.
Ownership scattered(std::uint64_t n, int ranks) {
  std::vector<std::uint32_t> part(n);
  for (std::uint64_t g = 0; g < n; ++g) part[g] = static_cast<std::uint32_t>((g * 2654435761u >> 7) % ranks);
  return Ownership::parts(std::move(part), BlockLayout(n, ranks), "test");
}

TEST(HaloPlan, DeliversGhostValuesUnderScatteredOwnership) {
  Comm comm;
  const std::uint64_t n = 5000;
  const Ownership own = scattered(n, comm.size());
  const std::vector<std::uint64_t> mine = own.owned(comm.rank());
  ASSERT_EQ(mine.size(), own.count(comm.rank()));
  for (std::size_t i = 0; i < mine.size(); ++i) {
    EXPECT_EQ(own.owner(mine[i]), comm.rank());
    EXPECT_EQ(own.local_index(mine[i]), i);
  }
  std::mt19937_64 rng(7 + comm.rank());
  std::set<std::uint64_t> seen;
  std::vector<std::uint64_t> ghosts;
  for (int k = 0; k < 700; ++k) {
    const std::uint64_t g = rng() % n;
    if (own.owner(g) != comm.rank() && seen.insert(g).second) ghosts.push_back(g);
  }
  // Owned values stored in reverse order, to exercise position_of.
  std::vector<std::uint32_t> position_of(mine.size());
  for (std::size_t i = 0; i < mine.size(); ++i) position_of[i] = static_cast<std::uint32_t>(mine.size() - 1 - i);
  HaloPlan plan(comm, own, ghosts, position_of);
  std::vector<double> ext(mine.size() + ghosts.size(), -1.0);
  for (std::size_t i = 0; i < mine.size(); ++i) ext[position_of[i]] = 3.0 * static_cast<double>(mine[i]);
  plan.exchange<double>(ext);
  for (std::size_t k = 0; k < ghosts.size(); ++k)
    EXPECT_EQ(ext[mine.size() + k], 3.0 * static_cast<double>(ghosts[k])) << ghosts[k];
}

// Redistribution moves a CSR read in blocks to the owners: every owned provider arrives with its
// rows, in owned order, and every provider has exactly one owner.
TEST(Redistribution, MovesEveryProviderAndItsRowsToTheOwner) {
  Comm comm;
  const std::uint64_t n = 3001;
  const Ownership own = scattered(n, comm.size());
  const std::uint64_t lo = own.read_layout().begin(comm.rank()), hi = own.read_layout().end(comm.rank());
  // Provider g has g % 5 rows, valued 10 g + k; its per-provider value is 3 g.
  std::vector<std::uint64_t> offsets{0}, per_provider;
  std::vector<std::uint32_t> rows;
  for (std::uint64_t g = lo; g < hi; ++g) {
    for (std::uint64_t k = 0; k < g % 5; ++k) rows.push_back(static_cast<std::uint32_t>(10 * g + k));
    offsets.push_back(rows.size());
    per_provider.push_back(3 * g);
  }
  const Redistribution move(comm, own);
  const auto moved_rows = move.move_rows<std::vector<std::uint32_t>>(offsets, rows);
  const auto moved_offsets = move.move_offsets(offsets);
  const auto moved_values = move.move<std::uint64_t>(per_provider);
  const std::vector<std::uint64_t> mine = own.owned(comm.rank());
  ASSERT_EQ(moved_values.size(), mine.size());
  ASSERT_EQ(moved_offsets.size(), mine.size() + 1);
  ASSERT_EQ(moved_offsets.back(), moved_rows.size());
  for (std::size_t i = 0; i < mine.size(); ++i) {
    EXPECT_EQ(moved_values[i], 3 * mine[i]);
    ASSERT_EQ(moved_offsets[i + 1] - moved_offsets[i], mine[i] % 5);
    for (std::uint64_t k = 0; k < mine[i] % 5; ++k) EXPECT_EQ(moved_rows[moved_offsets[i] + k], 10 * mine[i] + k);
  }
  // Over all ranks, every provider is owned exactly once.
  std::vector<std::uint64_t> owners = comm.gatherv<std::uint64_t>(mine);
  if (comm.root()) {
    ASSERT_EQ(owners.size(), n);
    std::sort(owners.begin(), owners.end());
    for (std::uint64_t g = 0; g < n; ++g) EXPECT_EQ(owners[g], g);
  }
}

// sample_sort: the slices, concatenated in rank order, are the serial sort; equal keys never
// straddle two ranks, even when most keys are equal.
TEST(SampleSort, SlicesConcatenateToTheSerialSortAndKeepTiesTogether) {
  Comm comm;
  struct Rec {
    std::uint32_t key, origin;
  };
  for (int trial = 0; trial < 3; ++trial) {
    std::mt19937_64 rng(100 * trial + comm.rank());
    std::vector<Rec> local(static_cast<std::size_t>(500 + 700 * comm.rank() + 37 * trial));
    for (std::size_t i = 0; i < local.size(); ++i) {
      // trial 0: distinct-ish keys; 1: few distinct keys; 2: 85 % the same key
      const std::uint32_t key = trial == 0 ? static_cast<std::uint32_t>(rng() % 1000000)
                                : trial == 1 ? static_cast<std::uint32_t>(rng() % 7)
                                             : (rng() % 100 < 85 ? 0u : static_cast<std::uint32_t>(rng() % 50));
      local[i] = {key, static_cast<std::uint32_t>(comm.rank() * 100000 + i)};
    }
    std::vector<std::uint32_t> keys;
    for (const Rec& r : local) keys.push_back(r.key);
    const std::vector<std::uint32_t> all_keys = comm.allgatherv<std::uint32_t>(keys);
    const auto mine = sample_sort(comm, local, [](const Rec& a, const Rec& b) { return a.key < b.key; }, 8);
    std::vector<std::uint32_t> got;
    for (const Rec& r : mine) got.push_back(r.key);
    EXPECT_TRUE(std::is_sorted(got.begin(), got.end()));
    const std::vector<std::uint32_t> gathered = comm.allgatherv<std::uint32_t>(got);
    std::vector<std::uint32_t> expected = all_keys;
    std::sort(expected.begin(), expected.end());
    EXPECT_EQ(gathered, expected) << "trial " << trial;
    // Ties together: a key at this slice's edge appears on no other rank.
    const std::vector<std::uint64_t> sizes = comm.allgatherv<std::uint64_t>(std::vector<std::uint64_t>{got.size()});
    std::size_t at = 0;
    for (std::size_t r = 0; r + 1 < sizes.size(); ++r) {
      at += sizes[r];
      if (at > 0 && at < gathered.size()) {
        EXPECT_NE(gathered[at - 1], gathered[at]) << "tie split after rank " << r;
      }
    }
  }
}

// distributed_percentiles: bit for bit kernels::percentiles over the gathered eligible values —
// with most values equal (runs of ties then span several ranks), with every value equal, and with
// ranks that have no eligible value.
class DistributedPercentiles : public ::testing::TestWithParam<int> {};

TEST_P(DistributedPercentiles, EqualTheSerialKernel) {
  Comm comm;
  const int shape = GetParam();
  std::mt19937_64 rng(9 + comm.rank());
  const std::size_t n = 2000 + 300 * static_cast<std::size_t>(comm.rank());
  std::vector<double> values(n);
  std::vector<std::uint8_t> eligible(n);
  for (std::size_t i = 0; i < n; ++i) {
    if (shape == 3) {  // both zeros, negatives and infinities (the local sorts are radix sorts on the bits)
      const double specials[] = {0.0, -0.0, -1.5, 2.0, std::numeric_limits<double>::infinity(),
                                 -std::numeric_limits<double>::infinity()};
      values[i] = rng() % 2 ? specials[rng() % 6] : static_cast<double>(rng() % 1000) / 7.0 - 70.0;
    } else {
      values[i] = shape == 1 ? 0.0 : rng() % 10 < 8 ? 0.0 : static_cast<double>(rng() % 40) / 8.0;
    }
    eligible[i] = shape == 2 && comm.rank() % 2 == 1 ? 0 : rng() % 10 != 0;
  }
  const std::vector<double> pct = distributed_percentiles(comm, values, eligible);
  ASSERT_EQ(pct.size(), n);
  // The serial answer from the gathered eligible values.
  std::vector<double> mine;
  for (std::size_t i = 0; i < n; ++i)
    if (eligible[i]) mine.push_back(values[i]);
  std::vector<double> sorted = comm.allgatherv<double>(mine);
  std::sort(sorted.begin(), sorted.end());
  std::vector<double> expected(mine.size());
  kernels::percentiles(sorted, mine, expected);
  for (std::size_t i = 0, k = 0; i < n; ++i) {
    if (!eligible[i]) {
      EXPECT_EQ(pct[i], 0.0);
      continue;
    }
    EXPECT_EQ(std::bit_cast<std::uint64_t>(pct[i]), std::bit_cast<std::uint64_t>(expected[k])) << i;
    ++k;
  }
}
// 0: 80 % zeros; 1: all equal; 2: odd ranks without eligible values; 3: mixed signs, -0.0 and
// +0.0, infinities.
INSTANTIATE_TEST_SUITE_P(Shapes, DistributedPercentiles, ::testing::Values(0, 1, 2, 3));

// Distinct keys (what distributed_percentiles sorts) give balanced slices.
TEST(SampleSort, DistinctKeysGiveBalancedSlices) {
  Comm comm;
  std::vector<std::uint64_t> local(20000);
  std::mt19937_64 rng(3 + comm.rank());
  for (std::size_t i = 0; i < local.size(); ++i) local[i] = (rng() % 4) << 40 | std::uint64_t(comm.rank()) << 32 | i;
  const auto mine = sample_sort(comm, local, std::less<std::uint64_t>());
  const double average = 20000.0;
  EXPECT_LT(static_cast<double>(mine.size()), 1.5 * average) << "rank " << comm.rank();
  EXPECT_GT(static_cast<double>(mine.size()), 0.5 * average) << "rank " << comm.rank();
}
