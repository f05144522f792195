// The examples a propensity model learns from and is scored on: one row per provider eligible at
// an origin week t, its features computed by the pipeline's own stages as of t (compute_ranking's
// snapshot columns, CampaignWeeks' windows, the universe's provider table and graph shape), and
// its outcome in (t, t + h] when the data reach that far. Nothing after t enters a feature.
//
// The features, in column order (kFeatureNames), all finite:
//   log_volume          ln(1 + volume)                        volume: services in the trend window
//   log_prior_volume    ln(1 + prior_volume)
//   growth              the snapshot's growth, ln((volume + 1) / (prior_volume + 1))
//   slope               asinh(slope)                          slope: services per week (OLS)
//   trigger_z           trigger_z clamped to [-20, 20]
//   trigger             1 when the jump / new-writer trigger fired
//   log_pagerank        ln(N * pagerank + 0.001)              N providers: 0 = the uniform share
//   pagerank_pct        the percentile of PageRank among the eligible (0..1)
//   peer_exposure       the share of the network's weight that does the activity
//   exposure_pct, volume_pct, growth_pct   their percentiles
//   log_volume_52w      ln(1 + services in the 52 weeks to t)
//   active_52w          1 when that is > 0
//   yoy                 ln(1 + volume) - ln(1 + the same window a year earlier); 0 when the data do
//                       not reach a year back (yoy_known = 0)
//   yoy_known
//   log_weeks_since_last   ln(1 + min(104, t - the last week with services)); ln(105) when none
//   log_weeks_since_first  ln(1 + min(520, t - the first week with services)); 0 when none
//   never_active        1 when the provider has no services to t in the data
//   organisation        1 for an NPPES entity type 2
//   log_in_partners, log_out_partners   ln(1 + shared-patient partners in, out)
//   specialty_active_logit, state_active_logit   logit of the share of the provider's specialty
//                       (state) with services in the 52 weeks to t, smoothed (a + 1) / (n + 2)
//
// The hand-weighted ranking of the same origin (the snapshot's score and rank) travels with the
// rows so that backtest compares the model with it on the very same providers.
#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "io/campaign.hpp"
#include "io/dates.hpp"
#include "io/universe.hpp"
#include "kernels/outcome.hpp"
#include "partition/comm.hpp"
#include "src/pipeline/pipeline.hpp"

namespace signalrank::learn {

inline constexpr std::array<std::string_view, 24> kFeatureNames = {
    "log_volume",     "log_prior_volume", "growth",           "slope",
    "trigger_z",      "trigger",          "log_pagerank",     "pagerank_pct",
    "peer_exposure",  "exposure_pct",     "volume_pct",       "growth_pct",
    "log_volume_52w", "active_52w",       "yoy",              "yoy_known",
    "log_weeks_since_last", "log_weeks_since_first", "never_active", "organisation",
    "log_in_partners", "log_out_partners", "specialty_active_logit", "state_active_logit"};
inline constexpr std::size_t kFeatures = kFeatureNames.size();

// The baseline of issue 14: the snapshot's own nine numeric columns, untransformed.
inline constexpr std::array<std::string_view, 9> kSnapshotColumnNames = {
    "volume", "prior_volume", "growth", "slope", "trigger_z", "trigger", "pagerank", "peer_exposure", "score"};
inline constexpr std::size_t kSnapshotColumns = kSnapshotColumnNames.size();

struct OriginExamples {
  WeekIndex origin;
  std::vector<std::uint32_t> provider;  // the eligible providers' indices, ascending
  std::vector<double> x;                // provider.size() x kFeatures, row-major, not standardised
  std::vector<double> snapshot;         // provider.size() x kSnapshotColumns, row-major
  std::vector<std::uint8_t> label;      // 1: converted in (t, t + h]; empty when the data end before
  std::vector<std::uint8_t> conversion; // kernels::Conversion per row; empty with label
  std::vector<std::uint32_t> hand_rank; // the snapshot's rank (1 = first) per row
  std::size_t rows() const { return provider.size(); }
};

// What every origin of a run shares: the universe's provider table and partner counts, read once.
struct UniverseFacts {
  Providers providers;
  std::vector<std::uint32_t> in_partners, out_partners;  // per provider
};
// Collective; complete on rank 0 (empty elsewhere).
UniverseFacts read_universe_facts(const Comm& comm, const UniverseReader& universe);

// Collective; complete on rank 0, empty elsewhere. The ranking as of `t` (compute_ranking, the
// same bits as `score`), its eligible providers' features, and with `rule` and t + h inside
// `weeks`, their outcomes.
OriginExamples origin_examples(const Comm& comm, const UniverseReader& universe, const Campaign& campaign,
                               const pipeline::CampaignWeeks& weeks, const UniverseFacts& facts, WeekIndex t,
                               const std::optional<kernels::OutcomeRule>& rule);

}  // namespace signalrank::learn
