// The collective driver of `signalrank partition`: computes assignments by any method for any
// part count and evaluates them, over all ranks of a communicator.
//
// Every rank holds the load model and the NPIs of all providers (16 bytes each) and, on the first
// evaluation, reads its own block of the directed graph (the blocks of `score`'s BlockLayout for
// this rank count), so each evaluation is one pass over the rank's edges and one MPI_Allreduce.
// block and hash are computed on every rank alike; graph runs METIS on rank 0 (METIS is serial),
// which reads the symmetrized graph on first use and keeps it until release_graph(), while the
// other ranks wait without spinning; the parts are then broadcast. The assignment is therefore
// the same for any rank count. METIS needs ~50 bytes per adjacency entry at its peak (national:
// ~10 GB), so callers run every graph assignment and release the graph before evaluating: the
// graph blocks are then not yet in memory while METIS runs.
#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "io/universe.hpp"
#include "partition/partitioner/assign.hpp"
#include "partition/comm.hpp"
#include "partition/layout.hpp"
#include "partition/partitioner/metis_partition.hpp"
#include "partition/partitioner/metrics.hpp"
#include "partition/partitioner/universe_graph.hpp"

namespace signalrank {

struct Assignment {
  PartitionMethod method = PartitionMethod::block;
  std::uint32_t parts = 0;
  std::vector<std::uint32_t> part;  // one per provider
  double seconds = 0;               // computing it (METIS time for graph; not the graph read)
};

class Partitioner {
 public:
  // Collective.
  Partitioner(const Comm& comm, const UniverseReader& universe, MetisOptions metis = {});

  std::uint64_t providers() const { return shape_.providers(); }
  const ProviderShape& shape() const { return shape_; }
  const std::vector<std::uint64_t>& npi() const { return npi_; }
  const BlockLayout& metric_layout() const { return metric_layout_; }
  const MetisOptions& metis_options() const { return metis_; }
  // Seconds rank 0 spent reading and symmetrizing the graph for METIS (0 until the first graph
  // assignment), and the size of that graph.
  double graph_build_seconds() const { return graph_build_seconds_; }
  std::uint64_t graph_undirected_edges() const { return graph_edges_; }
  // How `method` assigns parts, as stored with an assignment (for graph: the METIS options and the
  // weight scaling of the graph, known after the first graph assignment).
  std::string describe(PartitionMethod method) const;

  // Collective; returns the same assignment on every rank. 1 ≤ parts ≤ providers().
  Assignment assign(PartitionMethod method, std::uint32_t parts);
  // Collective. The first call reads this rank's graph block.
  PartitionMetrics evaluate(std::span<const std::uint32_t> part, std::uint32_t parts);
  PartitionCounts count(std::span<const std::uint32_t> part, std::uint32_t parts);
  // Frees rank 0's copy of the symmetrized graph.
  void release_graph() { graph_.reset(); }

 private:
  std::vector<std::uint32_t> graph_parts(std::uint32_t parts, double* metis_seconds);

  const Comm& comm_;
  const UniverseReader& universe_;
  MetisOptions metis_;
  ProviderShape shape_;
  std::vector<std::uint64_t> npi_;
  BlockLayout metric_layout_;
  std::optional<GraphBlock> block_;
  std::optional<SymmetricGraph> graph_;  // rank 0 only
  double graph_build_seconds_ = 0;
  std::uint64_t graph_edges_ = 0;
  double edge_weight_scale_ = 1, vertex_weight_scale_ = 1;
};

// Blocks until every rank of `comm` has called it, sleeping between polls instead of spinning
// (the ranks that wait for rank 0's METIS run leave their cores to others).
void wait_without_spinning(const Comm& comm);

}  // namespace signalrank
