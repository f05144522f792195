// Reading what `partition` needs from universe.h5 through UniverseReader: the load model, one
// rank's block of the directed graph (for the metrics) and the whole symmetrized graph (for METIS,
// on one rank). Edges are read in chunks of at most kEdgeChunk rows and packed into 32-bit CSR
// arrays as they arrive, so the transient row buffers stay small beside the result.
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "io/universe.hpp"
#include "partition/partitioner/metrics.hpp"
#include "partition/partitioner/symmetric_graph.hpp"

namespace signalrank {

constexpr std::uint64_t kEdgeChunk = 1ull << 23;  // 8 M edge rows per read

// The three CSR offset columns (claims, in-edges, out-edges; n + 1 values each).
struct ProviderShape {
  std::vector<std::uint64_t> claim_offsets, in_offsets, out_offsets;
  std::vector<std::uint64_t> work;  // claims + in + out per provider (partition/partitioner/assign.hpp)
  std::uint64_t providers() const { return work.size(); }
  std::uint64_t edges() const { return out_offsets.empty() ? 0 : out_offsets.back(); }
};
ProviderShape read_provider_shape(const UniverseReader& u);

// Vertices [lo, hi): out-edges (target, bene_count), in-edge sources, load = work + 1.
GraphBlock read_graph_block(const UniverseReader& u, const ProviderShape& shape, std::uint64_t lo, std::uint64_t hi);

// The whole symmetrized graph with the load model as vertex weights. Serial; one rank calls it.
SymmetricGraph read_symmetric_graph(const UniverseReader& u, const ProviderShape& shape);

// Identifies the graph an assignment was computed for: providers, edges and the xxh3-64 of the
// out_offsets column, e.g. "providers=2000 edges=40123 out_offsets_xxh3=1f0e...".
std::string graph_fingerprint(const ProviderShape& shape);

}  // namespace signalrank
