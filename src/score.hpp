// The ranking pipeline of `score` (SPEC §4), callable by other commands (backtest).
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "io/campaign.hpp"
#include "io/snapshot.hpp"
#include "io/universe.hpp"
#include "partition/comm.hpp"

namespace signalrank {

struct Ranking {
  Snapshot snapshot;  // complete on rank 0 (but for inputs_json and timings); empty elsewhere
  std::uint64_t eligible = 0;
  int iterations = 0;
  double residual = 0;
  std::vector<std::pair<std::string, double>> phases;  // slowest rank's seconds per phase
};

// Collective. Computes the ranked snapshot of `campaign` as of Monday number `t`. With a
// non-empty `checkpoint_folder`, a stop signal during PageRank writes a checkpoint there (and a
// matching checkpoint found there is resumed). `verbose` prints the phase lines on rank 0.
Ranking compute_ranking(const Comm& comm, const UniverseReader& universe, const Campaign& campaign, std::int32_t t,
                        const std::string& checkpoint_folder, bool verbose);

// Collective. Per provider (index order, complete on rank 0 only): the campaign's services summed
// over the `weeks` weeks ending at Monday number `last_week`.
std::vector<double> window_volume(const Comm& comm, const UniverseReader& universe, const Campaign& campaign,
                                  std::int32_t last_week, int weeks);

// "--as-of" text (a Monday, or "latest") to a Monday number inside the data, or a ConfigError.
std::int32_t resolve_as_of(const UniverseReader& universe, const std::string& as_of);

}  // namespace signalrank
