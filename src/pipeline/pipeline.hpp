// The distributed ranking pipeline (SPEC §4) as a library: `score` writes its result as the
// weekly snapshot, `backtest` ranks past weeks with it, and every later command that needs a
// ranking (training, measurement) calls the same function. The stages are in
// src/pipeline/stages.hpp, one file each.
#pragma once
#include <climits>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "io/campaign.hpp"
#include "io/dates.hpp"
#include "io/snapshot.hpp"
#include "io/universe.hpp"
#include "kernels/outcome.hpp"
#include "partition/comm.hpp"
#include "src/pipeline/stages.hpp"
#include "src/pipeline/timing.hpp"

namespace signalrank::pipeline {

struct RankingOptions {
  // Where a stop signal during PageRank writes a checkpoint, and a matching checkpoint found
  // there is resumed. Empty: no checkpoints.
  std::string checkpoint_folder;
  bool verbose = false;             // rank 0 prints one line per phase
  std::string partition = "block";  // block, hash or graph (score --partition): the same bits for each
  // All rows on rank 0 (backtest), or each rank keeps its slice for the collective snapshot write.
  bool gather_snapshot = true;
  IterationObserver observer;  // called at each PageRank iteration; none in production
};

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
  // For the end-of-run table and `score --metrics` (complete on rank 0): every rank's seconds per
  // phase and counts, the residual after each PageRank iteration, halo traffic summed over ranks,
  // and the slowest rank's seconds inside the iterations by part.
  RunSummary summary;
  std::vector<double> residuals;
  std::uint64_t halo_bytes_per_iteration = 0, halo_values_per_iteration = 0, ghost_vertices = 0;
  double pagerank_halo_s = 0, pagerank_pull_s = 0, pagerank_finish_s = 0, pagerank_sums_s = 0;
  double claims_scan_s = 0;       // slowest rank's claims read + filter (part of "read")
  std::uint64_t claims_kept = 0;  // campaign rows in the trend weeks, all ranks
};

// Collective. The ranked snapshot of `campaign` as of `as_of_week`: read, redistribute, trends,
// graph, halo plans, PageRank, exposure, rank — one stage call and one named timer each.
Ranking compute_ranking(const Comm& comm, const UniverseReader& universe, const Campaign& campaign,
                        WeekIndex as_of_week, const RankingOptions& options);

// The campaign's claims rows of every week up to `last_week`, read once (each rank its block of
// providers) so that any number of windows can be summed from memory (backtest needs five:
// outcomes, history, the static list's 52 weeks, and the same for tuning).
// Every provider's conversion outcome after an origin t (kernels/outcome.hpp), complete on rank 0
// (empty elsewhere), in provider index order, with the constants the rule used.
struct Outcomes {
  std::vector<std::uint8_t> converted;  // kernels::Conversion
  std::vector<std::uint8_t> placebo;    // the same rule on each provider's shuffled weeks to t (all 0 without)
  int baseline_weeks = 0;               // B
  int placebo_baseline_weeks = 0;       // the placebo's B (shorter when B + h weeks to t are not in the data; 0: none)
  double seasonal = 1;                  // S
};

class CampaignWeeks {
 public:
  // Collective.
  CampaignWeeks(const Comm& comm, const UniverseReader& universe, const Campaign& campaign, WeekIndex last_week);
  // Collective. Per provider (index order, complete on rank 0 only): the campaign's services
  // summed over the `weeks` weeks ending at `last_week` (the trends' volume with a window of
  // `weeks`).
  std::vector<double> window_volume(WeekIndex last_week, int weeks) const;
  // Collective. The outcome of every provider in (t, t + rule.horizon], which must end by the
  // constructor's last_week; with a `placebo_seed`, also the placebo, whose shuffles are drawn
  // from the seed and each provider's index, so they do not depend on the rank count.
  Outcomes outcomes(WeekIndex t, const kernels::OutcomeRule& rule, std::optional<std::uint64_t> placebo_seed) const;
  // Collective. Per provider (index order, complete on rank 0 only): the first and the last week
  // at or before `t` with campaign services, or kNoWeek when there is none.
  static constexpr std::int32_t kNoWeek = INT32_MIN;
  struct Activity {
    std::vector<std::int32_t> first, last;
  };
  Activity activity(WeekIndex t) const;
  WeekIndex first_week() const { return WeekIndex(first_week_); }
  WeekIndex last_week() const { return WeekIndex(last_week_); }

 private:
  // This rank's sums over the weeks (last - weeks, last], per provider of its block.
  std::vector<double> local_window(std::int32_t last, int weeks) const;

  const Comm& comm_;
  std::uint64_t begin_ = 0;  // the block's first provider index
  std::int32_t first_week_ = 0, last_week_ = 0;
  UniverseReader::ClaimSeries series_;  // this rank's block
};

// "--as-of" text (a Monday, or "latest") to a week inside the data, or a ConfigError; an
// InputError for a universe without claims.
WeekIndex resolve_as_of(const UniverseReader& universe, const std::string& as_of);

}  // namespace signalrank::pipeline
