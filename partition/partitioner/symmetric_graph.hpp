// The undirected referral graph that METIS partitions. From the directed graph of universe.h5
// (deduplicated, no self-loops, out-edges sorted by target and in-edges sorted by source):
//
//   neighbours(a) = out(a) ∪ in(a)   (each neighbour once; a pair linked both ways is one edge)
//   weight(a, b)  = w_ab + w_ba      (bene_count; 0 for a direction that does not exist)
//   weight(a)     = the load model (claims + in + out + 1, partition/partitioner/assign.hpp)
//
// Both lists of a vertex are sorted, so the union is one merge: linear time, no sort, no map.
// Arrays are 32-bit (METIS idx_t in Debian's build). METIS sums weights in idx_t, so when the
// total edge weight (each edge counted from both ends) or the total vertex weight exceeds 2^30,
// finish() scales them down proportionally (a weight never drops below 1) and records the factor.
#pragma once
#include <cstdint>
#include <span>
#include <vector>

namespace signalrank {

struct SymmetricGraph {
  std::vector<std::int32_t> offsets;        // n + 1
  std::vector<std::int32_t> adjacency;      // neighbours of each vertex, ascending
  std::vector<std::int32_t> edge_weight;    // parallel to adjacency (symmetric)
  std::vector<std::int32_t> vertex_weight;  // n
  double edge_weight_scale = 1.0;           // stored weight = max(1, round(true weight × scale))
  double vertex_weight_scale = 1.0;
  std::uint64_t true_edge_weight = 0;       // Σ w over adjacency entries before scaling (2 × per edge)
  std::uint64_t true_vertex_weight = 0;

  std::uint64_t vertices() const { return offsets.empty() ? 0 : offsets.size() - 1; }
  std::uint64_t undirected_edges() const { return adjacency.size() / 2; }
};

// Builds a SymmetricGraph vertex by vertex, in vertex order.
class SymmetricGraphBuilder {
 public:
  static constexpr std::uint64_t kMaxTotalWeight = 1ull << 30;

  // `vertices`: the final count n (vertex ids must be < n); `entries_hint`: an upper bound on the
  // adjacency length (out + in edges) to reserve, or 0. Throws std::length_error when n or the
  // adjacency would not fit 32-bit METIS indices.
  SymmetricGraphBuilder(std::uint64_t vertices, std::uint64_t entries_hint);

  // The next vertex: its out-neighbours (ascending) with their w_ab, its in-neighbours
  // (ascending) with their w_ba, and its load.
  void add_vertex(std::span<const std::uint32_t> out_dst, std::span<const std::uint32_t> out_w,
                  std::span<const std::uint32_t> in_src, std::span<const std::uint32_t> in_w, std::uint64_t load);

  std::uint64_t added() const { return g_.offsets.size() - 1; }
  // Scales the weights if needed (see the file comment). Every vertex must have been added.
  SymmetricGraph finish();

 private:
  void push(std::uint32_t v, std::uint64_t w);

  std::uint64_t n_;
  SymmetricGraph g_;
};

}  // namespace signalrank
