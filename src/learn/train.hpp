// Training a propensity model (issue 14, `signalrank train`) and scoring rows with it.
//
// Origins: t_j = as_of - h - j * step for j = 0 .. origins - 1, so every outcome (t_j, t_j + h]
// ends by as_of and nothing after as_of is read. The newest origin t_0 is held out: the model is
// fitted on t_1 .. t_{origins-1} (L2 logistic regression over MPI ranks, src/learn/logistic.hpp,
// on features standardised by the fitted rows' mean and standard deviation), then calibrated on
// t_0 (Platt: a one-feature logistic regression of the outcome on the linear predictor eta), so
// that propensity = 1 / (1 + exp(-(a * eta + b))) is a probability. The out-of-time metrics stored
// with the model are those of t_0: PR-AUC and precision at 1 % and 5 % do not depend on the
// calibration (a monotone map), the Brier score does (two parameters fitted on those rows).
#pragma once
#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "io/campaign.hpp"
#include "io/dates.hpp"
#include "io/model_file.hpp"
#include "io/universe.hpp"
#include "kernels/outcome.hpp"
#include "partition/comm.hpp"
#include "src/learn/features.hpp"
#include "src/learn/logistic.hpp"
#include "src/pipeline/pipeline.hpp"

namespace signalrank::learn {

struct TrainOptions {
  int origins = 8, origin_step = 4;  // horizon: rule.horizon
  kernels::OutcomeRule rule;
  LogisticOptions fit;
};

// t_j = as_of - h - j * step, newest first.
std::vector<WeekIndex> training_origins(WeekIndex as_of, const TrainOptions& options);

// How many of the origins as_of - h - j * step (j = 0, 1, ...) have their trend window of
// `window_weeks` inside data that begin at `first_week` (0 when none has).
int origins_in_data(WeekIndex as_of, int horizon, int step, int window_weeks, WeekIndex first_week);

// Which columns of the examples a model reads.
enum class FeatureSet { kAll, kSnapshotColumns };

// The examples of each origin a run needs, computed once (collective: every rank asks for the
// same origins in the same order). Rows live on rank 0.
class ExampleCache {
 public:
  ExampleCache(const Comm& comm, const UniverseReader& universe, const Campaign& campaign,
               const pipeline::CampaignWeeks& weeks, const kernels::OutcomeRule& rule);
  // The examples of origin t, computed on first use (collective then); the reference stays valid.
  const OriginExamples& at(WeekIndex t);
  const UniverseFacts& facts() const { return facts_; }
  const UniverseReader& universe() const { return universe_; }
  std::size_t computed() const { return examples_.size(); }

 private:
  const Comm& comm_;
  const UniverseReader& universe_;
  const Campaign& campaign_;
  const pipeline::CampaignWeeks& weeks_;
  kernels::OutcomeRule rule_;
  UniverseFacts facts_;
  std::deque<std::pair<WeekIndex, OriginExamples>> examples_;  // a handful, searched linearly; stable references
};

// Collective. Fits a model on `fit` (rows on rank 0) and, when given, calibrates it on
// `calibration`. Complete on rank 0; the same bits for any rank count. Throws
// std::runtime_error (every rank) when the fitted rows have no positive or no negative.
PropensityModel fit_propensity(const Comm& comm, std::span<const OriginExamples* const> fit,
                               const OriginExamples* calibration, FeatureSet features, const LogisticOptions& options);

// The campaign's codes present in the universe, "SYSTEM:CODE", sorted and comma-separated.
std::string matched_codes(const UniverseReader& universe, const Campaign& campaign);

// The linear predictor eta and the calibrated propensity of every row of `ex` (rank 0).
struct Scores {
  std::vector<double> eta, propensity;
};
Scores score_rows(const PropensityModel& model, const OriginExamples& ex);

// Row indices of `score` (one per row of an origin's examples) best first: score descending,
// ties by provider index (= NPI) ascending.
std::vector<std::uint32_t> order_by_score(std::span<const double> score, std::span<const std::uint32_t> provider);

// Collective. The whole of `train`: examples at each origin, the fit, the calibration, the
// out-of-time metrics; the model's provenance fields are filled but for version and created_utc.
PropensityModel train_model(const Comm& comm, ExampleCache& cache, const Campaign& campaign, WeekIndex as_of,
                            const TrainOptions& options);

}  // namespace signalrank::learn
