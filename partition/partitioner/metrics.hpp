// What an assignment part[i] in [0, P) of the directed referral graph costs a distributed run in
// which part p is one rank:
//
//   edge cut         directed edges a→b with part[a] ≠ part[b]: their count and bene_count weight.
//   PageRank halo    Σ_p |{ j ∉ p : ∃ j→i with i ∈ p }|, the ghost values all parts receive per
//                    PageRank iteration (the pull iteration reads in-neighbours). 8 bytes each.
//   exposure halo    the same with edges of either direction (peer exposure reads all neighbours).
//   combined halo    Σ_p |{ (i, q) : i ∈ p, q ≠ p, ∃ j→i with j ∈ q }|: the values per iteration if
//                    each part instead summed its contributions to every remote target and sent one
//                    partial sum per (target, part) (a push/combine exchange, HaloPlan's reverse
//                    direction). Fewer than the pull halo when remote edges converge on hubs.
//   load imbalance   max_p load_p / mean_p load_p, load = claims + in + out + 1 (partition/partitioner/assign.hpp);
//                    vertex imbalance: max_p n_p / mean_p n_p.
//
// Both halos are counted from the sending side: vertex j is sent once to every other part that
// holds a neighbour of j, so a rank needs only its own vertices' out- and in-lists to count its
// contribution. count_block() is the OpenMP kernel over one rank's block of vertices (pure);
// count_distributed() adds the blocks of all ranks (MPI); count_reference() is a deliberately
// different serial computation (sets of (part, ghost) pairs over an edge list) for the tests.
#pragma once
#include <cstdint>
#include <span>
#include <vector>

#include "partition/comm.hpp"

namespace signalrank {

// One rank's slice of the directed graph: vertices [lo, hi) with their out-edges (target,
// bene_count) and in-edge sources, as CSR with offsets from 0; load per vertex.
struct GraphBlock {
  std::uint64_t lo = 0, hi = 0;
  std::vector<std::uint64_t> out_offsets{0}, in_offsets{0};  // hi - lo + 1
  std::vector<std::uint32_t> out_dst, out_weight, in_src;
  std::vector<std::uint64_t> load;  // hi - lo
  std::uint64_t vertices() const { return hi - lo; }
};

// Additive counts: the counts of disjoint vertex blocks sum to those of their union.
struct PartitionCounts {
  std::uint32_t parts = 0;
  std::uint64_t edges = 0, edge_weight = 0, cut_edges = 0, cut_weight = 0;
  std::vector<std::uint64_t> vertices, load, halo, exposure, combined;  // per (receiving) part

  explicit PartitionCounts(std::uint32_t p = 0)
      : parts(p), vertices(p), load(p), halo(p), exposure(p), combined(p) {}
  void add(const PartitionCounts& o);
  friend bool operator==(const PartitionCounts&, const PartitionCounts&) = default;
};

struct PartitionMetrics {
  std::uint32_t parts = 0;
  std::uint64_t vertices = 0, edges = 0, edge_weight = 0;
  std::uint64_t cut_edges = 0, cut_weight = 0;
  double cut_fraction = 0, cut_weight_fraction = 0;  // of all edges / all weight
  std::uint64_t halo_values = 0, halo_max_part = 0;  // PageRank halo: total, largest part
  std::uint64_t exposure_values = 0, exposure_max_part = 0;
  std::uint64_t combined_values = 0, combined_max_part = 0;
  double load_imbalance = 0, vertex_imbalance = 0;  // max / mean over parts
  std::uint64_t max_part_vertices = 0, min_part_vertices = 0;
  std::uint64_t halo_bytes() const { return 8 * halo_values; }  // float64 values per iteration
};
PartitionMetrics summarize(const PartitionCounts& c);

// The counts of the vertices of `block`. `part` holds the part of every vertex of the graph (all
// n), each < parts. OpenMP over vertices; integer sums only, so the result is exact for any thread
// count.
PartitionCounts count_block(const GraphBlock& block, std::span<const std::uint32_t> part, std::uint32_t parts);

// Every rank passes its own block (blocks disjoint, covering the graph); every rank gets the total.
PartitionCounts count_distributed(const Comm& comm, const GraphBlock& block, std::span<const std::uint32_t> part,
                                  std::uint32_t parts);

struct DirectedEdge {
  std::uint32_t src, dst, weight;
};
// Serial reference over a whole edge list (distinct edges, no self-loops) and the load per vertex.
PartitionCounts count_reference(std::span<const std::uint64_t> load, std::span<const DirectedEdge> edges,
                                std::span<const std::uint32_t> part, std::uint32_t parts);

}  // namespace signalrank
