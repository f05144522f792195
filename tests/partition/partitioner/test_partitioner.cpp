// The partitioner of `signalrank partition` at 1, 2 and 3 ranks: metrics against hand-computed
// values and against the serial reference, the symmetrized graph METIS sees, METIS against hash on
// a graph with planted communities (and the same parts whichever rank computes them), block
// assignments equal to score's BlockLayout split, and the documented hash.
#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <random>
#include <set>

#include "io/npi.hpp"
#include "io/universe.hpp"
#include "partition/partitioner/assign.hpp"
#include "partition/partitioner/metis_partition.hpp"
#include "partition/partitioner/metrics.hpp"
#include "partition/partitioner/partitioner.hpp"
#include "partition/partitioner/symmetric_graph.hpp"
#include "partition/partitioner/universe_graph.hpp"
#include "src/pipeline/plan.hpp"

using namespace signalrank;

namespace {

Providers make_providers(std::size_t n) {
  Providers p;
  p.specialty_names = {"Family Medicine"};
  for (std::size_t i = 0; i < n; ++i) {
    p.npi.push_back(npi_from_body(100000000 + 7919 * i));
    p.entity_type.push_back(1);
    p.taxonomy.push_back({'2', '0', '7', 'Q', '0', '0', '0', '0', '0', 'X'});
    p.specialty.push_back(0);
    p.state.push_back({'O', 'H'});
    p.zip5.push_back({'4', '4', '1', '0', '1'});
  }
  p.sort_by_npi();
  return p;
}

// A universe with `n` providers, these edges (distinct, no self-loops) and claims[i] claim rows of
// provider i, written collectively (rank 0 holds every row). Its path differs per rank count, so
// the registrations at 1, 2 and 3 ranks can run at the same time.
std::string write_test_universe(const Comm& comm, const std::string& name, std::size_t n,
                                const std::vector<DirectedEdge>& edges, const std::vector<std::uint32_t>& claims) {
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("signalrank_test_partitioner_" + name + "_" + std::to_string(comm.size()) + ".h5"))
                               .string();
  std::vector<ClaimRow> claim_rows;
  std::vector<EdgeRow> edge_rows;
  if (comm.root()) {
    for (std::uint32_t i = 0; i < claims.size(); ++i)
      for (std::uint32_t k = 0; k < claims[i]; ++k) claim_rows.push_back({i, 2800 + static_cast<std::int32_t>(k), 0, 1, 1});
    for (const DirectedEdge& e : edges) edge_rows.push_back({e.src, e.dst, e.weight, e.weight, 0});
  }
  UniverseMeta meta;
  meta.source = "test";
  write_universe(comm, path, make_providers(n), {{CodeSystem::CPT, "33361"}}, claim_rows, edge_rows, meta);
  return path;
}

// Load model per provider from an edge list and claim counts (claims + in + out + 1).
std::vector<std::uint64_t> loads_of(std::size_t n, const std::vector<DirectedEdge>& edges,
                                    const std::vector<std::uint32_t>& claims) {
  std::vector<std::uint64_t> load(n, 1);
  for (std::size_t i = 0; i < claims.size(); ++i) load[i] += claims[i];
  for (const auto& e : edges) {
    load[e.src] += 1;
    load[e.dst] += 1;
  }
  return load;
}

// The whole graph as one block (what a single rank holds).
GraphBlock whole_block(std::size_t n, std::vector<DirectedEdge> edges, const std::vector<std::uint64_t>& load) {
  GraphBlock b;
  b.lo = 0;
  b.hi = n;
  b.load = load;
  std::sort(edges.begin(), edges.end(), [](auto& a, auto& c) { return std::tie(a.src, a.dst) < std::tie(c.src, c.dst); });
  b.out_offsets.assign(n + 1, 0);
  for (const auto& e : edges) {
    b.out_offsets[e.src + 1]++;
    b.out_dst.push_back(e.dst);
    b.out_weight.push_back(e.weight);
  }
  std::sort(edges.begin(), edges.end(), [](auto& a, auto& c) { return std::tie(a.dst, a.src) < std::tie(c.dst, c.src); });
  b.in_offsets.assign(n + 1, 0);
  for (const auto& e : edges) {
    b.in_offsets[e.dst + 1]++;
    b.in_src.push_back(e.src);
  }
  for (std::size_t i = 0; i < n; ++i) {
    b.out_offsets[i + 1] += b.out_offsets[i];
    b.in_offsets[i + 1] += b.in_offsets[i];
  }
  return b;
}

// Two directed 4-cliques {0,1,2,3} and {4,5,6,7} (every ordered pair, weight 20) joined by the one
// edge 3→4 (weight 50); provider 0 has 10 claim rows.
struct TwoCliques {
  std::vector<DirectedEdge> edges;
  std::vector<std::uint32_t> claims = {10, 0, 0, 0, 0, 0, 0, 0};
  std::vector<std::uint32_t> part = {0, 0, 0, 0, 1, 1, 1, 1};
  TwoCliques() {
    for (std::uint32_t base : {0u, 4u})
      for (std::uint32_t a = base; a < base + 4; ++a)
        for (std::uint32_t b = base; b < base + 4; ++b)
          if (a != b) edges.push_back({a, b, 20});
    edges.push_back({3, 4, 50});
  }
};

// The counts worked out by hand for TwoCliques with parts {0..3}, {4..7}:
//   cut: the bridge only (1 edge, weight 50);
//   PageRank halo: part 1 pulls x_3 (3→4); part 0 pulls nothing   → 1 value, max 1;
//   exposure halo: part 1 needs 3, part 0 needs 4                   → 2 values;
//   combined halo: vertex 4 receives one partial sum from part 0   → 1;
//   load: clique vertices 3 in + 3 out + 1 = 7; vertex 3 has 4 out → 8; vertex 4 has 4 in → 8;
//         vertex 0 has 10 claims → 17. Part 0: 17 + 7 + 7 + 8 = 39; part 1: 8 + 7 + 7 + 7 = 29.
void expect_two_cliques_counts(const PartitionCounts& c) {
  EXPECT_EQ(c.edges, 25u);
  EXPECT_EQ(c.edge_weight, 24u * 20u + 50u);
  EXPECT_EQ(c.cut_edges, 1u);
  EXPECT_EQ(c.cut_weight, 50u);
  EXPECT_EQ(c.halo, (std::vector<std::uint64_t>{0, 1}));
  EXPECT_EQ(c.exposure, (std::vector<std::uint64_t>{1, 1}));
  EXPECT_EQ(c.combined, (std::vector<std::uint64_t>{0, 1}));
  EXPECT_EQ(c.vertices, (std::vector<std::uint64_t>{4, 4}));
  EXPECT_EQ(c.load, (std::vector<std::uint64_t>{39, 29}));
  const PartitionMetrics m = summarize(c);
  EXPECT_EQ(m.halo_values, 1u);
  EXPECT_EQ(m.halo_bytes(), 8u);
  EXPECT_EQ(m.exposure_values, 2u);
  EXPECT_DOUBLE_EQ(m.cut_fraction, 1.0 / 25.0);
  EXPECT_DOUBLE_EQ(m.load_imbalance, 39.0 / 34.0);
  EXPECT_DOUBLE_EQ(m.vertex_imbalance, 1.0);
}

// k communities of `size` vertices: `inside` out-edges to random members of the own community,
// `outside` to random vertices anywhere. Vertex ids interleave the communities (community = id % k)
// so that contiguous blocks know nothing of them.
std::vector<DirectedEdge> planted_communities(std::uint32_t k, std::uint32_t size, int inside, int outside,
                                              std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  const std::uint32_t n = k * size;
  std::set<std::pair<std::uint32_t, std::uint32_t>> seen;
  std::vector<DirectedEdge> edges;
  auto add = [&](std::uint32_t a, std::uint32_t b) {
    if (a != b && seen.insert({a, b}).second) edges.push_back({a, b, static_cast<std::uint32_t>(11 + rng() % 30)});
  };
  for (std::uint32_t v = 0; v < n; ++v) {
    for (int e = 0; e < inside; ++e) add(v, static_cast<std::uint32_t>((rng() % size) * k + v % k));
    for (int e = 0; e < outside; ++e) add(v, static_cast<std::uint32_t>(rng() % n));
  }
  return edges;
}

}  // namespace

// ---- metrics -------------------------------------------------------------------------------------

TEST(PartitionMetrics, TwoCliquesByHand) {
  TwoCliques g;
  const auto load = loads_of(8, g.edges, g.claims);
  expect_two_cliques_counts(count_reference(load, g.edges, g.part, 2));
  expect_two_cliques_counts(count_block(whole_block(8, g.edges, load), g.part, 2));
}

TEST(PartitionMetrics, TwoCliquesFromTheUniverseOnEveryRankCount) {
  // Eight providers fit one ownership block: rank 0 counts everything, the others count nothing
  // and still take part in the reduction.
  Comm comm;
  TwoCliques g;
  const std::string path = write_test_universe(comm, "cliques", 8, g.edges, g.claims);
  UniverseReader u(comm, path);
  Partitioner partitioner(comm, u);
  expect_two_cliques_counts(partitioner.count(g.part, 2));
  // The block split of 8 providers into 2 parts: one 1,024-provider block, so part 1 is empty.
  const Assignment block = partitioner.assign(PartitionMethod::block, 2);
  EXPECT_EQ(block.part, std::vector<std::uint32_t>(8, 0));
  const PartitionMetrics m = partitioner.evaluate(block.part, 2);
  EXPECT_EQ(m.cut_edges, 0u);
  EXPECT_EQ(m.halo_values, 0u);
  EXPECT_DOUBLE_EQ(m.load_imbalance, 2.0);  // all of the load in one of two parts
  EXPECT_EQ(m.min_part_vertices, 0u);
}

TEST(PartitionMetrics, DistributedEqualsTheSerialReference) {
  // 5,000 providers (five ownership blocks, so every rank owns some at 3 ranks), a skewed random
  // graph and assignments of every method, plus a random one.
  Comm comm;
  const std::uint32_t n = 5000;
  std::mt19937_64 rng(11);
  std::set<std::pair<std::uint32_t, std::uint32_t>> seen;
  std::vector<DirectedEdge> edges;
  for (int k = 0; k < 40000; ++k) {
    // Targets concentrated on low ids (hubs), sources uniform.
    const auto a = static_cast<std::uint32_t>(rng() % n);
    const auto b = static_cast<std::uint32_t>((rng() % n) * (rng() % n) / n);
    if (a != b && seen.insert({a, b}).second) edges.push_back({a, b, static_cast<std::uint32_t>(11 + rng() % 100)});
  }
  std::vector<std::uint32_t> claims(n);
  for (auto& c : claims) c = static_cast<std::uint32_t>(rng() % 7);
  const auto load = loads_of(n, edges, claims);
  const std::string path = write_test_universe(comm, "random", n, edges, claims);
  UniverseReader u(comm, path);
  Partitioner partitioner(comm, u);
  ASSERT_EQ(partitioner.shape().work.size(), n);
  for (std::uint32_t i = 0; i < n; ++i) ASSERT_EQ(provider_load(partitioner.shape().work[i]), load[i]);

  const GraphBlock whole = whole_block(n, edges, load);
  for (std::uint32_t parts : {1u, 3u, 64u}) {
    std::vector<std::vector<std::uint32_t>> assignments;
    for (PartitionMethod m : {PartitionMethod::block, PartitionMethod::hash, PartitionMethod::graph})
      assignments.push_back(partitioner.assign(m, parts).part);
    std::vector<std::uint32_t> random(n);
    for (auto& p : random) p = static_cast<std::uint32_t>(rng() % parts);
    assignments.push_back(random);
    for (const auto& part : assignments) {
      const PartitionCounts expected = count_reference(load, edges, part, parts);
      EXPECT_EQ(partitioner.count(part, parts), expected) << parts << " parts";
      // The OpenMP kernel alone, on the whole graph, with 1 and 2 threads.
      for (int threads : {1, 2}) {
        omp_set_num_threads(threads);
        EXPECT_EQ(count_block(whole, part, parts), expected) << threads << " threads";
      }
    }
  }
}

// ---- the graph METIS sees ------------------------------------------------------------------------

TEST(SymmetricGraph, MergesBothDirectionsAndDropsSelfLoops) {
  // 0→1 (5), 1→0 (7), 0→2 (3), 2→2 (a self-loop, 9): vertex 0 has neighbours 1 (12) and 2 (3).
  SymmetricGraphBuilder b(3, 8);
  const std::vector<std::uint32_t> out0{1, 2}, w_out0{5, 3}, in0{1}, w_in0{7};
  b.add_vertex(out0, w_out0, in0, w_in0, 4);
  const std::vector<std::uint32_t> out1{0}, w_out1{7}, in1{0}, w_in1{5};
  b.add_vertex(out1, w_out1, in1, w_in1, 2);
  const std::vector<std::uint32_t> out2{2}, w_out2{9}, in2{0, 2}, w_in2{3, 9};
  b.add_vertex(out2, w_out2, in2, w_in2, 1);
  const SymmetricGraph g = b.finish();
  EXPECT_EQ(g.offsets, (std::vector<std::int32_t>{0, 2, 3, 4}));
  EXPECT_EQ(g.adjacency, (std::vector<std::int32_t>{1, 2, 0, 0}));
  EXPECT_EQ(g.edge_weight, (std::vector<std::int32_t>{12, 3, 12, 3}));
  EXPECT_EQ(g.vertex_weight, (std::vector<std::int32_t>{4, 2, 1}));
  EXPECT_EQ(g.undirected_edges(), 2u);
  EXPECT_DOUBLE_EQ(g.edge_weight_scale, 1.0);
}

TEST(SymmetricGraph, ScalesHugeWeightsSymmetricallyIntoMetisRange) {
  // Total adjacency weight 2 × (2^30 + 2^29 + 10) > 2^30: scaled, symmetric, never below 1.
  SymmetricGraphBuilder b(3, 6);
  const std::uint32_t big = 1u << 30, mid = 1u << 29;
  const std::vector<std::uint32_t> n0{1, 2}, w0{big, 10}, none{}, nw{};
  b.add_vertex(n0, w0, none, nw, 1);
  const std::vector<std::uint32_t> out1{2}, w_out1{mid}, in1{0}, w_in1{big};
  b.add_vertex(out1, w_out1, in1, w_in1, 1);
  const std::vector<std::uint32_t> in2{0, 1}, w_in2{10, mid};
  b.add_vertex(none, nw, in2, w_in2, 1);
  const SymmetricGraph g = b.finish();
  EXPECT_LT(g.edge_weight_scale, 1.0);
  std::uint64_t total = 0;
  for (auto w : g.edge_weight) {
    EXPECT_GE(w, 1);
    total += static_cast<std::uint64_t>(w);
  }
  EXPECT_LE(total, SymmetricGraphBuilder::kMaxTotalWeight + g.edge_weight.size());
  // Symmetric: w(0,1) at 0 equals w(1,0) at 1, and so on.
  EXPECT_EQ(g.edge_weight[0], g.edge_weight[2]);  // 0-1
  EXPECT_EQ(g.edge_weight[1], g.edge_weight[4]);  // 0-2
  EXPECT_EQ(g.edge_weight[3], g.edge_weight[5]);  // 1-2
}

// ---- methods -------------------------------------------------------------------------------------

TEST(PartitionMethods, HashIsTheDocumentedMix) {
  // splitmix64's first output for state 0 (a published test vector).
  EXPECT_EQ(mix64(0), 0xe220a8397b1dcdafull);
  const std::vector<std::uint64_t> npi{1000000004, 1234567893, 1003000126};
  const auto part = hash_partition(npi, 7);
  for (std::size_t i = 0; i < npi.size(); ++i) EXPECT_EQ(part[i], mix64(npi[i]) % 7);
  EXPECT_EQ(parse_method("hash"), PartitionMethod::hash);
  EXPECT_FALSE(parse_method("metis").has_value());
}

TEST(PartitionMethods, BlockIsScoresBlockLayout) {
  Comm comm;
  const std::uint32_t n = 6000;
  std::mt19937_64 rng(3);
  std::vector<DirectedEdge> edges;
  std::set<std::pair<std::uint32_t, std::uint32_t>> seen;
  for (int k = 0; k < 30000; ++k) {
    // Heavy providers at the front: the balanced split differs from an equal-count one.
    const auto a = static_cast<std::uint32_t>(rng() % (n / 4)), b = static_cast<std::uint32_t>(rng() % n);
    if (a != b && seen.insert({a, b}).second) edges.push_back({a, b, 20});
  }
  std::vector<std::uint32_t> claims(n, 1);
  const std::string path = write_test_universe(comm, "block", n, edges, claims);
  UniverseReader u(comm, path);
  Partitioner partitioner(comm, u);
  const ProviderShape shape = read_provider_shape(u);
  for (std::uint32_t parts : {1u, 2u, 3u, 4u, 5u, 6u}) {
    const BlockLayout expected = balanced_split(shape, static_cast<int>(parts));
    const Assignment a = partitioner.assign(PartitionMethod::block, parts);
    ASSERT_EQ(a.part.size(), n);
    for (int r = 0; r < expected.ranks(); ++r)
      for (std::uint64_t i = expected.begin(r); i < expected.end(r); ++i)
        ASSERT_EQ(a.part[i], static_cast<std::uint32_t>(r)) << parts << " parts, provider " << i;
    if (parts == 2) {
      EXPECT_LT(expected.begin(1), 3 * kOwnershipBlock);  // weighted, not by count
    }
  }
}

TEST(PartitionMethods, MetisCutsPlantedCommunitiesFarBetterThanHash) {
  Comm comm;
  const std::uint32_t k = 8, size = 600, n = k * size;
  const auto edges = planted_communities(k, size, 16, 1, 5);
  const std::string path = write_test_universe(comm, "communities", n, edges, std::vector<std::uint32_t>(n, 2));
  UniverseReader u(comm, path);
  Partitioner partitioner(comm, u);
  const Assignment graph = partitioner.assign(PartitionMethod::graph, k);
  const Assignment hash = partitioner.assign(PartitionMethod::hash, k);
  ASSERT_EQ(graph.part.size(), n);
  for (std::uint32_t p : graph.part) ASSERT_LT(p, k);
  const PartitionMetrics g = partitioner.evaluate(graph.part, k), h = partitioner.evaluate(hash.part, k);
  // ~1/17 of the edges leave their community; hash cuts 7/8 of all edges.
  EXPECT_LT(g.cut_fraction, 0.10);
  EXPECT_GT(h.cut_fraction, 0.80);
  EXPECT_LT(5 * g.cut_edges, h.cut_edges);
  EXPECT_LT(3 * g.halo_values, h.halo_values);
  EXPECT_LE(g.load_imbalance, 1.0 + MetisOptions{}.ufactor / 1000.0 + 0.01);
  // Every rank got rank 0's result, and it is what METIS gives on the graph read serially here.
  const ProviderShape shape = read_provider_shape(u);
  const MetisResult serial = metis_partition(read_symmetric_graph(u, shape), k);
  EXPECT_EQ(graph.part, serial.part);
  // The same options give the same parts.
  EXPECT_EQ(partitioner.assign(PartitionMethod::graph, k).part, graph.part);
}
