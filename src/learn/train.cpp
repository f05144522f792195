// train_model: examples per origin (ExampleCache), standardisation and the row split on rank 0,
// the distributed fit, Platt calibration on the held-out origin, its metrics.
#include "src/learn/train.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include <fmt/format.h>

#include "io/error.hpp"
#include "src/learn/metrics.hpp"

namespace signalrank::learn {

namespace {

std::size_t width(FeatureSet set) { return set == FeatureSet::kAll ? kFeatures : kSnapshotColumns; }
const std::vector<double>& matrix(const OriginExamples& ex, FeatureSet set) {
  return set == FeatureSet::kAll ? ex.x : ex.snapshot;
}

template <std::size_t N>
bool names_are(const std::vector<std::string>& names, const std::array<std::string_view, N>& want) {
  return names.size() == N && std::equal(names.begin(), names.end(), want.begin());
}

FeatureSet set_of(const PropensityModel& m) {
  if (names_are(m.feature_names, kFeatureNames)) return FeatureSet::kAll;
  if (names_are(m.feature_names, kSnapshotColumnNames)) return FeatureSet::kSnapshotColumns;
  throw std::invalid_argument("the model's features are not those this signalrank computes");
}

// Rank 0's rows (n x d, with labels) split in contiguous blocks over the ranks: rank r gets
// rows [n r / R, n (r + 1) / R). Every rank returns its block.
std::pair<std::vector<double>, std::vector<std::uint8_t>> scatter_rows(const Comm& comm, const std::vector<double>& x,
                                                                       const std::vector<std::uint8_t>& y,
                                                                       std::size_t d) {
  const auto ranks = static_cast<std::uint64_t>(comm.size());
  std::vector<std::uint64_t> row_counts(ranks, 0), value_counts(ranks, 0);
  if (comm.root()) {
    const std::uint64_t n = y.size();
    for (std::uint64_t r = 0; r < ranks; ++r) row_counts[r] = n * (r + 1) / ranks - n * r / ranks;
    for (std::uint64_t r = 0; r < ranks; ++r) {
      value_counts[r] = row_counts[r] * d;
      if (value_counts[r] > static_cast<std::uint64_t>(INT32_MAX))
        throw std::runtime_error("training rows: more than 2^31 values for one rank; run more ranks");
    }
  }
  return {comm.alltoallv<double>(x, value_counts), comm.alltoallv<std::uint8_t>(y, row_counts)};
}

double sigmoid(double z) { return z >= 0 ? 1 / (1 + std::exp(-z)) : std::exp(z) / (1 + std::exp(z)); }

double precision_at(std::span<const std::uint32_t> order, std::span<const std::uint8_t> label, double share) {
  const auto k = std::max<std::size_t>(1, static_cast<std::size_t>(std::llround(share * static_cast<double>(order.size()))));
  std::size_t hits = 0;
  for (std::size_t i = 0; i < k && i < order.size(); ++i) hits += label[order[i]];
  return order.empty() ? NAN : static_cast<double>(hits) / static_cast<double>(std::min(k, order.size()));
}

}  // namespace

std::vector<std::uint32_t> order_by_score(std::span<const double> score, std::span<const std::uint32_t> provider) {
  std::vector<std::uint32_t> order(score.size());
  for (std::uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) {
    return score[a] != score[b] ? score[a] > score[b] : provider[a] < provider[b];
  });
  return order;
}

int origins_in_data(WeekIndex as_of, int horizon, int step, int window_weeks, WeekIndex first_week) {
  const int room = (as_of - horizon - (window_weeks - 1)) - first_week;  // weeks the newest origin's window may move back
  return room < 0 ? 0 : room / step + 1;
}

std::vector<WeekIndex> training_origins(WeekIndex as_of, const TrainOptions& options) {
  std::vector<WeekIndex> out;
  for (int j = 0; j < options.origins; ++j) out.push_back(as_of - options.rule.horizon - j * options.origin_step);
  return out;
}

ExampleCache::ExampleCache(const Comm& comm, const UniverseReader& universe, const Campaign& campaign,
                           const pipeline::CampaignWeeks& weeks, const kernels::OutcomeRule& rule)
    : comm_(comm), universe_(universe), campaign_(campaign), weeks_(weeks), rule_(rule),
      facts_(read_universe_facts(comm, universe)) {}

const OriginExamples& ExampleCache::at(WeekIndex t) {
  for (const auto& [week, ex] : examples_)
    if (week == t) return ex;
  examples_.emplace_back(t, origin_examples(comm_, universe_, campaign_, weeks_, facts_, t, rule_));
  return examples_.back().second;
}

PropensityModel fit_propensity(const Comm& comm, std::span<const OriginExamples* const> fit,
                               const OriginExamples* calibration, FeatureSet features, const LogisticOptions& options) {
  const std::size_t d = width(features);
  PropensityModel m;
  for (std::string_view name : features == FeatureSet::kAll ? std::span<const std::string_view>(kFeatureNames)
                                                            : std::span<const std::string_view>(kSnapshotColumnNames))
    m.feature_names.emplace_back(name);
  // ---- rank 0: standardise the fitted rows (serial sums in row order: the same bits at any rank count) ----
  std::vector<double> x;
  std::vector<std::uint8_t> y;
  if (comm.root()) {
    std::size_t n = 0;
    for (const OriginExamples* ex : fit) {
      if (ex->label.size() != ex->rows()) throw std::logic_error("fit_propensity: an origin without outcomes");
      n += ex->rows();
    }
    m.mean.assign(d, 0);
    m.sd.assign(d, 0);
    for (const OriginExamples* ex : fit)
      for (std::size_t i = 0; i < ex->rows(); ++i)
        for (std::size_t j = 0; j < d; ++j) m.mean[j] += matrix(*ex, features)[i * d + j];
    for (double& v : m.mean) v /= static_cast<double>(std::max<std::size_t>(n, 1));
    for (const OriginExamples* ex : fit)
      for (std::size_t i = 0; i < ex->rows(); ++i)
        for (std::size_t j = 0; j < d; ++j) {
          const double e = matrix(*ex, features)[i * d + j] - m.mean[j];
          m.sd[j] += e * e;
        }
    for (double& v : m.sd) {
      v = std::sqrt(v / static_cast<double>(std::max<std::size_t>(n, 1)));
      if (!(v > 1e-12)) v = 1;  // a constant column: z = 0, its weight stays 0
    }
    x.reserve(n * d);
    y.reserve(n);
    for (const OriginExamples* ex : fit) {
      const std::vector<double>& a = matrix(*ex, features);
      for (std::size_t i = 0; i < ex->rows(); ++i) {
        for (std::size_t j = 0; j < d; ++j) x.push_back((a[i * d + j] - m.mean[j]) / m.sd[j]);
        y.push_back(ex->label[i]);
      }
    }
  }
  {
    auto [local_x, local_y] = scatter_rows(comm, x, y, d);
    x = {};
    y = {};
    const LogisticFit f = fit_logistic(comm, local_x, d, local_y, options);
    m.coefficients = f.beta;
    m.rows = f.rows;
    m.positives = f.positives;
  }
  comm.bcast(m.mean);
  comm.bcast(m.sd);
  // ---- Platt calibration on the held-out origin (rows on rank 0 only) ----
  if (calibration) {
    std::vector<double> eta;
    std::vector<std::uint8_t> label;
    if (comm.root()) {
      eta = score_rows(m, *calibration).eta;
      label = calibration->label;
    }
    LogisticOptions platt = options;
    platt.l2 = 0;
    const LogisticFit c = fit_logistic(comm, eta, 1, label, platt);
    m.platt_a = c.beta[0];
    m.platt_b = c.beta[1];
  }
  return m;
}

Scores score_rows(const PropensityModel& m, const OriginExamples& ex) {
  const FeatureSet set = set_of(m);
  const std::size_t d = width(set), n = ex.rows();
  const std::vector<double>& a = matrix(ex, set);
  Scores s;
  s.eta.resize(n);
  s.propensity.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    double eta = m.coefficients[d];
    for (std::size_t j = 0; j < d; ++j) eta += m.coefficients[j] * ((a[i * d + j] - m.mean[j]) / m.sd[j]);
    s.eta[i] = eta;
    s.propensity[i] = sigmoid(m.platt_a * eta + m.platt_b);
  }
  return s;
}

std::string matched_codes(const UniverseReader& universe, const Campaign& campaign) {
  const std::vector<Code> dictionary = universe.read_codes();
  const std::vector<std::uint8_t> match = campaign.match(dictionary);
  std::vector<std::string> codes;
  for (std::size_t i = 0; i < dictionary.size(); ++i)
    if (match[i])
      codes.push_back(std::string(kCodeSystemNames[static_cast<std::size_t>(dictionary[i].system)]) + ":" +
                      dictionary[i].code);
  std::sort(codes.begin(), codes.end());
  codes.erase(std::unique(codes.begin(), codes.end()), codes.end());
  std::string out;
  for (const std::string& c : codes) out += (out.empty() ? "" : ",") + c;
  return out;
}

PropensityModel train_model(const Comm& comm, ExampleCache& cache, const Campaign& campaign, WeekIndex as_of,
                            const TrainOptions& options) {
  const std::vector<WeekIndex> origins = training_origins(as_of, options);
  std::vector<const OriginExamples*> fit;
  for (std::size_t j = 1; j < origins.size(); ++j) fit.push_back(&cache.at(origins[j]));
  const OriginExamples& held_out = cache.at(origins[0]);
  // A fit needs both outcomes among the fitted rows and among the calibration rows: say which
  // lacks them, on every rank, before fitting.
  std::vector<std::uint64_t> counts(4, 0);  // fitted rows, their positives, held-out rows, positives
  if (comm.root()) {
    for (const OriginExamples* ex : fit) {
      counts[0] += ex->rows();
      for (std::uint8_t y : ex->label) counts[1] += y;
    }
    counts[2] = held_out.rows();
    for (std::uint8_t y : held_out.label) counts[3] += y;
  }
  comm.bcast(counts);
  const std::string loosen = "under this outcome rule (loosen --alpha, --margin or --min-increase, lengthen --horizon, or "
                             "check the campaign's codes and filters)";
  if (counts[1] == 0 || counts[1] == counts[0])
    throw ConfigError("outcomes", 0, "",
                      fmt::format("{} of the {} rows of the fitted origins ({} to {}) converted {}: nothing to learn",
                                  counts[1], counts[0], format_week(origins.back()), format_week(origins[1]), loosen));
  if (counts[3] == 0 || counts[3] == counts[2])
    throw ConfigError("outcomes", 0, "",
                      fmt::format("{} of the {} rows of the calibration origin {} converted {}: nothing to calibrate on",
                                  counts[3], counts[2], format_week(origins[0]), loosen));
  PropensityModel m = fit_propensity(comm, fit, &held_out, FeatureSet::kAll, options.fit);
  m.campaign = campaign.name;
  m.campaign_toml = campaign.toml;
  m.codes = matched_codes(cache.universe(), campaign);
  m.horizon = options.rule.horizon;
  m.alpha = options.rule.alpha;
  m.margin = options.rule.margin;
  m.min_increase = options.rule.min_increase;
  m.trigger_min = options.rule.trigger_min;
  m.as_of = format_week(as_of);
  for (WeekIndex t : origins) m.origins.push_back(format_week(t));
  if (comm.root()) {
    m.providers = cache.facts().providers.size();
    const Scores s = score_rows(m, held_out);
    const std::vector<std::uint32_t> order = order_by_score(s.propensity, held_out.provider);
    std::uint64_t positives = 0;
    for (std::uint8_t v : held_out.label) positives += v;
    double mean_p = 0;
    for (double p : s.propensity) mean_p += p;
    mean_p /= static_cast<double>(std::max<std::size_t>(1, held_out.rows()));
    m.metrics = {{"holdout_rows", static_cast<double>(held_out.rows())},
                 {"holdout_positives", static_cast<double>(positives)},
                 {"holdout_base_rate", static_cast<double>(positives) / static_cast<double>(std::max<std::size_t>(1, held_out.rows()))},
                 {"holdout_mean_propensity", mean_p},
                 {"holdout_pr_auc", average_precision(order, held_out.label)},
                 {"holdout_precision_1pct", precision_at(order, held_out.label, 0.01)},
                 {"holdout_precision_5pct", precision_at(order, held_out.label, 0.05)},
                 {"holdout_brier", brier_score(s.propensity, held_out.label)}};
  }
  return m;
}

}  // namespace signalrank::learn
