// Peer exposure: a hand-computed graph, the kernel against the per-neighbour reference on random
// graphs with ghosts, and bit-identical output for every thread count.
#include <gtest/gtest.h>

#include <random>
#include <stdexcept>
#include <vector>

#include "kernels/exposure.hpp"
#include "kernel_test_support.hpp"

namespace signalrank::kernels {
namespace {

using testing::Csr;
using testing::make_csr;
using testing::same_bits;
using testing::thread_counts;
using testing::with_threads;

struct Graph {
  Csr out, in;
};

Graph both_directions(std::size_t n, const std::vector<std::uint32_t>& src,
                      const std::vector<std::uint32_t>& dst, const std::vector<std::uint32_t>& w) {
  return {make_csr(n, src, dst, w), make_csr(n, dst, src, w)};
}

std::vector<double> run(const Graph& g, const std::vector<std::uint8_t>& active, bool reference) {
  std::vector<double> exposure(g.out.offsets.size() - 1);
  (reference ? peer_exposure_reference : peer_exposure)(
      g.out.offsets, g.out.neighbour, g.out.weight, g.in.offsets, g.in.neighbour, g.in.weight,
      active, exposure);
  return exposure;
}

// 0 -> 1 (5), 1 -> 0 (3), 0 -> 2 (2), 3 -> 1 (1), 3 -> 2 (3); vertex 4 has no edges.
// Active: only vertex 1.
//   0: s_01 = 5 + 3 = 8 (active), s_02 = 2      => 8 / 10 = 0.8
//   1: s_10 = 8, s_13 = 1, neither active       => 0
//   2: s_20 = 2, s_23 = 3                        => 0
//   3: s_31 = 1 (active), s_32 = 3              => 1 / 4 = 0.25
//   4: no edges                                  => 0
TEST(PeerExposure, HandComputed) {
  const Graph g = both_directions(5, {0, 1, 0, 3, 3}, {1, 0, 2, 1, 2}, {5, 3, 2, 1, 3});
  const std::vector<std::uint8_t> active{0, 1, 0, 0, 0};
  const std::vector<double> expected{0.8, 0.0, 0.0, 0.25, 0.0};
  EXPECT_EQ(run(g, active, false), expected);
  EXPECT_EQ(run(g, active, true), expected);
  // Everyone active: every vertex with edges has exposure 1, vertex 4 stays 0.
  const std::vector<std::uint8_t> all{1, 1, 1, 1, 1};
  EXPECT_EQ(run(g, all, false), (std::vector<double>{1, 1, 1, 1, 0}));
}

TEST(PeerExposure, RejectsMismatchedCsr) {
  const Graph g = both_directions(3, {0}, {1}, {4});
  const std::vector<std::uint8_t> active{1, 1, 1};
  std::vector<double> exposure(2);  // one short
  EXPECT_THROW(peer_exposure(g.out.offsets, g.out.neighbour, g.out.weight, g.in.offsets,
                             g.in.neighbour, g.in.weight, active, exposure),
               std::invalid_argument);
}

// Owned vertices [first, last) of a random graph with neighbour indices into an ext array of
// owned then ghost vertices (here simply: global IDs, ext = all vertices).
struct OwnedGraph {
  Graph g;
  std::vector<std::uint8_t> active_ext;
};

OwnedGraph random_owned(std::uint64_t seed, std::size_t n, std::size_t edges, std::size_t owned) {
  const auto e = testing::random_graph(seed, n, edges, /*duplicates_allowed=*/false);
  OwnedGraph o;
  o.g = both_directions(n, e.src, e.dst, e.weight);
  // Keep the first `owned` lists; neighbours keep their global index into active_ext.
  for (Csr* c : {&o.g.out, &o.g.in}) {
    c->offsets.resize(owned + 1);
    c->neighbour.resize(c->offsets.back());
    c->weight.resize(c->offsets.back());
  }
  std::mt19937_64 rng(seed * 7 + 1);
  std::bernoulli_distribution on(0.4);
  for (std::size_t i = 0; i < n; ++i) o.active_ext.push_back(on(rng) ? 1 : 0);
  return o;
}

TEST(PeerExposure, KernelMatchesReferenceOnRandomGraphs) {
  for (std::uint64_t seed = 1; seed <= 6; ++seed) {
    SCOPED_TRACE(seed);
    const OwnedGraph o = random_owned(seed, 8000, 50000, 6000);
    const auto got = run(o.g, o.active_ext, false);
    const auto ref = run(o.g, o.active_ext, true);
    EXPECT_TRUE(same_bits(got, ref));  // integer sums: exact, so equal to the bit
    std::size_t fractional = 0;
    for (double x : got) fractional += x > 0.0 && x < 1.0;
    EXPECT_GT(fractional, 1000u);
  }
}

TEST(PeerExposure, BitIdenticalForAnyThreadCount) {
  const OwnedGraph o = random_owned(42, 20000, 150000, 20000);
  std::vector<double> first;
  with_threads(1, [&] { first = run(o.g, o.active_ext, false); });
  for (int threads : thread_counts()) {
    std::vector<double> got;
    with_threads(threads, [&] { got = run(o.g, o.active_ext, false); });
    EXPECT_TRUE(same_bits(got, first)) << threads;
  }
}

}  // namespace
}  // namespace signalrank::kernels
