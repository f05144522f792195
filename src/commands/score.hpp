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
  // With gather_snapshot: complete on rank 0 (but for inputs_json and timings), empty elsewhere.
  // Without: every rank's slice of the rows, rows [slice_offset, slice_offset + size) of
  // total_rows, with the root attributes on rank 0 (for the collective write_snapshot).
  Snapshot snapshot;
  std::uint64_t slice_offset = 0, total_rows = 0;
  std::uint64_t eligible = 0;
  int iterations = 0;
  double residual = 0;
  std::vector<std::pair<std::string, double>> phases;  // slowest rank's seconds per phase
  // For `score --metrics` (complete on rank 0): every rank's seconds per phase (rank order, same
  // phases as above), the residual after each PageRank iteration, halo traffic summed over ranks,
  // and the slowest rank's seconds inside the iterations by part.
  std::vector<std::vector<double>> phases_per_rank;
  std::vector<double> residuals;
  std::uint64_t halo_bytes_per_iteration = 0, halo_values_per_iteration = 0, ghost_vertices = 0;
  double pagerank_halo_s = 0, pagerank_pull_s = 0, pagerank_finish_s = 0, pagerank_sums_s = 0;
  double claims_scan_s = 0;        // slowest rank's claims read + filter (part of "read")
  std::uint64_t claims_kept = 0;   // campaign rows in the trend weeks, all ranks
};

// Collective. Computes the ranked snapshot of `campaign` as of Monday number `t`. With a
// non-empty `checkpoint_folder`, a stop signal during PageRank writes a checkpoint there (and a
// matching checkpoint found there is resumed). `verbose` prints the phase lines on rank 0.
// `partition`: block, hash or graph (score --partition); the result is the same bits for each.
Ranking compute_ranking(const Comm& comm, const UniverseReader& universe, const Campaign& campaign, std::int32_t t,
                        const std::string& checkpoint_folder, bool verbose, const std::string& partition = "block",
                        bool gather_snapshot = true);

// The campaign's claims rows of every week up to Monday number `last_week`, read once (each rank
// its block of providers) so that any number of windows can be summed from memory (backtest needs
// five: outcomes, history, the static list's 52 weeks, and the same for tuning).
class CampaignWeeks {
 public:
  // Collective.
  CampaignWeeks(const Comm& comm, const UniverseReader& universe, const Campaign& campaign, std::int32_t last_week);
  // Collective. Per provider (index order, complete on rank 0 only): the campaign's services
  // summed over the `weeks` weeks ending at Monday number `last_week` (the trends' volume with a
  // window of `weeks`).
  std::vector<double> window_volume(std::int32_t last_week, int weeks) const;

 private:
  const Comm& comm_;
  UniverseReader::ClaimSeries series_;  // this rank's block
};

// "--as-of" text (a Monday, or "latest") to a Monday number inside the data, or a ConfigError.
std::int32_t resolve_as_of(const UniverseReader& universe, const std::string& as_of);

}  // namespace signalrank
