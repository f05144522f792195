// signalrank backtest: how well the ranking as of week t predicted what providers did in the
// following h weeks, against the static list a commercial team would otherwise use.
//
// Outcome of each provider eligible at t (t = --as-of, h = --horizon): kernels/outcome.hpp, a
// start (no services in the 52 weeks to t, at least trigger_min in (t, t+h]) or a ramp (the
// horizon's services above the seasonally adjusted 52-week pace by the exact one-sided test of two
// Poisson rates at --alpha, by --margin and by --min-increase). The placebo is the same rule on each provider's
// own weeks to t in random order: its rate estimates how often the rule converts by chance.
// Base rate = converted / eligible. Lists, each over the eligible providers:
//   signalrank  the ranking as of t (score descending, NPI ascending)
//   top_decile  static list: campaign services in the 52 weeks ending at t, descending, ties by
//               NPI ascending (its first 10 % is the "top decile"; k beyond that reads further down)
//   random      expected values of a uniformly random list: precision = base rate, lift = 1,
//               recall = k / eligible
//   signalrank_tuned (with --tune-weights) the ranking as of t re-scored with weights learnt on the
//               horizon before t (see tune_weights below): an out-of-sample test of the learnt weights
// For k in {100, 1 %, 1000, 5 % of eligible (rounded, ≥ 1)}, capped at the number eligible and
// without repeats: precision@k = converted among the first k / k; lift = precision / base rate.
// With --truth (generate's truth.csv, `npi,adoption_week`): the planted adopters of the window
// are those with adoption_week in (t, t+h]; recall@k = those among the first k / those eligible.
#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "io/campaign.hpp"
#include "io/dates.hpp"
#include "io/universe.hpp"
#include "kernels/outcome.hpp"
#include "kernels/ranking.hpp"

namespace signalrank {

using kernels::Conversion;

// Provider indices of the eligible providers by `volume` descending, ties by NPI ascending.
std::vector<std::uint32_t> static_volume_order(std::span<const double> volume, std::span<const std::uint64_t> npi,
                                               std::span<const std::uint8_t> eligible);

// The k of the table: {100, 1 %, 1000, 5 %} as (rule, k), capped at `eligible`, ascending,
// distinct k (the first rule of equal ks is kept), the shares rounded and at least 1.
std::vector<std::pair<std::string, std::uint64_t>> backtest_ks(std::uint64_t eligible);

// The Wilson score interval (95 %) of the proportion k / n; NaN bounds when n = 0.
std::pair<double, double> wilson_interval(std::uint64_t k, std::uint64_t n);

struct BacktestRow {
  std::string list;  // signalrank, top_decile, random
  std::string k_rule;
  std::uint64_t k = 0;
  double hits = 0;         // converted among the first k (expected value for random)
  double starts = 0;       // of those, converted by a start
  double precision = 0, base_rate = 0;
  std::optional<double> lift;      // absent when the base rate is 0
  std::optional<double> recall;    // absent without --truth or without adopters in the window
  double adopters_found = 0;       // expected value for random
  std::uint64_t adopters = 0;      // eligible planted adopters of the window
  double placebo_rate = 0;         // the placebo's conversions / eligible (the same on every row)
};

// Named lists, each the provider indices of all eligible providers, best first. Rows per k: each
// list in the given order, then random. The base rate counts over the first list.
struct RankedList {
  std::string name;
  std::span<const std::uint32_t> order;
};
std::vector<BacktestRow> evaluate_lists(std::span<const RankedList> lists, std::span<const std::uint8_t> converted,
                                        std::span<const std::uint8_t> adopter, std::uint64_t eligible);

// `signalrank_order`, `static_order`: provider indices of the eligible providers, best first.
// `converted` (Conversion values), `adopter`: per provider index (`adopter` empty without truth).
std::vector<BacktestRow> evaluate_lists(std::span<const std::uint32_t> signalrank_order,
                                        std::span<const std::uint32_t> static_order,
                                        std::span<const std::uint8_t> converted, std::span<const std::uint8_t> adopter,
                                        std::uint64_t eligible);

// CSV: list,k_rule,k,converted_in_top_k,starts_in_top_k,precision,base_rate,lift,
//      adopters_found,adopters,recall,placebo_rate
std::string backtest_csv(const std::vector<BacktestRow>& rows);
// The same as an aligned text table.
std::string backtest_table(const std::vector<BacktestRow>& rows);

// The campaign settings every outcome needs (train, backtest): trigger_min >= 1, or every
// provider without services would "start" with none. ConfigError naming `path` otherwise.
void check_outcome_campaign(const Campaign& campaign, const std::string& path);

// The outcome rule of the flags --horizon, --alpha, --margin and --min-increase (default: the
// campaign's trigger_min) and the campaign's trigger_min.
kernels::OutcomeRule outcome_rule(const Campaign& campaign, int horizon, double alpha, double margin,
                                  const std::optional<double>& min_increase);

// as_of + horizon, or a ConfigError naming --horizon (and the latest workable --as-of) when that
// is beyond the data's last week.
WeekIndex horizon_end_in_data(const UniverseReader& universe, WeekIndex as_of, int horizon);

// A ConfigError naming `path`'s codes when none of the campaign's codes is in the universe.
void check_codes_in_universe(const UniverseReader& universe, const Campaign& campaign, const std::string& path);

// truth.csv: `npi,adoption_week` (header required, adoption_week a Monday YYYY-MM-DD). Throws
// InputError naming file, line and field.
struct PlantedAdopter {
  std::uint64_t npi = 0;
  std::int32_t week = 0;  // Monday number
};
std::vector<PlantedAdopter> read_truth(const std::string& path);

// ---- weights learnt from outcomes (--tune-weights) ---------------------------------------------
// The closed loop's other half: the ranking's weights are a campaign setting, and which mix of
// signals predicts conversions depends on the market (a young, fast-growing activity rewards
// volume and network position more than short-term growth). Tuning looks back one horizon: it
// ranks as of t0 = t - h, takes the outcomes in (t0, t] (all known at t, nothing after t is used)
// and searches a grid of weights for the largest summed precision@k; the weights found are
// then tested on the ranking as of t against outcomes after t, out of sample.

// The score inputs of the eligible providers (one element each, any order).
struct ScoreComponents {
  std::vector<double> volume, growth, pagerank, exposure;  // percentiles, as in the snapshot
  std::vector<std::uint8_t> trigger;                       // nonzero when a trigger fired
  std::vector<std::uint64_t> npi;
  std::vector<std::uint8_t> converted;                     // Conversion flags (for tuning)
};

// Indices into `c` ordered as the ranking under weights `w` orders them: score (SPEC formula, the
// same floating-point expression as score) descending, NPI ascending.
std::vector<std::uint32_t> order_by_weights(const ScoreComponents& c, const kernels::ScoreWeights& w);

struct TunedWeights {
  kernels::ScoreWeights weights{};
  std::vector<std::uint64_t> ks;            // ascending, distinct, capped at the providers
  std::vector<std::uint64_t> hits;          // conversions among the first k under `weights`, per k
  std::vector<std::uint64_t> current_hits;  // the same under the weights tuning started from
  double objective = 0, current_objective = 0;  // sum over ks of precision@k
  std::size_t candidates = 0;
};

// Every weight vector (volume, growth, pagerank, peer_exposure, trigger) with components in
// {0, step, 2 step, ..., 1} summing to 1 (1/step must be a whole number from 1 to 100); the best
// has the largest sum of precision@k over `ks` (one k optimises one list length and can sacrifice
// the others: at national scale k = 1000 alone picked trigger 0.7 / growth 0.3, which halved
// precision at 5 %), ties broken by the smallest L1 distance to `current`, then by enumeration
// order (volume slowest), so the result is deterministic whatever the thread count. Throws
// std::invalid_argument on a bad step, an empty `ks`, a k of 0 or no providers.
TunedWeights tune_weights(const ScoreComponents& c, std::vector<std::uint64_t> ks, double step,
                          const kernels::ScoreWeights& current);

}  // namespace signalrank
