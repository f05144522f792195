// backtest --origins: the model, the hand weights, the nine-column baseline and the static list at
// several origins, each model trained on what was known at its origin (backtest_origins.hpp).
#include "src/commands/backtest_origins.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>

#include "io/campaign.hpp"
#include "io/dates.hpp"
#include "io/error.hpp"
#include "src/commands/backtest.hpp"
#include "src/commands/commands.hpp"
#include "src/commands/support.hpp"
#include "src/learn/metrics.hpp"
#include "src/learn/train.hpp"
#include "src/pipeline/pipeline.hpp"

namespace signalrank {

namespace {

constexpr std::size_t kStabilityK = 1000;  // the list length whose week-to-week overlap is reported

struct Evaluated {
  std::string name;
  std::vector<std::uint32_t> order;  // rows of the origin's examples, best first
  std::vector<double> probability;   // empty: the list gives no probabilities
};

// One line of the table: a list at one k, at one origin or pooled.
struct OriginRow {
  std::string origin, list, k_rule;
  std::uint64_t k = 0;
  double hits = 0;  // expected value for random
  double precision = 0, lo = 0, hi = 0, base_rate = 0, lift = NAN, pr_auc = NAN, brier = NAN;
  double overlap = NAN;  // the share of the top 1,000 also in the list's top 1,000 a week earlier
};

std::vector<double> column(const learn::OriginExamples& ex, std::string_view name) {
  const auto at = std::find(learn::kFeatureNames.begin(), learn::kFeatureNames.end(), name) - learn::kFeatureNames.begin();
  std::vector<double> out(ex.rows());
  for (std::size_t i = 0; i < ex.rows(); ++i) out[i] = ex.x[i * learn::kFeatures + static_cast<std::size_t>(at)];
  return out;
}

// The ranked lists of the table but random, in its order.
const std::vector<std::string> kLists = {"model", "baseline", "signalrank", "top_decile"};

// kLists over one origin's examples: the model by propensity, the baseline by its linear
// predictor, the hand weights by the snapshot's rank, the static list by 52-week volume (its
// logarithm: the same order).
std::vector<Evaluated> rank_lists(const PropensityModel& model, const PropensityModel& baseline,
                                  const learn::OriginExamples& ex) {
  const learn::Scores ms = learn::score_rows(model, ex), bs = learn::score_rows(baseline, ex);
  std::vector<double> hand(ex.rows());
  for (std::size_t r = 0; r < ex.rows(); ++r) hand[r] = -static_cast<double>(ex.hand_rank[r]);
  return {{kLists[0], learn::order_by_score(ms.propensity, ex.provider), ms.propensity},
          {kLists[1], learn::order_by_score(bs.eta, ex.provider), bs.propensity},
          {kLists[2], learn::order_by_score(hand, ex.provider), {}},
          {kLists[3], learn::order_by_score(column(ex, "log_volume_52w"), ex.provider), {}}};
}

std::string fmt_nan(double v, const char* spec) { return std::isnan(v) ? std::string() : fmt::format(fmt::runtime(spec), v); }

std::string csv_of(const std::vector<OriginRow>& rows) {
  std::string out = csv_record({"origin", "list", "k_rule", "k", "converted_in_top_k", "precision", "precision_lo95",
                                "precision_hi95", "base_rate", "lift", "pr_auc", "brier", "top1000_overlap"});
  for (const OriginRow& r : rows)
    out += csv_record({r.origin, r.list, r.k_rule, std::to_string(r.k), fmt::format("{:g}", r.hits),
                       fmt::format("{:.6f}", r.precision), fmt::format("{:.6f}", r.lo), fmt::format("{:.6f}", r.hi),
                       fmt::format("{:.6f}", r.base_rate), fmt_nan(r.lift, "{:.4f}"), fmt_nan(r.pr_auc, "{:.6f}"),
                       fmt_nan(r.brier, "{:.6f}"), fmt_nan(r.overlap, "{:.4f}")});
  return out;
}

std::string table_of(const std::vector<OriginRow>& rows) {
  std::string out = fmt::format("{:<11} {:<11} {:>5} {:>7} {:>9} {:>10} {:>19} {:>7} {:>8} {:>8} {:>8}\n", "origin",
                                "list", "rule", "k", "converted", "precision", "95 % interval", "lift", "PR-AUC",
                                "Brier", "overlap");
  for (const OriginRow& r : rows)
    out += fmt::format("{:<11} {:<11} {:>5} {:>7} {:>9} {:>10.4f} {:>19} {:>7} {:>8} {:>8} {:>8}\n", r.origin, r.list,
                       r.k_rule, r.k, fmt::format("{:g}", std::round(r.hits * 10) / 10), r.precision, fmt::format("[{:.4f}, {:.4f}]", r.lo, r.hi),
                       std::isnan(r.lift) ? "-" : fmt::format("{:.2f}", r.lift),
                       std::isnan(r.pr_auc) ? "-" : fmt::format("{:.4f}", r.pr_auc),
                       std::isnan(r.brier) ? "-" : fmt::format("{:.5f}", r.brier),
                       std::isnan(r.overlap) ? "-" : fmt::format("{:.3f}", r.overlap));
  return out;
}

std::string calibration_csv(const std::vector<learn::CalibrationBin>& bins) {
  std::string out = csv_record({"decile", "p_lo", "p_hi", "rows", "converted", "mean_predicted", "observed",
                                "observed_lo90", "observed_hi90", "ratio", "ratio_lo90", "ratio_hi90"});
  for (std::size_t b = 0; b < bins.size(); ++b) {
    const learn::CalibrationBin& c = bins[b];
    out += csv_record({std::to_string(b + 1), fmt::format("{:.6g}", c.p_lo), fmt::format("{:.6g}", c.p_hi),
                       std::to_string(c.rows), std::to_string(c.positives), fmt::format("{:.6f}", c.mean_predicted),
                       fmt::format("{:.6f}", c.observed), fmt::format("{:.6f}", c.observed_lo),
                       fmt::format("{:.6f}", c.observed_hi), fmt_nan(c.ratio, "{:.4f}"), fmt_nan(c.ratio_lo, "{:.4f}"),
                       fmt_nan(c.ratio_hi, "{:.4f}")});
  }
  return out;
}

// Accumulates one list's pooled figures over the origins.
struct Pool {
  std::vector<double> hits;
  std::vector<std::uint64_t> k;
  double ap_sum = 0, brier_sum = 0, overlap_sum = 0;
  std::uint64_t ap_origins = 0, brier_rows = 0, overlap_origins = 0;
};

}  // namespace

int run_backtest_origins(const Comm& comm, const BacktestOriginsOptions& o) {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  say(comm, "[backtest] " + threads_note());
  const Campaign campaign = load_campaign(o.campaign);
  check_input_file("--universe", o.universe);
  check_outcome_campaign(campaign, o.campaign);
  const std::vector<NamedPath> inputs = {
      {"--universe", o.universe}, {"--campaign", o.campaign}, {"campaign's suppression", campaign.suppression}};
  if (!o.out.empty()) check_output_folder("--out", o.out, inputs);
  if (!o.calibration_out.empty()) {
    std::vector<NamedPath> with_out = inputs;
    with_out.emplace_back("--out", o.out);
    if (o.calibration_out == o.out) throw ConfigError("--calibration-out", 0, "", "is the --out file; give another name");
    check_output_folder("--calibration-out", o.calibration_out, with_out);
  }
  UniverseReader universe(comm, o.universe);
  const WeekIndex as_of = pipeline::resolve_as_of(universe, o.as_of);
  const WeekIndex horizon_end = horizon_end_in_data(universe, as_of, o.horizon);
  learn::TrainOptions train;
  train.origin_step = o.origin_step;
  train.rule = outcome_rule(campaign, o.horizon, o.alpha, o.margin, o.min_increase);
  train.fit.l2 = o.l2;
  // Training origins per evaluation origin: as many as have their trend window in the data, up to
  // --train-origins; at least 2 (one to fit, one to calibrate) at the oldest evaluation origin.
  const WeekIndex oldest_eval = as_of - (o.origins - 1) * o.origin_step;
  const int fitting = learn::origins_in_data(oldest_eval, o.horizon, o.origin_step, campaign.window_weeks,
                                             WeekIndex(universe.first_week()));
  train.origins = std::min(o.train_origins, fitting);
  if (train.origins < 2)
    throw ConfigError("--origins", 0, "",
                      fmt::format("the oldest evaluation origin, {}, leaves room for {} training origin(s) in the data "
                                  "(from {}); a model needs 2: use fewer --origins or a later --as-of",
                                  format_week(oldest_eval), fitting, format_week(universe.first_week())));

  check_codes_in_universe(universe, campaign, o.campaign);
  const pipeline::CampaignWeeks weeks(comm, universe, campaign, horizon_end);
  learn::ExampleCache cache(comm, universe, campaign, weeks, train.rule);

  std::vector<OriginRow> rows;
  std::vector<double> pooled_p;
  std::vector<std::uint8_t> pooled_y;
  std::vector<Pool> pools(kLists.size() + 1);  // + random
  std::vector<std::string> pooled_rules;
  std::uint64_t pooled_eligible = 0, pooled_positives = 0;
  std::string model_note;
  for (int i = 0; i < o.origins; ++i) {
    const WeekIndex e = as_of - i * o.origin_step;
    const PropensityModel model = learn::train_model(comm, cache, campaign, e, train);
    std::vector<const learn::OriginExamples*> base_fit{&cache.at(e - o.horizon), &cache.at(e - o.horizon - o.origin_step)};
    const PropensityModel baseline = learn::fit_propensity(comm, base_fit, nullptr, learn::FeatureSet::kSnapshotColumns, train.fit);
    const learn::OriginExamples& ex = cache.at(e);
    const learn::OriginExamples& week_before = cache.at(e - 1);  // for the lists' week-to-week stability
    if (!comm.root()) continue;
    if (i == 0) model_note = fmt::format("{} origins from {} to {}", model.origins.size(), model.origins.back(), model.origins.front());
    const std::vector<Evaluated> lists = rank_lists(model, baseline, ex);
    // The same lists a week earlier (the same models, that week's features).
    const std::vector<Evaluated> lists_before = rank_lists(model, baseline, week_before);
    auto top_ids = [](const std::vector<std::uint32_t>& order, const std::vector<std::uint32_t>& provider) {
      std::vector<std::uint64_t> ids;
      for (std::size_t j = 0; j < order.size() && j < kStabilityK; ++j) ids.push_back(provider[order[j]]);
      return ids;
    };
    std::uint64_t positives = 0;
    for (std::uint8_t y : ex.label) positives += y;
    const double base = ex.rows() ? static_cast<double>(positives) / static_cast<double>(ex.rows()) : 0.0;
    pooled_eligible += ex.rows();
    pooled_positives += positives;
    pooled_p.insert(pooled_p.end(), lists[0].probability.begin(), lists[0].probability.end());
    pooled_y.insert(pooled_y.end(), ex.label.begin(), ex.label.end());
    const auto ks = backtest_ks(ex.rows());
    if (pooled_rules.empty())
      for (const auto& [rule, k] : ks) pooled_rules.push_back(rule);
    for (std::size_t l = 0; l <= lists.size(); ++l) {
      Pool& pool = pools[l];
      pool.hits.resize(pooled_rules.size());
      pool.k.resize(pooled_rules.size());
      double ap = NAN, brier = NAN, overlap = NAN;
      if (l < lists.size()) {
        overlap = learn::top_k_overlap(top_ids(lists[l].order, ex.provider), top_ids(lists_before[l].order, week_before.provider),
                                       kStabilityK);
        if (!std::isnan(overlap)) {
          pool.overlap_sum += overlap;
          ++pool.overlap_origins;
        }
        ap = learn::average_precision(lists[l].order, ex.label);
        if (!lists[l].probability.empty()) brier = learn::brier_score(lists[l].probability, ex.label);
        if (!std::isnan(ap)) {
          pool.ap_sum += ap;
          ++pool.ap_origins;
        }
        if (!std::isnan(brier)) {
          pool.brier_sum += brier * static_cast<double>(ex.rows());
          pool.brier_rows += ex.rows();
        }
      }
      for (const auto& [rule, k] : ks) {
        OriginRow r;
        r.origin = format_week(e);
        r.list = l < lists.size() ? lists[l].name : "random";
        r.k_rule = rule;
        r.k = k;
        if (l < lists.size()) {
          std::uint64_t hits = 0;
          for (std::uint64_t j = 0; j < k; ++j) hits += ex.label[lists[l].order[j]];
          r.hits = static_cast<double>(hits);
          std::tie(r.lo, r.hi) = wilson_interval(hits, k);
        } else {
          r.hits = base * static_cast<double>(k);  // the expected value
          std::tie(r.lo, r.hi) = wilson_interval(positives, ex.rows());  // the base rate's
        }
        r.precision = r.hits / static_cast<double>(k);
        r.base_rate = base;
        if (base > 0) r.lift = r.precision / base;
        r.pr_auc = l < lists.size() ? ap : base;
        r.brier = brier;
        r.overlap = overlap;
        rows.push_back(r);
        const auto at = std::find(pooled_rules.begin(), pooled_rules.end(), rule) - pooled_rules.begin();
        if (static_cast<std::size_t>(at) < pooled_rules.size()) {
          pool.hits[static_cast<std::size_t>(at)] += r.hits;
          pool.k[static_cast<std::size_t>(at)] += k;
        }
      }
    }
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return run_on_root(comm, [&] {
    const double base = pooled_eligible ? static_cast<double>(pooled_positives) / static_cast<double>(pooled_eligible) : 0.0;
    for (std::size_t l = 0; l < pools.size(); ++l)
      for (std::size_t j = 0; j < pooled_rules.size(); ++j) {
        const Pool& pool = pools[l];
        if (pool.k[j] == 0) continue;
        OriginRow r;
        r.origin = "pooled";
        r.list = l < kLists.size() ? kLists[l] : "random";
        r.k_rule = pooled_rules[j];
        r.k = pool.k[j];
        r.hits = pool.hits[j];
        r.precision = r.hits / static_cast<double>(r.k);
        std::tie(r.lo, r.hi) = l < kLists.size() ? wilson_interval(static_cast<std::uint64_t>(r.hits), r.k)
                                                : wilson_interval(pooled_positives, pooled_eligible);
        r.base_rate = base;
        if (base > 0) r.lift = r.precision / base;
        r.pr_auc = l < kLists.size() ? (pool.ap_origins ? pool.ap_sum / static_cast<double>(pool.ap_origins) : NAN) : base;
        if (pool.brier_rows) r.brier = pool.brier_sum / static_cast<double>(pool.brier_rows);
        if (pool.overlap_origins) r.overlap = pool.overlap_sum / static_cast<double>(pool.overlap_origins);
        rows.push_back(r);
      }
    const std::vector<learn::CalibrationBin> calibration = learn::calibration_table(pooled_p, pooled_y, 10, 200, o.seed);
    std::printf("backtest: %s, %d origins from %s to %s every %d weeks, horizon %d weeks; %zu rankings in %.1f s, %d ranks\n",
                campaign.name.c_str(), o.origins, format_week(as_of - (o.origins - 1) * o.origin_step).c_str(),
                format_week(as_of).c_str(), o.origin_step, o.horizon, cache.computed(), seconds, comm.size());
    std::printf("backtest: converted = start (no services in the 52 weeks to the origin, >= %g in the horizon) or ramp "
                "(above the seasonally adjusted pace by the exact two-rate test at p < %g, by %g %% and by %g services)\n",
                train.rule.trigger_min, train.rule.alpha, 100 * train.rule.margin, train.rule.min_increase);
    std::printf("backtest: model: logistic regression on %zu features, trained at each origin on %d origins before it "
                "(at the newest: %s), the newest calibrated; baseline: the snapshot's 9 columns on 2 origins\n",
                learn::kFeatures, train.origins, model_note.c_str());
    std::printf("backtest: pooled: %llu eligible provider-origins, %llu converted (base rate %.4f)\n",
                static_cast<unsigned long long>(pooled_eligible), static_cast<unsigned long long>(pooled_positives), base);
    std::printf("%s", table_of(rows).c_str());
    std::printf("backtest: calibration of the model (pooled deciles of propensity, bootstrap 90 %% intervals, seed %llu):\n",
                static_cast<unsigned long long>(o.seed));
    std::printf("%7s %9s %9s %10s %23s %7s %17s\n", "decile", "rows", "predicted", "observed", "90 % interval", "ratio",
                "90 % interval");
    for (std::size_t b = 0; b < calibration.size(); ++b) {
      const learn::CalibrationBin& c = calibration[b];
      std::printf("%7zu %9llu %9.5f %10.5f %23s %7.3f %17s\n", b + 1, static_cast<unsigned long long>(c.rows),
                  c.mean_predicted, c.observed, fmt::format("[{:.5f}, {:.5f}]", c.observed_lo, c.observed_hi).c_str(),
                  c.ratio, fmt::format("[{:.3f}, {:.3f}]", c.ratio_lo, c.ratio_hi).c_str());
    }
    if (!o.out.empty()) {
      write_text_atomically(o.out, csv_of(rows));
      std::printf("backtest: wrote %s\n", o.out.c_str());
    }
    if (!o.calibration_out.empty()) {
      write_text_atomically(o.calibration_out, calibration_csv(calibration));
      std::printf("backtest: wrote %s\n", o.calibration_out.c_str());
    }
    if (!o.out.empty())
      std::printf("backtest: chart: scripts/plot-backtest %s CHART.png%s --title \"%s: %d origins %s to %s, %d-week "
                  "horizon; converted = start (>= %g after none) or ramp (p < %g, +%g %%, +%g services)\"\n",
                  o.out.c_str(), o.calibration_out.empty() ? "" : (" --calibration " + o.calibration_out).c_str(),
                  campaign.name.c_str(), o.origins, format_week(as_of - (o.origins - 1) * o.origin_step).c_str(),
                  format_week(as_of).c_str(), o.horizon, train.rule.trigger_min, train.rule.alpha,
                  100 * train.rule.margin, train.rule.min_increase);
    return kExitOk;
  });
}

}  // namespace signalrank
