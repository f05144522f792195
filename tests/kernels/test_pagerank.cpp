// PageRank kernels: hand-solved small graphs, the step kernel against its push-direction
// reference, the step driven to convergence (whole graph and split into rank-like parts) against
// a dense power iteration, and bit-identical results for any thread count and any split.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <map>
#include <numeric>
#include <random>
#include <stdexcept>
#include <vector>

#include "kernels/pagerank.hpp"
#include "kernel_test_support.hpp"

namespace signalrank::kernels {
namespace {

using testing::same_bits;
using testing::thread_counts;
using testing::with_threads;

// ---- graphs in the form pagerank_step wants, built independently of the kernels ----

// Global in-edge CSR: duplicates merged, self-loops dropped, in-lists ordered by source ID,
// in_weight = w_ji / outweight_j.
struct StepGraph {
  std::size_t n = 0;
  std::vector<std::uint64_t> in_offsets;
  std::vector<std::uint32_t> in_src;
  std::vector<double> in_weight;
  std::vector<std::uint8_t> dangling;
};

StepGraph build_step_graph(std::size_t n, const std::vector<std::uint32_t>& src,
                           const std::vector<std::uint32_t>& dst, const std::vector<double>& w) {
  std::map<std::pair<std::uint32_t, std::uint32_t>, double> merged;  // (dst, src) -> weight
  std::vector<double> out_weight(n, 0.0);
  for (std::size_t k = 0; k < src.size(); ++k) {
    if (src[k] == dst[k]) continue;
    merged[{dst[k], src[k]}] += w[k];
    out_weight[src[k]] += w[k];
  }
  StepGraph g;
  g.n = n;
  g.in_offsets.assign(n + 1, 0);
  for (const auto& [edge, weight] : merged) {
    ++g.in_offsets[edge.first + 1];
    g.in_src.push_back(edge.second);
    g.in_weight.push_back(weight / out_weight[edge.second]);
  }
  std::partial_sum(g.in_offsets.begin(), g.in_offsets.end(), g.in_offsets.begin());
  for (double ow : out_weight) g.dangling.push_back(ow == 0.0 ? 1 : 0);
  return g;
}

// The vertices [first, last) as one rank sees them: local in-CSR into x_ext = owned, then ghosts
// (ghosts in global ID order, so each in-list keeps the global source order).
struct Part {
  std::size_t first = 0, last = 0;
  std::vector<std::uint64_t> in_offsets;
  std::vector<std::uint32_t> in_src;
  std::vector<double> in_weight;
  std::vector<std::uint32_t> ghost_global;
};

Part make_part(const StepGraph& g, std::size_t first, std::size_t last) {
  Part p;
  p.first = first;
  p.last = last;
  std::map<std::uint32_t, std::uint32_t> ghost_slot;
  for (std::uint64_t e = g.in_offsets[first]; e < g.in_offsets[last]; ++e) {
    if (g.in_src[e] < first || g.in_src[e] >= last) ghost_slot[g.in_src[e]] = 0;
  }
  std::uint32_t next = static_cast<std::uint32_t>(last - first);
  for (auto& [global, slot] : ghost_slot) {
    slot = next++;
    p.ghost_global.push_back(global);
  }
  p.in_offsets.push_back(0);
  for (std::size_t i = first; i < last; ++i) {
    for (std::uint64_t e = g.in_offsets[i]; e < g.in_offsets[i + 1]; ++e) {
      const std::uint32_t s = g.in_src[e];
      p.in_src.push_back(s >= first && s < last ? static_cast<std::uint32_t>(s - first)
                                                : ghost_slot.at(s));
      p.in_weight.push_back(g.in_weight[e]);
    }
    p.in_offsets.push_back(p.in_src.size());
  }
  return p;
}

struct Solution {
  std::vector<double> x;
  int iterations = 0;
  double residual = 0.0;
};

// Drives pagerank_step the way the distributed caller does, with the graph split at `cuts`
// (each a multiple of kSumBlock): halo copy, step per part, global sums of the block partials
// concatenated in part order.
Solution solve_with_steps(const StepGraph& g, const std::vector<double>& v, double damping,
                          double tol, int max_iter, const std::vector<std::size_t>& cuts) {
  std::vector<Part> parts;
  for (std::size_t k = 0; k + 1 < cuts.size(); ++k) {
    parts.push_back(make_part(g, cuts[k], cuts[k + 1]));
  }

  Solution s;
  s.x = v;
  std::vector<double> next(g.n);
  double dangling_mass = 0.0;
  for (std::size_t i = 0; i < g.n; ++i) dangling_mass += g.dangling[i] ? v[i] : 0.0;
  while (s.iterations < max_iter) {
    std::vector<double> residual_partials, dangling_partials;
    for (const Part& p : parts) {
      const std::size_t owned = p.last - p.first;
      std::vector<double> x_ext(s.x.begin() + p.first, s.x.begin() + p.last);
      for (std::uint32_t gid : p.ghost_global) x_ext.push_back(s.x[gid]);
      std::vector<double> residual(sum_block_count(owned)), dangling(sum_block_count(owned));
      pagerank_step(p.in_offsets, p.in_src, p.in_weight, x_ext,
                    std::span(v).subspan(p.first, owned),
                    std::span(g.dangling).subspan(p.first, owned), damping, dangling_mass,
                    {std::span(next).subspan(p.first, owned), residual, dangling});
      residual_partials.insert(residual_partials.end(), residual.begin(), residual.end());
      dangling_partials.insert(dangling_partials.end(), dangling.begin(), dangling.end());
    }
    s.x.swap(next);
    ++s.iterations;
    s.residual = sum_in_order(residual_partials);
    dangling_mass = sum_in_order(dangling_partials);
    if (s.residual < tol) break;
  }
  return s;
}

// Dense power iteration straight from the SPEC formula, for small n.
std::vector<double> dense_power_iteration(std::size_t n, const std::vector<std::uint32_t>& src,
                                          const std::vector<std::uint32_t>& dst,
                                          const std::vector<double>& w,
                                          const std::vector<double>& v, double d) {
  std::vector<std::vector<double>> weight(n, std::vector<double>(n, 0.0));
  for (std::size_t k = 0; k < src.size(); ++k) {
    if (src[k] != dst[k]) weight[src[k]][dst[k]] += w[k];
  }
  std::vector<double> out(n, 0.0);
  for (std::size_t a = 0; a < n; ++a) {
    for (std::size_t b = 0; b < n; ++b) out[a] += weight[a][b];
  }
  std::vector<double> x = v, next(n);
  for (int it = 0; it < 10000; ++it) {
    double dangling = 0.0;
    for (std::size_t a = 0; a < n; ++a) dangling += out[a] == 0.0 ? x[a] : 0.0;
    double change = 0.0;
    for (std::size_t b = 0; b < n; ++b) {
      double pulled = 0.0;
      for (std::size_t a = 0; a < n; ++a) {
        if (out[a] > 0.0) pulled += weight[a][b] / out[a] * x[a];
      }
      next[b] = d * pulled + d * dangling * v[b] + (1 - d) * v[b];
      change += std::fabs(next[b] - x[b]);
    }
    x.swap(next);
    if (change < 1e-15) break;
  }
  return x;
}

std::vector<double> to_double(const std::vector<std::uint32_t>& w) {
  return std::vector<double>(w.begin(), w.end());
}

// One rank's view of a random graph: the part [first, last) and random current values x_ext
// (owned, then ghosts) and personalization v, drawn from `rng`, which the test may draw on further.
struct RandomPart {
  StepGraph g;
  Part p;
  std::mt19937_64 rng;
  std::vector<double> x_ext, v;
  std::size_t owned() const { return p.last - p.first; }
  std::span<const std::uint8_t> dangling() const { return std::span(g.dangling).subspan(p.first, owned()); }
  std::size_t blocks() const { return sum_block_count(owned()); }
};

RandomPart random_part(std::uint64_t seed, std::size_t n, std::size_t edges, std::size_t first, std::size_t last) {
  RandomPart r;
  const auto e = testing::random_graph(seed, n, edges, true);
  r.g = build_step_graph(n, e.src, e.dst, to_double(e.weight));
  r.p = make_part(r.g, first, last);
  r.rng.seed(seed);
  std::uniform_real_distribution<double> u(0.0, 1e-3);
  r.x_ext.resize(r.owned() + r.p.ghost_global.size());
  r.v.resize(r.owned());
  for (double& x : r.x_ext) x = u(r.rng);
  for (double& x : r.v) x = u(r.rng);
  return r;
}

std::vector<double> random_personalization(std::uint64_t seed, std::size_t n) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::vector<double> v(n);
  for (double& x : v) x = u(rng) < 0.3 ? 0.0 : u(rng);
  const double total = std::accumulate(v.begin(), v.end(), 0.0);
  for (double& x : v) x /= total;
  return v;
}

// ---- hand-solved graphs ----

// 0 -> 1 (1), 0 -> 2 (1), 1 -> 2 (2), 2 -> 2 (5, a self-loop: ignored, so 2 is dangling).
// d = 1/2, v = 1/3 each. With c = (x2/2 + 1/2)/3 (dangling mass and teleport):
//   x0 = c, x1 = x0/4 + c = 1.25c, x2 = x0/4 + x1/2 + c = 1.875c; sum 4.125c = 1 => c = 8/33,
//   x = (8, 10, 15)/33; check: (15/66 + 1/2)/3 = (24/33)/3 = 8/33.
const std::vector<std::uint32_t> kSrcA{0, 0, 1, 2}, kDstA{1, 2, 2, 2};
const std::vector<double> kWA{1, 1, 2, 5};
const std::vector<double> kExpectedA{8.0 / 33, 10.0 / 33, 15.0 / 33};

// 0 -> 1 given as two rows (1 and 2: summed to 3), 1 -> 0 (1), 1 -> 2 (1), 2 -> 0 (2); vertex 3
// has no edges (dangling). d = 1/2, v = (1/2, 0, 0, 1/2). Teleport m = x3/2 + 1/2:
//   x3 = m/2 => x3 = 1/3, m = 2/3; x1 = x0/2; x2 = x1/4 = x0/8;
//   x0 = (x1/2 + x2)/2 + m/2 = 3x0/16 + 1/3 => x0 = 16/39; x = (16, 8, 2, 13)/39.
const std::vector<std::uint32_t> kSrcB{0, 1, 1, 2, 0}, kDstB{1, 0, 2, 0, 1};
const std::vector<double> kWB{1, 1, 1, 2, 2};
const std::vector<double> kVB{0.5, 0.0, 0.0, 0.5};
const std::vector<double> kExpectedB{16.0 / 39, 8.0 / 39, 2.0 / 39, 13.0 / 39};

TEST(PageRankSerial, HandGraphWithDanglingAndSelfLoop) {
  int iterations = 0;
  double residual = 0.0;
  const std::vector<double> v(3, 1.0 / 3);
  const auto x = pagerank_serial(3, kSrcA, kDstA, kWA, v, 0.5, 1e-15, 1000, &iterations, &residual);
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(x[i], kExpectedA[i], 1e-14) << i;
  EXPECT_LT(residual, 1e-15);
  EXPECT_GT(iterations, 5);
  EXPECT_LT(iterations, 1000);
}

TEST(PageRankSerial, HandGraphWithDuplicatesAndPersonalization) {
  int iterations = 0;
  double residual = 0.0;
  const auto x = pagerank_serial(4, kSrcB, kDstB, kWB, kVB, 0.5, 1e-15, 1000, &iterations,
                                 &residual);
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(x[i], kExpectedB[i], 1e-14) << i;
  EXPECT_NEAR(std::accumulate(x.begin(), x.end(), 0.0), 1.0, 1e-14);
}

TEST(PageRankSerial, StopsAtMaxIterationsAndRejectsBadInput) {
  int iterations = -1;
  double residual = 0.0;
  const std::vector<double> v(3, 1.0 / 3);
  auto x = pagerank_serial(3, kSrcA, kDstA, kWA, v, 0.5, 0.0, 3, &iterations, &residual);
  EXPECT_EQ(iterations, 3);
  EXPECT_GT(residual, 0.0);
  x = pagerank_serial(3, kSrcA, kDstA, kWA, v, 0.5, 1e-10, 0, &iterations, &residual);
  EXPECT_EQ(iterations, 0);
  EXPECT_EQ(x, v);
  EXPECT_TRUE(std::isinf(residual));
  const std::vector<std::uint32_t> bad_dst{1, 2, 3, 2};
  EXPECT_THROW(pagerank_serial(3, kSrcA, bad_dst, kWA, v, 0.5, 1e-10, 10, nullptr, nullptr),
               std::invalid_argument);
  const std::vector<double> negative{1, -1, 2, 5};
  EXPECT_THROW(pagerank_serial(3, kSrcA, kDstA, negative, v, 0.5, 1e-10, 10, nullptr, nullptr),
               std::invalid_argument);
}

TEST(PageRankStep, HandGraphsConverge) {
  const std::vector<double> v(3, 1.0 / 3);
  const Solution a = solve_with_steps(build_step_graph(3, kSrcA, kDstA, kWA), v, 0.5, 1e-15,
                                      1000, {0, 3});
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(a.x[i], kExpectedA[i], 1e-14) << i;
  const Solution b = solve_with_steps(build_step_graph(4, kSrcB, kDstB, kWB), kVB, 0.5, 1e-15,
                                      1000, {0, 4});
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(b.x[i], kExpectedB[i], 1e-14) << i;
}

TEST(PageRankStep, OneStepByHand) {
  // Graph A from x = v = 1/3: dangling mass x2 = 1/3, teleport = 1/2 * 1/3 + 1/2 = 2/3.
  //   x0' = 2/9, x1' = 1/2 * 1/6 + 2/9 = 11/36, x2' = 1/2 * (1/6 + 1/3) + 2/9 = 17/36.
  const StepGraph g = build_step_graph(3, kSrcA, kDstA, kWA);
  const std::vector<double> v(3, 1.0 / 3);
  std::vector<double> x_new(3), residual(1), dangling(1);
  pagerank_step(g.in_offsets, g.in_src, g.in_weight, v, v, g.dangling, 0.5, 1.0 / 3,
                {x_new, residual, dangling});
  EXPECT_NEAR(x_new[0], 2.0 / 9, 1e-16);
  EXPECT_NEAR(x_new[1], 11.0 / 36, 1e-16);
  EXPECT_NEAR(x_new[2], 17.0 / 36, 1e-16);
  EXPECT_NEAR(residual[0], 1.0 / 9 + 1.0 / 36 + 5.0 / 36, 1e-16);
  EXPECT_NEAR(dangling[0], 17.0 / 36, 1e-16);
}

// ---- random graphs ----

TEST(PageRankStep, ConvergesToDensePowerIteration) {
  for (std::uint64_t seed = 1; seed <= 3; ++seed) {
    SCOPED_TRACE(seed);
    const std::size_t n = 300;
    const auto e = testing::random_graph(seed, n, 1500, /*duplicates_allowed=*/true);
    const auto w = to_double(e.weight);
    const auto v = random_personalization(seed, n);
    const auto expected = dense_power_iteration(n, e.src, e.dst, w, v, 0.85);
    const Solution s = solve_with_steps(build_step_graph(n, e.src, e.dst, w), v, 0.85, 1e-13,
                                        1000, {0, n});
    EXPECT_LT(s.residual, 1e-13);
    double total = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
      ASSERT_NEAR(s.x[i], expected[i], 1e-12) << i;
      total += s.x[i];
    }
    EXPECT_NEAR(total, 1.0, 1e-12);
    const auto serial = pagerank_serial(n, e.src, e.dst, w, v, 0.85, 1e-13, 1000, nullptr, nullptr);
    for (std::size_t i = 0; i < n; ++i) ASSERT_NEAR(serial[i], expected[i], 1e-12) << i;
  }
}

TEST(PageRankStep, MatchesPushReferenceWithGhosts) {
  for (std::uint64_t seed = 1; seed <= 6; ++seed) {
    SCOPED_TRACE(seed);
    const RandomPart r = random_part(seed, 6000, 40000, 2048, 5500);  // ghosts on both sides, a short last block
    const Part& p = r.p;
    const std::vector<double>& x_ext = r.x_ext;
    const std::vector<double>& v = r.v;
    const std::size_t owned = r.owned(), blocks = r.blocks();
    const auto dangling = r.dangling();
    std::vector<double> x1(owned), r1(blocks), d1(blocks), x2(owned), r2(blocks), d2(blocks);
    pagerank_step(p.in_offsets, p.in_src, p.in_weight, x_ext, v, dangling, 0.85, 0.123,
                  {x1, r1, d1});
    pagerank_step_reference(p.in_offsets, p.in_src, p.in_weight, x_ext, v, dangling, 0.85, 0.123,
                            {x2, r2, d2});
    for (std::size_t i = 0; i < owned; ++i) ASSERT_NEAR(x1[i], x2[i], 1e-13 * x2[i]) << i;
    for (std::size_t b = 0; b < blocks; ++b) {
      EXPECT_NEAR(r1[b], r2[b], 1e-13 * r2[b]) << b;
      EXPECT_NEAR(d1[b], d2[b], 1e-13 * d2[b]) << b;
      EXPECT_GT(d2[b], 0.0) << b;  // every block has dangling vertices: the sum is exercised
    }
  }
}

TEST(PageRankStep, BitIdenticalForAnyThreadCountAndSplit) {
  const std::size_t n = 9000;  // 9 sum blocks, the last one short
  const auto e = testing::random_graph(7, n, 60000, true);
  const StepGraph g = build_step_graph(n, e.src, e.dst, to_double(e.weight));
  const auto v = random_personalization(7, n);
  Solution first;
  with_threads(1, [&] { first = solve_with_steps(g, v, 0.85, 1e-12, 200, {0, n}); });
  EXPECT_LT(first.residual, 1e-12);
  const std::vector<std::vector<std::size_t>> splits{
      {0, n}, {0, 4096, n}, {0, 1024, 3072, 8192, n}, {0, 2048, 2048, n}};  // one empty part
  for (int threads : thread_counts()) {
    for (const auto& cuts : splits) {
      SCOPED_TRACE(::testing::Message() << threads << " threads, " << cuts.size() - 1 << " parts");
      Solution s;
      with_threads(threads, [&] { s = solve_with_steps(g, v, 0.85, 1e-12, 200, cuts); });
      EXPECT_EQ(s.iterations, first.iterations);
      EXPECT_TRUE(same_bits(s.x, first.x));
      EXPECT_EQ(s.residual, first.residual);
    }
  }
}

TEST(PageRankStep, RejectsWrongPartialCount) {
  const StepGraph g = build_step_graph(3, kSrcA, kDstA, kWA);
  const std::vector<double> v(3, 1.0 / 3);
  std::vector<double> x_new(3), residual(2), dangling(1);
  EXPECT_THROW(pagerank_step(g.in_offsets, g.in_src, g.in_weight, v, v, g.dangling, 0.5, 0.0,
                             {x_new, residual, dangling}),
               std::invalid_argument);
}

TEST(SumInOrder, IsLeftToRight) {
  // (1e16 + 1) rounds back to 1e16, so left to right gives 0; any other order gives 1.
  const std::vector<double> partials{1e16, 1.0, -1e16};
  EXPECT_EQ(sum_in_order(partials), 0.0);
  EXPECT_EQ(sum_in_order(std::vector<double>{}), 0.0);
}

// The locality-ordered split (pull over permuted positions, block sums in global order) gives the
// same bits as pagerank_step on the natural order, for any permutation and thread count.
TEST(PageRankPull, PermutedOrderGivesTheSameBitsAsTheStep) {
  for (std::uint64_t seed = 1; seed <= 4; ++seed) {
    SCOPED_TRACE(seed);
    RandomPart r = random_part(seed, 5000, 30000, 1024, 4700);
    const Part& p = r.p;
    const std::vector<double>& x_ext = r.x_ext;
    const std::vector<double>& v = r.v;
    const std::size_t owned = r.owned(), blocks = r.blocks();
    const auto dangling = r.dangling();
    std::mt19937_64& rng = r.rng;
    std::vector<double> x1(owned), r1(blocks), d1(blocks);
    pagerank_step(p.in_offsets, p.in_src, p.in_weight, x_ext, v, dangling, 0.85, 0.123, {x1, r1, d1});

    // A random numbering of the owned vertices: order[pos] = vertex, position_of[vertex] = pos.
    std::vector<std::uint32_t> order(owned), position_of(owned);
    std::iota(order.begin(), order.end(), 0u);
    std::shuffle(order.begin(), order.end(), rng);
    for (std::uint32_t q = 0; q < owned; ++q) position_of[order[q]] = q;
    // Renumber: owned x values move to their positions, ghosts stay; edges keep their order.
    std::vector<double> x_perm(x_ext), v_perm(owned);
    for (std::size_t i = 0; i < owned; ++i) {
      x_perm[position_of[i]] = x_ext[i];
      v_perm[position_of[i]] = v[i];
    }
    std::vector<std::uint64_t> off{0};
    std::vector<std::uint32_t> src;
    std::vector<double> w;
    for (std::size_t q = 0; q < owned; ++q) {
      const std::uint32_t i = order[q];
      for (auto k = p.in_offsets[i]; k < p.in_offsets[i + 1]; ++k) {
        const std::uint32_t s = p.in_src[k];
        src.push_back(s < owned ? position_of[s] : s);
        w.push_back(p.in_weight[k]);
      }
      off.push_back(src.size());
    }
    for (int threads : testing::thread_counts()) {
      testing::with_threads(threads, [&] {
        std::vector<double> x2(owned), r2(blocks), d2(blocks);
        pagerank_pull(off, src, w, x_perm, v_perm, 0.85, 0.123, x2);
        pagerank_block_sums(position_of, x2, x_perm, dangling, r2, d2);
        for (std::size_t i = 0; i < owned; ++i) ASSERT_EQ(x2[position_of[i]], x1[i]) << i;
        EXPECT_TRUE(testing::same_bits(r1, r2));
        EXPECT_TRUE(testing::same_bits(d1, d2));
      });
    }
  }
}


// ---- the pre-scaled kernels (integer edge weights, y = x / out_weight) ----

// The in-CSR of build_step_graph with the merged integer weights instead of P_ji, and each
// vertex's out-weight.
struct ScaledGraph {
  std::vector<std::uint64_t> in_offsets;
  std::vector<std::uint32_t> in_src, in_bene;
  std::vector<double> out_weight;
  std::vector<std::uint8_t> dangling;
};

ScaledGraph build_scaled_graph(std::size_t n, const std::vector<std::uint32_t>& src,
                               const std::vector<std::uint32_t>& dst, const std::vector<std::uint32_t>& w) {
  std::map<std::pair<std::uint32_t, std::uint32_t>, std::uint32_t> merged;  // (dst, src) -> weight
  ScaledGraph g;
  g.out_weight.assign(n, 0.0);
  for (std::size_t k = 0; k < src.size(); ++k) {
    if (src[k] == dst[k]) continue;
    merged[{dst[k], src[k]}] += w[k];
    g.out_weight[src[k]] += w[k];
  }
  g.in_offsets.assign(n + 1, 0);
  for (const auto& [edge, weight] : merged) {
    ++g.in_offsets[edge.first + 1];
    g.in_src.push_back(edge.second);
    g.in_bene.push_back(weight);
  }
  std::partial_sum(g.in_offsets.begin(), g.in_offsets.end(), g.in_offsets.begin());
  for (double ow : g.out_weight) g.dangling.push_back(ow == 0.0 ? 1 : 0);
  return g;
}

double max_rel_diff(const std::vector<double>& a, const std::vector<double>& b) {
  double worst = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i)
    worst = std::max(worst, std::fabs(a[i] - b[i]) / std::max(std::fabs(b[i]), 1e-300));
  return worst;
}

// One step on pre-scaled values equals pagerank_step (P_ji weights) to rounding, gives the same
// bits for any thread count and with or without the SIMD loop (weights past 2^31 included), and the fused finish pass gives the exact residual and
// dangling sums (order-independent bits, within rounding of pagerank_block_sums') plus y = x_new / out_weight.
TEST(PageRankPullScaled, MatchesTheStepAndFusesTheBlockSums) {
  for (std::uint64_t seed = 1; seed <= 4; ++seed) {
    SCOPED_TRACE(seed);
    const std::size_t n = 6000;
    auto e = testing::random_graph(seed, n, 40000, true);
    for (std::size_t k = 0; k < e.weight.size(); k += 97) e.weight[k] *= 400;  // a heavy tail
    e.weight[5] = 3000000000u;  // beyond int32: the SIMD loop converts it exactly too
    const StepGraph g = build_step_graph(n, e.src, e.dst, to_double(e.weight));
    const ScaledGraph sg = build_scaled_graph(n, e.src, e.dst, e.weight);
    ASSERT_EQ(sg.in_src, g.in_src);
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> u(0.0, 1e-3);
    std::vector<double> x(n), v(n), y(n);
    for (double& xi : x) xi = u(rng);
    for (double& vi : v) vi = u(rng);
    for (std::size_t i = 0; i < n; ++i) y[i] = sg.out_weight[i] > 0 ? x[i] / sg.out_weight[i] : 0.0;
    const std::size_t blocks = sum_block_count(n);
    std::vector<double> x_ref(n), r_ref(blocks), d_ref(blocks);
    pagerank_step(g.in_offsets, g.in_src, g.in_weight, x, v, g.dangling, 0.85, 0.0421, {x_ref, r_ref, d_ref});

    std::vector<std::uint32_t> identity(n);
    std::iota(identity.begin(), identity.end(), 0u);
    std::vector<double> first, first_sums;
    for (int threads : testing::thread_counts()) {
      testing::with_threads(threads, [&] {
        std::vector<double> x32(n), portable(n);
        pagerank_pull_scaled(sg.in_offsets, sg.in_src, sg.in_bene, y, v, 0.85, 0.0421, x32);
        pagerank_pull_scaled(sg.in_offsets, sg.in_src, sg.in_bene, y, v, 0.85, 0.0421, portable, false);
        EXPECT_TRUE(testing::same_bits(x32, portable)) << "SIMD loop: " << pagerank_simd_available();
        EXPECT_LT(max_rel_diff(x32, x_ref), 1e-13);
        if (first.empty()) first = x32;
        EXPECT_TRUE(testing::same_bits(x32, first)) << threads << " threads";

        std::vector<double> y_next(n), r_plain(blocks), d_plain(blocks);
        ExactSum r, d;
        pagerank_finish(x32, x, sg.dangling, sg.out_weight, y_next, r, d);
        pagerank_block_sums(identity, x32, x, sg.dangling, r_plain, d_plain);
        // The exact sums: within rounding of the block sums, and the same bits as summing the same
        // values exactly in reverse order, serially.
        EXPECT_LT(std::fabs(r.value() - sum_in_order(r_plain)), 1e-15 * sum_in_order(r_plain));
        EXPECT_LT(std::fabs(d.value() - sum_in_order(d_plain)), 1e-15 * sum_in_order(d_plain));
        ExactSum r_rev, d_rev;
        for (std::size_t i = n; i-- > 0;) {
          r_rev.add(std::fabs(x32[i] - x[i]));
          if (sg.dangling[i]) d_rev.add(x32[i]);
        }
        EXPECT_EQ(std::bit_cast<std::uint64_t>(r.value()), std::bit_cast<std::uint64_t>(r_rev.value()));
        EXPECT_EQ(std::bit_cast<std::uint64_t>(d.value()), std::bit_cast<std::uint64_t>(d_rev.value()));
        if (first_sums.empty()) first_sums = {r.value(), d.value()};
        EXPECT_TRUE(testing::same_bits(std::vector<double>{r.value(), d.value()}, first_sums)) << threads << " threads";
        for (std::size_t i = 0; i < n; ++i)
          ASSERT_EQ(y_next[i], sg.dangling[i] ? 0.0 : x32[i] / sg.out_weight[i]) << i;
      });
    }
  }
}

// Driven to convergence with the pre-scaled kernels, the result is the dense power iteration's,
// and every snapshot-visible value is within 1e-12 relative of the P_ji-weighted step's.
TEST(PageRankPullScaled, ConvergesToTheSameVectorAsTheStep) {
  const std::size_t n = 800;
  const auto e = testing::random_graph(7, n, 6000, true);
  const StepGraph g = build_step_graph(n, e.src, e.dst, to_double(e.weight));
  const ScaledGraph sg = build_scaled_graph(n, e.src, e.dst, e.weight);
  const std::vector<double> v = random_personalization(7, n);
  const Solution ref = solve_with_steps(g, v, 0.85, 1e-13, 500, {0, n});

  std::vector<double> x = v, x_new(n), y(n);
  ExactSum r, d;
  for (std::size_t i = 0; i < n; ++i) y[i] = sg.dangling[i] ? 0.0 : x[i] / sg.out_weight[i];
  double dangling_mass = 0.0;
  for (std::size_t i = 0; i < n; ++i) dangling_mass += sg.dangling[i] ? v[i] : 0.0;
  int iterations = 0;
  double residual = 1.0;
  while (iterations < 500 && residual >= 1e-13) {
    pagerank_pull_scaled(sg.in_offsets, sg.in_src, sg.in_bene, y, v, 0.85, dangling_mass, x_new);
    pagerank_finish(x_new, x, sg.dangling, sg.out_weight, y, r, d);
    residual = r.value();
    dangling_mass = d.value();
    x.swap(x_new);
    ++iterations;
  }
  EXPECT_EQ(iterations, ref.iterations);
  EXPECT_LT(max_rel_diff(x, ref.x), 1e-12);
  const auto dense = dense_power_iteration(n, e.src, e.dst, to_double(e.weight), v, 0.85);
  EXPECT_LT(max_rel_diff(x, dense), 1e-10);
}

}  // namespace
}  // namespace signalrank::kernels
