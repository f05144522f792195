// The `graph` method: METIS multilevel k-way partitioning (METIS_PartGraphKway) of the symmetrized
// referral graph (partition/partitioner/symmetric_graph.hpp), minimising the bene_count weight of the cut
// edges subject to each part's load (vertex weight) staying within (1 + ufactor/1000) of the mean.
//
// METIS is serial and, for fixed options and input, deterministic: the options below are fixed
// (seed, imbalance tolerance, objective, one cut attempt, default coarsening and refinement), so
// the same graph always gives the same parts. Only one process calls it (rank 0 in the command).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "partition/partitioner/symmetric_graph.hpp"

namespace signalrank {

struct MetisOptions {
  int seed = 1;        // METIS_OPTION_SEED
  int ufactor = 30;    // METIS_OPTION_UFACTOR: max part weight ≤ 1.030 × mean (METIS's k-way default)
  bool volume = false; // objective: false = edge cut (METIS_OBJTYPE_CUT), true = communication volume
};

struct MetisResult {
  std::vector<std::uint32_t> part;  // one per vertex, in [0, parts)
  std::int64_t objective = 0;       // METIS's edgecut (scaled weights) or volume
};

// "METIS 5.1.0".
std::string metis_version();
// The fixed options as text, for the report and the stored attributes.
std::string describe(const MetisOptions& options);

// Throws std::runtime_error when METIS reports an error (input, memory). parts == 1 or an empty
// graph returns all zeros without calling METIS.
MetisResult metis_partition(const SymmetricGraph& graph, std::uint32_t parts, const MetisOptions& options = {});

}  // namespace signalrank
