// The work plan of `score`: how providers are split over ranks, what each rank will hold, and an
// estimate of its peak memory, used by `score --dry-run` and to refuse runs that cannot fit.
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "io/units.hpp"  // human_bytes
#include "partition/layout.hpp"
#include "partition/partitioner/universe_graph.hpp"

namespace signalrank {

struct RankLoad {
  std::uint64_t providers = 0, claims = 0, in_edges = 0, out_edges = 0;
  std::uint64_t peak_bytes = 0;  // estimate
};

// `shape` (partition/partitioner/universe_graph.hpp): the CSR offsets of claims rows, in-edges and out-edges
// per provider, and their sum per provider (the load model), as rank 0 reads them once per run.

// The balanced split (claims rows + in-edges + out-edges per provider) for `ranks` ranks: the
// `block` partition of `signalrank partition` (partition/partitioner/assign.hpp) for that part count.
BlockLayout balanced_split(const ProviderShape& shape, int ranks);
// What each rank holds and its peak memory estimate (rank 0 also gathers the result) when every
// rank reads its block of `read` and provider g is then owned by rank part[g] (by the reader when
// `part` is empty: the block layout), with `threads` OpenMP threads per rank (each scans claims
// through its own window).
std::vector<RankLoad> rank_loads(const ProviderShape& shape, const BlockLayout& read, std::span<const std::uint32_t> part,
                                 int threads);
// The smallest rank count whose largest per-rank estimate fits in `bytes_per_rank`, or 0 if none
// up to 65,536 does.
int ranks_that_fit(const ProviderShape& shape, std::uint64_t bytes_per_rank, int threads);

// Memory available to one rank: the smallest of MemAvailable, the cgroup limit and Slurm's
// --mem / --mem-per-cpu, divided among the ranks on this node. SIGNALRANK_MEMORY_PER_RANK (bytes,
// or with a K/M/G suffix) overrides it.
std::uint64_t memory_per_rank(int ranks_on_node);

// This process's peak resident memory so far (getrusage), in bytes.
std::uint64_t peak_rss_bytes();

}  // namespace signalrank
