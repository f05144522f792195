// PageRank kernels (kernels/pagerank.hpp): the serial oracle on hand-solved graphs; one pull by
// hand; pagerank_pull against pagerank_pull_reference (exactly on exact arithmetic, to rounding
// otherwise) with ghosts, heavy weights and every tail length; the same bits for any thread count,
// with or without SIMD and for any split of the vertices into rank-like parts; pagerank_finish's
// exact sums; and the whole iteration driven to convergence against a dense power iteration.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <map>
#include <numeric>
#include <random>
#include <stdexcept>
#include <vector>

#include "kernel_test_support.hpp"
#include "kernels/pagerank.hpp"
#include "pagerank_serial.hpp"

namespace signalrank::kernels {
namespace {

using testing::pagerank_serial;
using testing::same_bits;
using testing::thread_counts;
using testing::with_threads;

// ---- graphs in the kernels' form, built independently of them ----

// Global in-edge CSR: duplicates merged (weights summed), self-loops dropped, each in-list ordered
// by source ID, plus every vertex's out-weight.
struct Graph {
  std::size_t n = 0;
  std::vector<std::uint64_t> in_offsets;
  std::vector<std::uint32_t> in_src, in_bene;
  std::vector<double> out_weight;
  std::vector<std::uint8_t> dangling;
};

Graph build_graph(std::size_t n, const std::vector<std::uint32_t>& src, const std::vector<std::uint32_t>& dst,
                  const std::vector<std::uint32_t>& w) {
  std::map<std::pair<std::uint32_t, std::uint32_t>, std::uint32_t> merged;  // (dst, src) -> weight
  Graph g;
  g.n = n;
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

std::vector<double> y_of(const Graph& g, const std::vector<double>& x) {
  std::vector<double> y(g.n);
  for (std::size_t i = 0; i < g.n; ++i) y[i] = g.dangling[i] ? 0.0 : x[i] / g.out_weight[i];
  return y;
}

// The vertices [first, last) as one rank sees them: a local in-CSR into y_ext = owned, then ghosts
// (ghosts in global ID order, so each in-list keeps the global source order).
struct Part {
  std::size_t first = 0, last = 0;
  std::vector<std::uint64_t> in_offsets;
  std::vector<std::uint32_t> in_src, in_bene;
  std::vector<std::uint32_t> ghost_global;
  std::size_t owned() const { return last - first; }
};

Part make_part(const Graph& g, std::size_t first, std::size_t last) {
  Part p;
  p.first = first;
  p.last = last;
  std::map<std::uint32_t, std::uint32_t> ghost_slot;
  for (std::uint64_t e = g.in_offsets[first]; e < g.in_offsets[last]; ++e) {
    if (g.in_src[e] < first || g.in_src[e] >= last) ghost_slot[g.in_src[e]] = 0;
  }
  auto next = static_cast<std::uint32_t>(last - first);
  for (auto& [global, slot] : ghost_slot) {
    slot = next++;
    p.ghost_global.push_back(global);
  }
  p.in_offsets.push_back(0);
  for (std::size_t i = first; i < last; ++i) {
    for (std::uint64_t e = g.in_offsets[i]; e < g.in_offsets[i + 1]; ++e) {
      const std::uint32_t s = g.in_src[e];
      p.in_src.push_back(s >= first && s < last ? static_cast<std::uint32_t>(s - first) : ghost_slot.at(s));
      p.in_bene.push_back(g.in_bene[e]);
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

// Drives pagerank_pull and pagerank_finish the way the distributed driver does, with the vertices
// split into parts at `cuts`: per part a halo copy of y, the pull and the finish; the parts' exact
// sums merged as the ranks' limbs are.
Solution solve(const Graph& g, const std::vector<double>& v, double damping, double tol, int max_iter,
               const std::vector<std::size_t>& cuts, bool allow_simd = true) {
  std::vector<Part> parts;
  for (std::size_t k = 0; k + 1 < cuts.size(); ++k) parts.push_back(make_part(g, cuts[k], cuts[k + 1]));
  Solution s;
  s.x = v;
  std::vector<double> y = y_of(g, v), next(g.n), y_next(g.n);
  double dangling_mass = 0.0;
  for (std::size_t i = 0; i < g.n; ++i) dangling_mass += g.dangling[i] ? v[i] : 0.0;
  while (s.iterations < max_iter) {
    ExactSum residual, dangling;
    for (const Part& p : parts) {
      const std::size_t owned = p.owned();
      std::vector<double> y_ext(y.begin() + p.first, y.begin() + p.last);
      for (std::uint32_t gid : p.ghost_global) y_ext.push_back(y[gid]);
      const auto span_of = [&](auto& a) { return std::span(a).subspan(p.first, owned); };
      pagerank_pull(p.in_offsets, p.in_src, p.in_bene, y_ext, span_of(v), damping, dangling_mass, span_of(next),
                    allow_simd);
      ExactSum r, d;
      pagerank_finish(span_of(next), span_of(s.x), span_of(g.dangling), span_of(g.out_weight), span_of(y_next), r, d);
      residual.merge(r);
      dangling.merge(d);
    }
    s.x.swap(next);
    y.swap(y_next);
    ++s.iterations;
    s.residual = residual.value();
    dangling_mass = dangling.value();
    if (s.residual < tol) break;
  }
  return s;
}

// Dense power iteration straight from the formula, for small n.
std::vector<double> dense_power_iteration(std::size_t n, const std::vector<std::uint32_t>& src,
                                          const std::vector<std::uint32_t>& dst, const std::vector<std::uint32_t>& w,
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

std::vector<double> to_double(const std::vector<std::uint32_t>& w) { return {w.begin(), w.end()}; }

std::vector<double> random_personalization(std::uint64_t seed, std::size_t n) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::vector<double> v(n);
  for (double& x : v) x = u(rng) < 0.3 ? 0.0 : u(rng);
  const double total = std::accumulate(v.begin(), v.end(), 0.0);
  for (double& x : v) x /= total;
  return v;
}

double max_rel_diff(std::span<const double> a, std::span<const double> b) {
  double worst = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i)
    worst = std::max(worst, std::fabs(a[i] - b[i]) / std::max(std::fabs(b[i]), 1e-300));
  return worst;
}

// One rank's view of a random graph: the part [first, last) and random y_ext (owned, then ghosts)
// and v.
struct RandomPart {
  Part p;
  std::vector<double> y_ext, v;
};

RandomPart random_part(std::uint64_t seed, const Graph& g, std::size_t first, std::size_t last) {
  RandomPart r;
  r.p = make_part(g, first, last);
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0.0, 1e-3);
  r.y_ext.resize(r.p.owned() + r.p.ghost_global.size());
  r.v.resize(r.p.owned());
  for (double& x : r.y_ext) x = u(rng) * 1e-3;
  for (double& x : r.v) x = u(rng);
  return r;
}

// ---- hand-solved graphs ----

// 0 -> 1 (1), 0 -> 2 (1), 1 -> 2 (2), 2 -> 2 (5, a self-loop: ignored, so 2 is dangling).
// d = 1/2, v = 1/3 each. With c = (x2/2 + 1/2)/3 (dangling mass and teleport):
//   x0 = c, x1 = x0/4 + c = 1.25c, x2 = x0/4 + x1/2 + c = 1.875c; sum 4.125c = 1 => c = 8/33,
//   x = (8, 10, 15)/33; check: (15/66 + 1/2)/3 = (24/33)/3 = 8/33.
const std::vector<std::uint32_t> kSrcA{0, 0, 1, 2}, kDstA{1, 2, 2, 2}, kWA{1, 1, 2, 5};
const std::vector<double> kExpectedA{8.0 / 33, 10.0 / 33, 15.0 / 33};

// 0 -> 1 given as two rows (1 and 2: summed to 3), 1 -> 0 (1), 1 -> 2 (1), 2 -> 0 (2); vertex 3
// has no edges (dangling). d = 1/2, v = (1/2, 0, 0, 1/2). Teleport m = x3/2 + 1/2:
//   x3 = m/2 => x3 = 1/3, m = 2/3; x1 = x0/2; x2 = x1/4 = x0/8;
//   x0 = (x1/2 + x2)/2 + m/2 = 3x0/16 + 1/3 => x0 = 16/39; x = (16, 8, 2, 13)/39.
const std::vector<std::uint32_t> kSrcB{0, 1, 1, 2, 0}, kDstB{1, 0, 2, 0, 1}, kWB{1, 1, 1, 2, 2};
const std::vector<double> kVB{0.5, 0.0, 0.0, 0.5};
const std::vector<double> kExpectedB{16.0 / 39, 8.0 / 39, 2.0 / 39, 13.0 / 39};

TEST(PageRankSerial, HandGraphWithDanglingAndSelfLoop) {
  int iterations = 0;
  double residual = 0.0;
  const std::vector<double> v(3, 1.0 / 3);
  const auto x = pagerank_serial(3, kSrcA, kDstA, to_double(kWA), v, 0.5, 1e-15, 1000, &iterations, &residual);
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(x[i], kExpectedA[i], 1e-14) << i;
  EXPECT_LT(residual, 1e-15);
  EXPECT_GT(iterations, 5);
  EXPECT_LT(iterations, 1000);
}

TEST(PageRankSerial, HandGraphWithDuplicatesAndPersonalization) {
  const auto x = pagerank_serial(4, kSrcB, kDstB, to_double(kWB), kVB, 0.5, 1e-15, 1000, nullptr, nullptr);
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(x[i], kExpectedB[i], 1e-14) << i;
  EXPECT_NEAR(std::accumulate(x.begin(), x.end(), 0.0), 1.0, 1e-14);
}

TEST(PageRankSerial, StopsAtMaxIterationsAndRejectsBadInput) {
  int iterations = -1;
  double residual = 0.0;
  const std::vector<double> v(3, 1.0 / 3);
  const auto w = to_double(kWA);
  auto x = pagerank_serial(3, kSrcA, kDstA, w, v, 0.5, 0.0, 3, &iterations, &residual);
  EXPECT_EQ(iterations, 3);
  EXPECT_GT(residual, 0.0);
  x = pagerank_serial(3, kSrcA, kDstA, w, v, 0.5, 1e-10, 0, &iterations, &residual);
  EXPECT_EQ(iterations, 0);
  EXPECT_EQ(x, v);
  EXPECT_TRUE(std::isinf(residual));
  const std::vector<std::uint32_t> bad_dst{1, 2, 3, 2};
  EXPECT_THROW(pagerank_serial(3, kSrcA, bad_dst, w, v, 0.5, 1e-10, 10, nullptr, nullptr), std::invalid_argument);
  const std::vector<double> negative{1, -1, 2, 5};
  EXPECT_THROW(pagerank_serial(3, kSrcA, kDstA, negative, v, 0.5, 1e-10, 10, nullptr, nullptr),
               std::invalid_argument);
}

TEST(PageRankPull, OneIterationByHand) {
  // Graph A from x = v = 1/3: out-weights (2, 2, 0), so y = (1/6, 1/6, 0); dangling mass x2 = 1/3,
  // teleport = 1/2 * 1/3 + 1/2 = 2/3.
  //   x0' = 2/9, x1' = 1/2 * (1 * 1/6) + 2/9 = 11/36, x2' = 1/2 * (1 * 1/6 + 2 * 1/6) + 2/9 = 17/36.
  // Residual |2/9 - 1/3| + |11/36 - 1/3| + |17/36 - 1/3| = 1/9 + 1/36 + 5/36; dangling sum x2' = 17/36;
  // next y = (2/9 / 2, 11/36 / 2, 0).
  const Graph g = build_graph(3, kSrcA, kDstA, kWA);
  const std::vector<double> v(3, 1.0 / 3);
  const std::vector<double> y = y_of(g, v);
  for (const bool simd : {true, false}) {
    std::vector<double> x_new(3), reference(3), y_next(3);
    pagerank_pull(g.in_offsets, g.in_src, g.in_bene, y, v, 0.5, 1.0 / 3, x_new, simd);
    pagerank_pull_reference(g.in_offsets, g.in_src, g.in_bene, y, v, 0.5, 1.0 / 3, reference);
    EXPECT_NEAR(x_new[0], 2.0 / 9, 1e-16);
    EXPECT_NEAR(x_new[1], 11.0 / 36, 1e-16);
    EXPECT_NEAR(x_new[2], 17.0 / 36, 1e-16);
    EXPECT_LT(max_rel_diff(reference, x_new), 1e-15);
    ExactSum r, d;
    pagerank_finish(x_new, v, g.dangling, g.out_weight, y_next, r, d);
    EXPECT_NEAR(r.value(), 1.0 / 9 + 1.0 / 36 + 5.0 / 36, 1e-16);
    EXPECT_NEAR(d.value(), 17.0 / 36, 1e-16);
    EXPECT_EQ(y_next[0], x_new[0] / 2);
    EXPECT_EQ(y_next[1], x_new[1] / 2);
    EXPECT_EQ(y_next[2], 0.0);
  }
}

TEST(PageRankPull, HandGraphsConverge) {
  const std::vector<double> v(3, 1.0 / 3);
  const Solution a = solve(build_graph(3, kSrcA, kDstA, kWA), v, 0.5, 1e-15, 1000, {0, 3});
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(a.x[i], kExpectedA[i], 1e-14) << i;
  const Solution b = solve(build_graph(4, kSrcB, kDstB, kWB), kVB, 0.5, 1e-15, 1000, {0, 4});
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(b.x[i], kExpectedB[i], 1e-14) << i;
}

// ---- the pull against its reference ----

// Vertex p has p + 1 in-edges (1 .. 40: every split into blocks of 8, a block of 4 and a 0-3 tail),
// with weights and values chosen so every product and partial sum is an exact double: the fast
// loop and the reference must then agree bit for bit whatever order each adds in.
TEST(PageRankPull, EveryTailLengthIsExactAgainstTheReference) {
  const std::size_t n = 40, sources = 64;
  std::vector<std::uint64_t> off{0};
  std::vector<std::uint32_t> src, bene;
  for (std::size_t p = 0; p < n; ++p) {
    for (std::size_t k = 0; k <= p; ++k) {
      src.push_back(static_cast<std::uint32_t>((p * 7 + k * 13) % sources));
      bene.push_back(static_cast<std::uint32_t>(1 + (p + 3 * k) % 50));
    }
    off.push_back(src.size());
  }
  std::vector<double> y(sources), v(n);
  for (std::size_t s = 0; s < sources; ++s) y[s] = static_cast<double>(s % 9 + 1) / 1024.0;
  for (std::size_t p = 0; p < n; ++p) v[p] = static_cast<double>(p) / 256.0;
  std::vector<double> reference(n);
  pagerank_pull_reference(off, src, bene, y, v, 0.5, 0.25, reference);
  for (std::size_t p = 0; p < n; ++p) {  // the value by hand, in plain order
    double pulled = 0.0;
    for (std::uint64_t e = off[p]; e < off[p + 1]; ++e) pulled += bene[e] * y[src[e]];
    ASSERT_EQ(reference[p], 0.5 * pulled + (0.5 * 0.25 + 0.5) * v[p]) << p;
  }
  for (int threads : thread_counts()) {
    for (const bool simd : {true, false}) {
      with_threads(threads, [&] {
        std::vector<double> x(n);
        pagerank_pull(off, src, bene, y, v, 0.5, 0.25, x, simd);
        EXPECT_TRUE(same_bits(x, reference)) << threads << " threads, simd " << simd;
      });
    }
  }
}

// Random graphs with skewed in-degrees, ghosts on both sides, a heavy tail of weights and one
// weight past 2^31 (the SIMD loop must convert it exactly too): to rounding of the reference; the
// same bits for every thread count and with or without SIMD.
TEST(PageRankPull, MatchesTheReferenceWithGhostsAndHeavyWeights) {
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    SCOPED_TRACE(seed);
    auto e = testing::random_graph(seed, 6000, 40000, true);
    for (std::size_t k = 0; k < e.weight.size(); k += 97) e.weight[k] *= 400;
    e.weight[5] = 3000000000u;
    const Graph g = build_graph(6000, e.src, e.dst, e.weight);
    const RandomPart r = random_part(seed, g, 2048, 5500);
    const Part& p = r.p;
    ASSERT_GT(p.ghost_global.size(), 1000u);
    std::vector<double> reference(p.owned());
    pagerank_pull_reference(p.in_offsets, p.in_src, p.in_bene, r.y_ext, r.v, 0.85, 0.123, reference);
    std::vector<double> first;
    for (int threads : thread_counts()) {
      with_threads(threads, [&] {
        std::vector<double> fast(p.owned()), portable(p.owned());
        pagerank_pull(p.in_offsets, p.in_src, p.in_bene, r.y_ext, r.v, 0.85, 0.123, fast);
        pagerank_pull(p.in_offsets, p.in_src, p.in_bene, r.y_ext, r.v, 0.85, 0.123, portable, false);
        EXPECT_TRUE(same_bits(fast, portable)) << "SIMD loop available: " << pagerank_simd_available();
        EXPECT_LT(max_rel_diff(fast, reference), 1e-13);
        if (first.empty()) first = fast;
        EXPECT_TRUE(same_bits(fast, first)) << threads << " threads";
      });
    }
  }
}

// A vertex's value depends only on its own in-list: renumbering the owned vertices (score numbers
// them by state and ZIP) moves each value, bit for bit, and leaves the exact sums unchanged.
TEST(PageRankPull, RenumberedVerticesKeepTheirBits) {
  for (std::uint64_t seed = 1; seed <= 3; ++seed) {
    SCOPED_TRACE(seed);
    const auto e = testing::random_graph(seed, 5000, 30000, true);
    const Graph g = build_graph(5000, e.src, e.dst, e.weight);
    const RandomPart r = random_part(seed, g, 1024, 4700);
    const Part& p = r.p;
    const std::size_t owned = p.owned();
    const auto dangling = std::span(g.dangling).subspan(p.first, owned);
    const auto out_weight = std::span(g.out_weight).subspan(p.first, owned);
    std::vector<double> x_old(owned, 1.0 / 4000), x1(owned), y1(owned);
    pagerank_pull(p.in_offsets, p.in_src, p.in_bene, r.y_ext, r.v, 0.85, 0.123, x1);
    ExactSum r1, d1;
    pagerank_finish(x1, x_old, dangling, out_weight, y1, r1, d1);

    // order[q] = vertex at position q, position_of[vertex] = q; ghosts keep their slots.
    std::vector<std::uint32_t> order(owned), position_of(owned);
    std::iota(order.begin(), order.end(), 0u);
    std::mt19937_64 rng(seed);
    std::shuffle(order.begin(), order.end(), rng);
    for (std::uint32_t q = 0; q < owned; ++q) position_of[order[q]] = q;
    std::vector<double> y_perm(r.y_ext), v_perm(owned), ow_perm(owned);
    std::vector<std::uint8_t> dangling_perm(owned);
    for (std::size_t i = 0; i < owned; ++i) {
      y_perm[position_of[i]] = r.y_ext[i];
      v_perm[position_of[i]] = r.v[i];
      ow_perm[position_of[i]] = out_weight[i];
      dangling_perm[position_of[i]] = dangling[i];
    }
    std::vector<std::uint64_t> off{0};
    std::vector<std::uint32_t> src, bene;
    for (std::size_t q = 0; q < owned; ++q) {
      for (auto k = p.in_offsets[order[q]]; k < p.in_offsets[order[q] + 1]; ++k) {
        src.push_back(p.in_src[k] < owned ? position_of[p.in_src[k]] : p.in_src[k]);
        bene.push_back(p.in_bene[k]);
      }
      off.push_back(src.size());
    }
    for (int threads : thread_counts()) {
      with_threads(threads, [&] {
        std::vector<double> x2(owned), y2(owned);
        pagerank_pull(off, src, bene, y_perm, v_perm, 0.85, 0.123, x2);
        ExactSum r2, d2;
        pagerank_finish(x2, x_old, dangling_perm, ow_perm, y2, r2, d2);
        for (std::size_t i = 0; i < owned; ++i) {
          ASSERT_EQ(std::bit_cast<std::uint64_t>(x2[position_of[i]]), std::bit_cast<std::uint64_t>(x1[i])) << i;
          ASSERT_EQ(y2[position_of[i]], y1[i]) << i;
        }
        EXPECT_EQ(std::bit_cast<std::uint64_t>(r2.value()), std::bit_cast<std::uint64_t>(r1.value()));
        EXPECT_EQ(std::bit_cast<std::uint64_t>(d2.value()), std::bit_cast<std::uint64_t>(d1.value()));
      });
    }
  }
}

TEST(PageRankPull, RejectsMismatchedSizes) {
  const Graph g = build_graph(3, kSrcA, kDstA, kWA);
  const std::vector<double> v(3, 1.0 / 3), short_v(2, 0.5);
  std::vector<double> x(3), y(3);
  EXPECT_THROW(pagerank_pull(g.in_offsets, g.in_src, g.in_bene, v, short_v, 0.5, 0.0, x), std::invalid_argument);
  const std::vector<std::uint32_t> short_bene(g.in_bene.begin(), g.in_bene.end() - 1);
  EXPECT_THROW(pagerank_pull(g.in_offsets, g.in_src, short_bene, v, v, 0.5, 0.0, x), std::invalid_argument);
  EXPECT_THROW(pagerank_pull_reference(g.in_offsets, g.in_src, short_bene, v, v, 0.5, 0.0, x), std::invalid_argument);
  const std::vector<std::uint32_t> far_src{0, 0, 7};  // beyond y_ext: only the reference checks
  EXPECT_THROW(pagerank_pull_reference(g.in_offsets, far_src, g.in_bene, v, v, 0.5, 0.0, x), std::invalid_argument);
  ExactSum r, d;
  const std::vector<std::uint8_t> short_dangling(2, 0);
  EXPECT_THROW(pagerank_finish(x, v, short_dangling, g.out_weight, y, r, d), std::invalid_argument);
}

// ---- pagerank_finish ----

// The exact sums equal the plain sums to rounding and, bit for bit, the exact sums of the same
// values added serially in reverse; y is x_new / out_weight (0 where dangling); any thread count.
TEST(PageRankFinish, ExactSumsAndNextValues) {
  const auto e = testing::random_graph(3, 9000, 60000, true);
  const Graph g = build_graph(9000, e.src, e.dst, e.weight);
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> u(0.0, 1e-3);
  std::vector<double> x_new(g.n), x_old(g.n);
  for (double& x : x_new) x = u(rng);
  for (double& x : x_old) x = u(rng);
  double plain_r = 0.0, plain_d = 0.0;
  ExactSum rev_r, rev_d;
  for (std::size_t i = 0; i < g.n; ++i) {
    plain_r += std::fabs(x_new[i] - x_old[i]);
    plain_d += g.dangling[i] ? x_new[i] : 0.0;
  }
  for (std::size_t i = g.n; i-- > 0;) {
    rev_r.add(std::fabs(x_new[i] - x_old[i]));
    if (g.dangling[i]) rev_d.add(x_new[i]);
  }
  ASSERT_GT(plain_d, 0.0);
  for (int threads : thread_counts()) {
    with_threads(threads, [&] {
      std::vector<double> y(g.n);
      ExactSum r, d;
      pagerank_finish(x_new, x_old, g.dangling, g.out_weight, y, r, d);
      EXPECT_LT(std::fabs(r.value() - plain_r), 1e-14 * plain_r);
      EXPECT_LT(std::fabs(d.value() - plain_d), 1e-14 * plain_d);
      EXPECT_EQ(std::bit_cast<std::uint64_t>(r.value()), std::bit_cast<std::uint64_t>(rev_r.value()));
      EXPECT_EQ(std::bit_cast<std::uint64_t>(d.value()), std::bit_cast<std::uint64_t>(rev_d.value()));
      for (std::size_t i = 0; i < g.n; ++i) ASSERT_EQ(y[i], g.dangling[i] ? 0.0 : x_new[i] / g.out_weight[i]) << i;
    });
  }
}

// ---- the iteration to convergence ----

TEST(PageRankPull, ConvergesToTheDensePowerIterationAndTheSerialSolver) {
  for (std::uint64_t seed = 1; seed <= 3; ++seed) {
    SCOPED_TRACE(seed);
    const std::size_t n = 300;
    const auto e = testing::random_graph(seed, n, 1500, /*duplicates_allowed=*/true);
    const auto v = random_personalization(seed, n);
    const auto dense = dense_power_iteration(n, e.src, e.dst, e.weight, v, 0.85);
    const Solution s = solve(build_graph(n, e.src, e.dst, e.weight), v, 0.85, 1e-13, 1000, {0, n});
    EXPECT_LT(s.residual, 1e-13);
    EXPECT_LT(max_rel_diff(s.x, dense), 1e-10);
    EXPECT_NEAR(std::accumulate(s.x.begin(), s.x.end(), 0.0), 1.0, 1e-12);
    const auto serial = pagerank_serial(n, e.src, e.dst, to_double(e.weight), v, 0.85, 1e-13, 1000, nullptr, nullptr);
    for (std::size_t i = 0; i < n; ++i) ASSERT_NEAR(serial[i], dense[i], 1e-12) << i;
  }
}

// The whole iteration gives the same bits for any thread count, any split of the vertices into
// parts (an empty part included) and with or without SIMD.
TEST(PageRankPull, BitIdenticalForAnyThreadCountSplitAndSimdPath) {
  const std::size_t n = 9000;
  const auto e = testing::random_graph(7, n, 60000, true);
  const Graph g = build_graph(n, e.src, e.dst, e.weight);
  const auto v = random_personalization(7, n);
  Solution first;
  with_threads(1, [&] { first = solve(g, v, 0.85, 1e-12, 200, {0, n}); });
  EXPECT_LT(first.residual, 1e-12);
  EXPECT_GT(first.iterations, 10);
  const std::vector<std::vector<std::size_t>> splits{{0, n}, {0, 4000, n}, {0, 1000, 3001, 8190, n}, {0, 2048, 2048, n}};
  for (int threads : thread_counts()) {
    for (const auto& cuts : splits) {
      for (const bool simd : {true, false}) {
        SCOPED_TRACE(::testing::Message() << threads << " threads, " << cuts.size() - 1 << " parts, simd " << simd);
        Solution s;
        with_threads(threads, [&] { s = solve(g, v, 0.85, 1e-12, 200, cuts, simd); });
        EXPECT_EQ(s.iterations, first.iterations);
        EXPECT_TRUE(same_bits(s.x, first.x));
        EXPECT_EQ(std::bit_cast<std::uint64_t>(s.residual), std::bit_cast<std::uint64_t>(first.residual));
      }
    }
  }
}

}  // namespace
}  // namespace signalrank::kernels
