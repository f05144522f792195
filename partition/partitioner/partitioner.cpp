#include "partition/partitioner/partitioner.hpp"

#include <mpi.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <stdexcept>
#include <string>

#include "io/agree.hpp"
#include "io/error.hpp"

namespace signalrank {

namespace {
double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}
}  // namespace

void wait_without_spinning(const Comm& comm) {
  if (comm.size() == 1) return;
  MPI_Request req;
  MPI_Ibarrier(comm.raw(), &req);
  int done = 0;
  MPI_Test(&req, &done, MPI_STATUS_IGNORE);
  while (!done) {
    usleep(2000);
    MPI_Test(&req, &done, MPI_STATUS_IGNORE);
  }
}

Partitioner::Partitioner(const Comm& comm, const UniverseReader& universe, MetisOptions metis)
    : comm_(comm), universe_(universe), metis_(metis) {
  shape_ = read_provider_shape(universe);
  npi_ = universe.read_providers().npi;
  // The metrics are counted over the same contiguous blocks `score` would own at this rank count.
  metric_layout_ = BlockLayout(shape_.providers(), comm.size(), shape_.work);
}

Assignment Partitioner::assign(PartitionMethod method, std::uint32_t parts) {
  if (parts < 1 || parts > providers())
    throw std::invalid_argument("part count " + std::to_string(parts) + " outside 1.." + std::to_string(providers()));
  Assignment a;
  a.method = method;
  a.parts = parts;
  const auto t0 = std::chrono::steady_clock::now();
  switch (method) {
    case PartitionMethod::block: a.part = parts_of(block_layout(shape_.work, parts)); break;
    case PartitionMethod::hash: a.part = hash_partition(npi_, parts); break;
    case PartitionMethod::graph: a.part = graph_parts(parts, &a.seconds); return a;
  }
  a.seconds = seconds_since(t0);
  return a;
}

std::vector<std::uint32_t> Partitioner::graph_parts(std::uint32_t parts, double* metis_seconds) {
  std::vector<std::uint32_t> part;
  // graph build seconds, this METIS run's seconds, the graph's two weight scales
  std::vector<double> facts{0.0, 0.0, 1.0, 1.0};
  std::string error;
  int code = kExitOk;
  if (comm_.root()) {
    try {
      if (!graph_) {
        const auto t_read = std::chrono::steady_clock::now();
        graph_ = read_symmetric_graph(universe_, shape_);
        graph_build_seconds_ = seconds_since(t_read);
        graph_edges_ = graph_->undirected_edges();
      }
      const auto t_metis = std::chrono::steady_clock::now();
      part = metis_partition(*graph_, parts, metis_).part;
      facts = {graph_build_seconds_, seconds_since(t_metis), graph_->edge_weight_scale, graph_->vertex_weight_scale};
    } catch (const std::exception& e) {
      // A damaged universe names itself; anything else (METIS out of memory, say) is named here.
      error = (dynamic_cast<const InputError*>(&e) ? "" : "partition --method graph: ") + std::string(e.what());
      code = exit_code_of(e);
    }
  }
  wait_without_spinning(comm_);
  // The failure is raised on every rank with rank 0's message and exit code.
  comm_.bcast(error);
  std::vector<int> shared_code{code};
  comm_.bcast(shared_code);
  if (!error.empty()) throw RelayedError(error, shared_code[0]);
  comm_.bcast(part);
  comm_.bcast(facts);
  graph_build_seconds_ = facts[0];
  *metis_seconds = facts[1];
  edge_weight_scale_ = facts[2];
  vertex_weight_scale_ = facts[3];
  graph_edges_ = comm_.max(graph_edges_);
  return part;
}

std::string Partitioner::describe(PartitionMethod method) const {
  switch (method) {
    case PartitionMethod::block:
      return "BlockLayout: contiguous NPI ranges balanced on load = claims + in + out + 1, boundaries on multiples of " +
             std::to_string(kOwnershipBlock);
    case PartitionMethod::hash: return "part = splitmix64(npi) mod parts";
    case PartitionMethod::graph: {
      char scales[96];
      std::snprintf(scales, sizeof scales, "; edge weight scale %.6g, vertex weight scale %.6g", edge_weight_scale_,
                    vertex_weight_scale_);
      return signalrank::describe(metis_) +
             "; symmetrized graph, edge weight = bene_count(a,b) + bene_count(b,a), vertex weight = claims + in + out + 1" +
             scales;
    }
  }
  return "";
}

PartitionCounts Partitioner::count(std::span<const std::uint32_t> part, std::uint32_t parts) {
  if (!block_)
    agree_on_errors(comm_, [&] {
      block_ = read_graph_block(universe_, shape_, metric_layout_.begin(comm_.rank()), metric_layout_.end(comm_.rank()));
    });
  return count_distributed(comm_, *block_, part, parts);
}

PartitionMetrics Partitioner::evaluate(std::span<const std::uint32_t> part, std::uint32_t parts) {
  return summarize(count(part, parts));
}

}  // namespace signalrank
