// signalrank backtest: the closed loop. Ranks the universe as of week t exactly as `score` does
// (compute_ranking, distributed), measures what each eligible provider did in the h weeks after t
// (CampaignWeeks: one distributed read of the campaign's rows, windows summed from memory), and compares precision@k and lift of the signalrank list with the
// static top-decile-volume list and a random list. Rank 0 builds the table. Definitions in
// src/commands/backtest.hpp.
#include "src/commands/backtest.hpp"
#include "src/commands/backtest_origins.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <memory>
#include <numeric>
#include <stdexcept>

#include "io/campaign.hpp"
#include "io/csv.hpp"
#include "io/dates.hpp"
#include "io/error.hpp"
#include "io/text.hpp"
#include "src/commands/support.hpp"
#include "src/commands/validators.hpp"
#include "src/commands/commands.hpp"
#include "src/learn/train.hpp"
#include "src/pipeline/pipeline.hpp"

namespace signalrank {

std::vector<std::uint32_t> static_volume_order(std::span<const double> volume, std::span<const std::uint64_t> npi,
                                               std::span<const std::uint8_t> eligible) {
  std::vector<std::uint32_t> order;
  for (std::uint32_t i = 0; i < eligible.size(); ++i)
    if (eligible[i]) order.push_back(i);
  std::sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) {
    return volume[a] != volume[b] ? volume[a] > volume[b] : npi[a] < npi[b];
  });
  return order;
}

std::pair<double, double> wilson_interval(std::uint64_t k, std::uint64_t n) {
  if (n == 0) return {NAN, NAN};
  constexpr double z = 1.959963984540054;
  const double nn = static_cast<double>(n), p = static_cast<double>(k) / nn;
  const double centre = (p + z * z / (2 * nn)) / (1 + z * z / nn);
  const double half = z / (1 + z * z / nn) * std::sqrt(p * (1 - p) / nn + z * z / (4 * nn * nn));
  return {std::max(0.0, centre - half), std::min(1.0, centre + half)};
}

std::vector<std::pair<std::string, std::uint64_t>> backtest_ks(std::uint64_t eligible) {
  auto share = [&](double q) {
    return std::max<std::uint64_t>(1, static_cast<std::uint64_t>(std::llround(q * static_cast<double>(eligible))));
  };
  std::vector<std::pair<std::string, std::uint64_t>> ks = {{"100", 100}, {"1%", share(0.01)}, {"1000", 1000}, {"5%", share(0.05)}};
  for (auto& [rule, k] : ks) k = std::min(k, eligible);
  std::stable_sort(ks.begin(), ks.end(), [](const auto& a, const auto& b) { return a.second < b.second; });
  ks.erase(std::unique(ks.begin(), ks.end(), [](const auto& a, const auto& b) { return a.second == b.second; }), ks.end());
  ks.erase(std::remove_if(ks.begin(), ks.end(), [](const auto& x) { return x.second == 0; }), ks.end());
  return ks;
}

std::vector<BacktestRow> evaluate_lists(std::span<const std::uint32_t> signalrank_order,
                                        std::span<const std::uint32_t> static_order,
                                        std::span<const std::uint8_t> converted, std::span<const std::uint8_t> adopter,
                                        std::uint64_t eligible) {
  const std::vector<RankedList> lists{{"signalrank", signalrank_order}, {"top_decile", static_order}};
  return evaluate_lists(lists, converted, adopter, eligible);
}

std::vector<BacktestRow> evaluate_lists(std::span<const RankedList> lists, std::span<const std::uint8_t> converted,
                                        std::span<const std::uint8_t> adopter, std::uint64_t eligible) {
  if (lists.empty()) throw std::invalid_argument("evaluate_lists: no list");
  std::uint64_t n_converted = 0, n_starts = 0, n_adopters = 0;
  for (std::uint32_t p : lists.front().order) {
    n_converted += converted[p] != kernels::kNotConverted;
    n_starts += converted[p] == kernels::kStart;
    if (!adopter.empty()) n_adopters += adopter[p];
  }
  const double base = eligible ? static_cast<double>(n_converted) / static_cast<double>(eligible) : 0.0;
  std::vector<BacktestRow> rows;
  auto row = [&](const std::string& list, const std::string& rule, std::uint64_t k, double hits, double starts,
                 double found) {
    BacktestRow r;
    r.list = list;
    r.k_rule = rule;
    r.k = k;
    r.hits = hits;
    r.starts = starts;
    r.precision = hits / static_cast<double>(k);
    r.base_rate = base;
    if (base > 0) r.lift = r.precision / base;
    r.adopters = n_adopters;
    r.adopters_found = found;
    if (!adopter.empty() && n_adopters > 0) r.recall = found / static_cast<double>(n_adopters);
    rows.push_back(r);
  };
  const auto ks = backtest_ks(eligible);
  // How many of the first k providers of `order` have flag[p] in `values`.
  auto first_k = [&](std::span<const std::uint32_t> order, std::uint64_t k, std::span<const std::uint8_t> flag,
                     std::uint8_t only = 0) {
    std::uint64_t c = 0;
    for (std::uint64_t j = 0; j < k && j < order.size(); ++j) c += only ? flag[order[j]] == only : flag[order[j]] != 0;
    return static_cast<double>(c);
  };
  auto list_row = [&](const std::string& name, std::span<const std::uint32_t> order, const std::string& rule,
                      std::uint64_t k) {
    row(name, rule, k, first_k(order, k, converted), first_k(order, k, converted, kernels::kStart),
        adopter.empty() ? 0.0 : first_k(order, k, adopter));
  };
  for (const auto& [rule, k] : ks) {
    for (const RankedList& l : lists) list_row(l.name, l.order, rule, k);
    const double share = static_cast<double>(k) / static_cast<double>(eligible);
    row("random", rule, k, static_cast<double>(n_converted) * share, static_cast<double>(n_starts) * share,
        static_cast<double>(n_adopters) * share);
  }
  return rows;
}

namespace {
std::string fmt_opt(const std::optional<double>& v, const char* spec) {
  return v ? fmt::format(fmt::runtime(spec), *v) : std::string();
}
}  // namespace

std::string backtest_csv(const std::vector<BacktestRow>& rows) {
  std::string out = csv_record({"list", "k_rule", "k", "converted_in_top_k", "starts_in_top_k", "precision",
                                "base_rate", "lift",
                                "adopters_found", "adopters", "recall", "placebo_rate"});
  for (const auto& r : rows)
    out += csv_record({r.list, r.k_rule, std::to_string(r.k), fmt::format("{:g}", r.hits),
                       fmt::format("{:g}", r.starts), fmt::format("{:.6f}", r.precision),
                       fmt::format("{:.6f}", r.base_rate), fmt_opt(r.lift, "{:.4f}"),
                       r.recall ? fmt::format("{:g}", r.adopters_found) : std::string(),
                       r.recall ? std::to_string(r.adopters) : std::string(), fmt_opt(r.recall, "{:.4f}"),
                       fmt::format("{:.6f}", r.placebo_rate)});
  return out;
}

std::string backtest_table(const std::vector<BacktestRow>& rows) {
  std::string out = fmt::format("{:<16} {:>5} {:>7} {:>10} {:>6} {:>10} {:>7} {:>8}\n", "list", "rule", "k",
                                "converted", "(start)", "precision", "lift", "recall");
  for (const auto& r : rows)
    out += fmt::format("{:<16} {:>5} {:>7} {:>10} {:>6} {:>10.4f} {:>7} {:>8}\n", r.list, r.k_rule, r.k,
                       fmt::format("{:.1f}", r.hits), fmt::format("{:.1f}", r.starts), r.precision, r.lift ? fmt::format("{:.2f}", *r.lift) : "-",
                       r.recall ? fmt::format("{:.3f}", *r.recall) : "-");
  return out;
}

void check_outcome_campaign(const Campaign& campaign, const std::string& path) {
  if (!(campaign.trigger_min >= 1))
    throw ConfigError(path, 0, "trigger_min",
                      fmt::format("is {:g}: outcomes need at least 1 (a start is trigger_min services after none)",
                                  campaign.trigger_min));
}

kernels::OutcomeRule outcome_rule(const Campaign& campaign, int horizon, double alpha, double margin,
                                  const std::optional<double>& min_increase) {
  return {horizon, alpha, margin, min_increase.value_or(campaign.trigger_min), campaign.trigger_min};
}

WeekIndex horizon_end_in_data(const UniverseReader& universe, WeekIndex as_of, int horizon) {
  const WeekIndex end = as_of + horizon;
  if (end.value > universe.last_week())
    throw ConfigError("--horizon", 0, "",
                      fmt::format("{} weeks after {} is {}, beyond the data's last week {}; the latest --as-of for this "
                                  "horizon is {}",
                                  horizon, format_week(as_of), format_week(end), format_week(universe.last_week()),
                                  format_week(universe.last_week() - horizon)));
  return end;
}

void check_codes_in_universe(const UniverseReader& universe, const Campaign& campaign, const std::string& path) {
  if (learn::matched_codes(universe, campaign).empty())
    throw ConfigError(path, 0, "codes", "no code of the campaign is in the universe: there is nothing to learn");
}

std::vector<PlantedAdopter> read_truth(const std::string& path) {
  const csv::MappedFile file(path);
  const std::string_view data = file.view();
  std::uint64_t nul_line = 0;
  if (const std::string binary = csv::binary_problem(data, &nul_line); !binary.empty())
    throw InputError(path, nul_line, "", binary);
  const csv::FileStart start = csv::file_start(data);
  csv::Tokenizer tok(',');
  std::array<std::string_view, 3> f;
  {
    const csv::SplitResult r = tok.split(start.first_line, f);
    if (r.problem != csv::FieldProblem::none || r.fields != 2 || !csv::iequals(csv::trim(f[0]), "npi") ||
        !csv::iequals(csv::trim(f[1]), "adoption_week"))
      throw InputError(path, 1, "npi", "wrong header: expected 'npi,adoption_week'");
  }
  std::vector<PlantedAdopter> out;
  csv::for_each_line(data.substr(start.after_first_line), [&](std::string_view line, std::uint64_t index) {
    if (line.empty()) return;
    const std::uint64_t at = index + 2;
    const csv::SplitResult r = tok.split(line, f);
    if (r.problem != csv::FieldProblem::none) throw InputError(path, at, "", "malformed quoting");
    if (r.fields != 2)
      throw InputError(path, at, "", "the row has " + std::to_string(r.fields) + " fields, expected npi,adoption_week");
    PlantedAdopter a;
    if (const csv::NpiError e = csv::parse_npi(f[0], &a.npi); e != csv::NpiError::none)
      throw InputError(path, at, "npi", csv::npi_reason(e, f[0]));
    if (std::string why = monday_problem(csv::trim(f[1]), &a.week); !why.empty())
      throw InputError(path, at, "adoption_week", why);
    out.push_back(a);
  });
  return out;
}

// ---- weights learnt from outcomes ---------------------------------------------------------------

namespace {

double weighted_score(const ScoreComponents& c, const kernels::ScoreWeights& w, std::size_t i) {
  // kernels::compute_scores' expression, term for term, so that ties fall the same way.
  return w.volume * c.volume[i] + w.growth * c.growth[i] + w.pagerank * c.pagerank[i] +
         w.peer_exposure * c.exposure[i] + w.trigger * (c.trigger[i] != 0 ? 1.0 : 0.0);
}

void check_components(const ScoreComponents& c) {
  const std::size_t n = c.npi.size();
  if (c.volume.size() != n || c.growth.size() != n || c.pagerank.size() != n || c.exposure.size() != n ||
      c.trigger.size() != n || (!c.converted.empty() && c.converted.size() != n))
    throw std::invalid_argument("score components of different lengths");
  if (n > UINT32_MAX) throw std::invalid_argument("more providers than uint32 indices");
}

// Conversions among the first k of `c` under `w`, for each k of `ks` (ascending, each <= the
// providers); `score` and `idx` are scratch of c's size. Successive nth_element calls narrow the
// range: the largest k over all providers, then each smaller k inside the previous top.
std::vector<std::uint64_t> hits_in_top_ks(const ScoreComponents& c, const kernels::ScoreWeights& w,
                                          const std::vector<std::uint64_t>& ks, std::vector<double>& score,
                                          std::vector<std::uint32_t>& idx) {
  const std::size_t n = c.npi.size();
  for (std::size_t i = 0; i < n; ++i) score[i] = weighted_score(c, w, i);
  std::iota(idx.begin(), idx.end(), 0u);
  auto better = [&](std::uint32_t a, std::uint32_t b) {
    return score[a] != score[b] ? score[a] > score[b] : c.npi[a] < c.npi[b];
  };
  std::vector<std::uint64_t> hits(ks.size());
  std::size_t range = n;
  for (std::size_t j = ks.size(); j-- > 0;) {
    const std::uint64_t k = ks[j];
    if (k < range) std::nth_element(idx.begin(), idx.begin() + static_cast<std::ptrdiff_t>(k),
                                    idx.begin() + static_cast<std::ptrdiff_t>(range), better);
    range = k;
    for (std::uint64_t r = 0; r < k; ++r) hits[j] += c.converted[idx[r]] != kernels::kNotConverted;
  }
  return hits;
}

// The tuning objective: the sum of precision@k over the ks.
double precision_sum(const std::vector<std::uint64_t>& hits, const std::vector<std::uint64_t>& ks) {
  double sum = 0;
  for (std::size_t j = 0; j < ks.size(); ++j) sum += static_cast<double>(hits[j]) / static_cast<double>(ks[j]);
  return sum;
}

}  // namespace

std::vector<std::uint32_t> order_by_weights(const ScoreComponents& c, const kernels::ScoreWeights& w) {
  check_components(c);
  const std::size_t n = c.npi.size();
  std::vector<double> score(n);
  for (std::size_t i = 0; i < n; ++i) score[i] = weighted_score(c, w, i);
  std::vector<std::uint32_t> idx(n);
  std::iota(idx.begin(), idx.end(), 0u);
  std::sort(idx.begin(), idx.end(), [&](std::uint32_t a, std::uint32_t b) {
    return score[a] != score[b] ? score[a] > score[b] : c.npi[a] < c.npi[b];
  });
  return idx;
}

TunedWeights tune_weights(const ScoreComponents& c, std::vector<std::uint64_t> ks, double step,
                          const kernels::ScoreWeights& current) {
  check_components(c);
  if (c.converted.size() != c.npi.size()) throw std::invalid_argument("tune_weights: no conversion flags");
  const double parts_f = 1.0 / step;
  const long parts = std::lround(parts_f);
  if (!(step > 0) || parts < 1 || parts > 100 || std::fabs(parts_f - static_cast<double>(parts)) > 1e-9)
    throw std::invalid_argument("tune_weights: 1/step must be a whole number from 1 to 100");
  const std::size_t n = c.npi.size();
  if (ks.empty() || n == 0) throw std::invalid_argument("tune_weights: no k or no providers");
  for (auto& k : ks) {
    if (k == 0) throw std::invalid_argument("tune_weights: k must be at least 1");
    k = std::min<std::uint64_t>(k, n);
  }
  std::sort(ks.begin(), ks.end());
  ks.erase(std::unique(ks.begin(), ks.end()), ks.end());

  // The grid: integer parts (a, b, c, d, e) with a + b + c + d + e = parts, volume slowest.
  std::vector<std::array<int, 5>> grid;
  for (int a = 0; a <= parts; ++a)
    for (int b = 0; a + b <= parts; ++b)
      for (int p = 0; a + b + p <= parts; ++p)
        for (int e = 0; a + b + p + e <= parts; ++e) grid.push_back({a, b, p, e, static_cast<int>(parts) - a - b - p - e});
  auto weights_of = [&](const std::array<int, 5>& g) {
    const double q = static_cast<double>(parts);
    return kernels::ScoreWeights{g[0] / q, g[1] / q, g[2] / q, g[3] / q, g[4] / q};
  };
  auto distance = [&](const kernels::ScoreWeights& w) {
    return std::fabs(w.volume - current.volume) + std::fabs(w.growth - current.growth) +
           std::fabs(w.pagerank - current.pagerank) + std::fabs(w.peer_exposure - current.peer_exposure) +
           std::fabs(w.trigger - current.trigger);
  };

  std::vector<std::vector<std::uint64_t>> hits(grid.size());
#pragma omp parallel
  {
    std::vector<double> score(n);
    std::vector<std::uint32_t> idx(n);
#pragma omp for schedule(dynamic, 4)
    for (std::size_t g = 0; g < grid.size(); ++g) hits[g] = hits_in_top_ks(c, weights_of(grid[g]), ks, score, idx);
  }
  std::size_t best = 0;
  double best_objective = precision_sum(hits[0], ks);
  for (std::size_t g = 1; g < grid.size(); ++g) {
    const double objective = precision_sum(hits[g], ks);
    if (objective > best_objective ||
        (objective == best_objective && distance(weights_of(grid[g])) < distance(weights_of(grid[best])) - 1e-12)) {
      best = g;
      best_objective = objective;
    }
  }
  TunedWeights out;
  out.weights = weights_of(grid[best]);
  out.ks = ks;
  out.hits = hits[best];
  out.objective = best_objective;
  out.candidates = grid.size();
  std::vector<double> score(n);
  std::vector<std::uint32_t> idx(n);
  out.current_hits = hits_in_top_ks(c, current, ks, score, idx);
  out.current_objective = precision_sum(out.current_hits, ks);
  return out;
}

// ---- the command ---------------------------------------------------------------------------------

namespace {

struct BacktestOptions {
  std::string universe, campaign, as_of, truth, out;
  int horizon = 13;
  double margin = 0.2, alpha = 0.01;
  std::optional<double> min_increase;  // default: the campaign's trigger_min
  std::uint64_t placebo_seed = 1;
  bool tune = false;
  double tune_step = 0.1;
  std::vector<std::uint64_t> tune_k;  // empty: the table's ks at the tuning date
};

// The eligible rows of a snapshot as score components, with each one's provider index in
// `provider` and its conversion flag taken from `converted` (per provider index, may be empty).
ScoreComponents components_of(const Snapshot& s, const Providers& providers, std::span<const std::uint8_t> converted,
                              std::vector<std::uint32_t>& provider) {
  ScoreComponents c;
  provider.clear();
  for (std::size_t row = 0; row < s.size(); ++row) {
    if (s.rank[row] == 0) continue;
    const auto p = static_cast<std::uint32_t>(index_of(providers.npi, s.npi[row]));
    provider.push_back(p);
    c.volume.push_back(s.pct_volume[row]);
    c.growth.push_back(s.pct_growth[row]);
    c.pagerank.push_back(s.pct_pagerank[row]);
    c.exposure.push_back(s.pct_peer_exposure[row]);
    c.trigger.push_back(s.trigger[row]);
    c.npi.push_back(s.npi[row]);
    if (!converted.empty()) c.converted.push_back(converted[p]);
  }
  return c;
}

std::string weights_text(const kernels::ScoreWeights& w) {
  return fmt::format("volume = {:g}, growth = {:g}, pagerank = {:g}, peer_exposure = {:g}, trigger = {:g}", w.volume,
                     w.growth, w.pagerank, w.peer_exposure, w.trigger);
}


constexpr int kStaticWeeks = 52;  // the static list's history

// The Wilson score interval (95 %) of a proportion k / n, as "[lo, hi]".
std::string wilson95(std::uint64_t k, std::uint64_t n) {
  if (n == 0) return "[-]";
  const auto [lo, hi] = wilson_interval(k, n);
  return fmt::format("[{:.5f}, {:.5f}]", lo, hi);
}

int run_backtest(const Comm& comm, const BacktestOptions& o) {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  say(comm, "[backtest] " + threads_note());
  // ---- check inputs on every rank before any heavy reading (errors are collective) ----
  const Campaign campaign = load_campaign(o.campaign);
  check_input_file("--universe", o.universe);
  UniverseReader universe(comm, o.universe);
  const WeekIndex as_of_week = pipeline::resolve_as_of(universe, o.as_of);
  const WeekIndex horizon_end = horizon_end_in_data(universe, as_of_week, o.horizon);
  std::vector<PlantedAdopter> truth;
  if (!o.truth.empty()) truth = read_truth(o.truth);
  check_outcome_campaign(campaign, o.campaign);
  if (!o.out.empty())
    check_output_folder("--out", o.out,
                        {{"--universe", o.universe}, {"--campaign", o.campaign}, {"--truth", o.truth},
                         {"campaign's suppression", campaign.suppression}});

  if (o.tune) {
    const double parts = 1.0 / o.tune_step;
    if (std::fabs(parts - std::round(parts)) > 1e-9)
      throw ConfigError("--tune-step", 0, "", fmt::format("1/{:g} is not a whole number (try 0.1, 0.05 or 0.25)", o.tune_step));
  }
  const WeekIndex training_week = as_of_week - o.horizon;  // tuning: the ranking one horizon earlier, outcomes up to as_of_week
  if (o.tune && (training_week - campaign.window_weeks + 1).value < universe.first_week())
    throw ConfigError("--tune-weights", 0, "",
                      fmt::format("tuning ranks as of {} (--as-of minus the horizon) and needs its {}-week window inside "
                                  "the data, which starts {}",
                                  format_week(training_week), campaign.window_weeks, format_week(universe.first_week())));

  const kernels::OutcomeRule rule = outcome_rule(campaign, o.horizon, o.alpha, o.margin, o.min_increase);
  // ---- tuning (optional): rank as of training_week, outcomes in (training_week, as_of_week] — nothing after as_of_week is used ----
  pipeline::Ranking training;
  pipeline::Outcomes train_outcomes;
  // Every outcome and window below comes from one read of the campaign's rows (its time counts
  // as outcomes' in the report).
  const auto weeks_start = Clock::now();
  const pipeline::CampaignWeeks weeks(comm, universe, campaign, horizon_end);
  const double weeks_read_s = std::chrono::duration<double>(Clock::now() - weeks_start).count();
  if (o.tune) {
    training = pipeline::compute_ranking(comm, universe, campaign, training_week, {});
    train_outcomes = weeks.outcomes(training_week, rule, std::nullopt);  // tuning needs no placebo
  }
  const double tune_read_s = std::chrono::duration<double>(Clock::now() - start).count();

  // ---- the ranking as of as_of_week, and what happened around it (collective) ----
  pipeline::Ranking ranking = pipeline::compute_ranking(comm, universe, campaign, as_of_week, {});
  const double rank_s = std::chrono::duration<double>(Clock::now() - start).count() - tune_read_s;
  const pipeline::Outcomes outcomes = weeks.outcomes(as_of_week, rule, o.placebo_seed);
  const std::vector<double> past52 = weeks.window_volume(as_of_week, kStaticWeeks);
  const double outcome_s =
      std::chrono::duration<double>(Clock::now() - start).count() - rank_s - tune_read_s + weeks_read_s;

  return run_on_root(comm, [&] {
    const Snapshot& s = ranking.snapshot;
    const Providers providers = universe.read_providers();
    const std::size_t n = providers.size();
    // Per provider index: eligibility from the snapshot (rank order).
    std::vector<std::uint8_t> eligible(n, 0);
    std::vector<std::uint32_t> signalrank_order;
    for (std::size_t row = 0; row < s.size(); ++row) {
      const auto p = static_cast<std::uint32_t>(index_of(providers.npi, s.npi[row]));
      if (s.rank[row] != 0) {
        eligible[p] = 1;
        signalrank_order.push_back(p);  // rows are in rank order
      }
    }
    const std::uint64_t n_eligible = signalrank_order.size();
    if (n_eligible == 0) throw ConfigError(o.campaign, 0, "", "no provider is eligible for this campaign; nothing to test");
    const std::vector<std::uint8_t>& converted = outcomes.converted;
    const std::vector<std::uint32_t> static_order = static_volume_order(past52, providers.npi, eligible);

    std::vector<std::uint8_t> adopter;
    std::uint64_t planted = 0, planted_eligible = 0;
    if (!o.truth.empty()) {
      adopter.assign(n, 0);
      for (const auto& a : truth) {
        if (a.week <= as_of_week.value || a.week > horizon_end.value) continue;
        ++planted;
        const std::int64_t p = index_of(providers.npi, a.npi);
        if (p >= 0 && eligible[static_cast<std::size_t>(p)]) adopter[static_cast<std::size_t>(p)] = 1;
      }
      planted_eligible = static_cast<std::uint64_t>(std::count(adopter.begin(), adopter.end(), 1));
    }

    std::vector<RankedList> lists{{"signalrank", signalrank_order}};
    std::vector<std::uint32_t> tuned_order;
    TunedWeights tuned;
    const kernels::ScoreWeights current_weights{campaign.weights.volume, campaign.weights.growth,
                                                campaign.weights.pagerank, campaign.weights.peer_exposure,
                                                campaign.weights.trigger};
    if (o.tune) {
      // Learn on (training_week, as_of_week], then order the ranking as of as_of_week by the learnt weights.
      const Snapshot& ts = training.snapshot;
      const std::vector<std::uint8_t>& train_converted = train_outcomes.converted;
      std::vector<std::uint32_t> train_provider, now_provider;
      const ScoreComponents train = components_of(ts, providers, train_converted, train_provider);
      if (train.npi.empty()) throw ConfigError(o.campaign, 0, "", "no provider is eligible at the tuning date");
      std::vector<std::uint64_t> ks = o.tune_k;
      if (ks.empty())
        for (const auto& [rule, k] : backtest_ks(train.npi.size())) ks.push_back(k);
      tuned = tune_weights(train, ks, o.tune_step, current_weights);
      const ScoreComponents now = components_of(s, providers, {}, now_provider);
      for (std::uint32_t i : order_by_weights(now, tuned.weights)) tuned_order.push_back(now_provider[i]);
      lists.push_back({"signalrank_tuned", tuned_order});
    }
    lists.push_back({"top_decile", static_order});
    auto rows = evaluate_lists(lists, converted, adopter, n_eligible);
    std::uint64_t n_converted = 0, n_starts = 0, active52 = 0, n_placebo = 0;
    for (std::uint32_t p : signalrank_order) {
      n_converted += converted[p] != kernels::kNotConverted;
      n_starts += converted[p] == kernels::kStart;
      active52 += past52[p] > 0;
      n_placebo += outcomes.placebo[p] != kernels::kNotConverted;
    }
    const double placebo_rate = static_cast<double>(n_placebo) / static_cast<double>(n_eligible);
    for (BacktestRow& r : rows) r.placebo_rate = placebo_rate;
    std::printf("backtest: %s as of %s, horizon %d weeks (to %s); ranking %.2f s, outcomes %.2f s, %d ranks\n",
                campaign.name.c_str(), format_week(as_of_week).c_str(), o.horizon, format_week(horizon_end).c_str(), rank_s,
                outcome_s, comm.size());
    std::printf("backtest: %llu eligible, %llu of them active in the 52 weeks to t (the static list's order beyond "
                "them is by NPI)\n",
                static_cast<unsigned long long>(n_eligible), static_cast<unsigned long long>(active52));
    std::printf("backtest: converted = start (no services in the %d weeks to t, >= %g in the horizon) or ramp (the "
                "horizon's services above the %d-week pace x %d weeks x season %.4f by the exact two-rate test at "
                "p < %g, by %g %% and by %g services)\n",
                outcomes.baseline_weeks, rule.trigger_min, outcomes.baseline_weeks, o.horizon, outcomes.seasonal, rule.alpha,
                100 * rule.margin, rule.min_increase);
    std::printf("backtest: %llu converted (base rate %.4f, 95 %% interval %s): %llu ramps, %llu starts",
                static_cast<unsigned long long>(n_converted), rows.front().base_rate,
                wilson95(n_converted, n_eligible).c_str(),
                static_cast<unsigned long long>(n_converted - n_starts), static_cast<unsigned long long>(n_starts));
    if (!o.truth.empty())
      std::printf("; planted adopters in the horizon: %llu, %llu of them eligible",
                  static_cast<unsigned long long>(planted), static_cast<unsigned long long>(planted_eligible));
    if (o.tune) {
      std::string per_k;
      for (std::size_t j = 0; j < tuned.ks.size(); ++j)
        per_k += fmt::format("{}{}: {} vs {}", j ? ", " : "", tuned.ks[j], tuned.hits[j], tuned.current_hits[j]);
      std::printf("\nbacktest: weights tuned as of %s on the outcomes to %s (%zu candidates, step %g), maximising the "
                  "sum of precision@k over k = %s: %.4f vs %.4f with the campaign's weights (conversions in "
                  "the top k, tuned vs campaign — %s)\n",
                  format_week(training_week).c_str(), format_week(as_of_week).c_str(), tuned.candidates, o.tune_step,
                  (o.tune_k.empty() ? "the table's" : "--tune-k's"), tuned.objective,
                  tuned.current_objective, per_k.c_str());
      std::printf("backtest: campaign weights: %s\n", weights_text(current_weights).c_str());
      std::printf("backtest: tuned weights:    %s  (list signalrank_tuned, tested out of sample below)\n",
                  weights_text(tuned.weights).c_str());
      std::printf("backtest: to use them, set in the campaign file:\n[weights]\nvolume = %g\ngrowth = %g\npagerank = "
                  "%g\npeer_exposure = %g\ntrigger = %g\n",
                  tuned.weights.volume, tuned.weights.growth, tuned.weights.pagerank, tuned.weights.peer_exposure,
                  tuned.weights.trigger);
    }
    if (outcomes.placebo_baseline_weeks > 0)
      std::printf("\nbacktest: placebo (the rule on each provider's own %d + %d weeks to t in random order, seed %llu): "
                  "%llu of the eligible convert, rate %.5f (95 %% interval %s) = %.1f %% of the base rate",
                  outcomes.placebo_baseline_weeks, o.horizon, static_cast<unsigned long long>(o.placebo_seed),
                  static_cast<unsigned long long>(n_placebo), placebo_rate, wilson95(n_placebo, n_eligible).c_str(),
                  rows.front().base_rate > 0 ? 100 * placebo_rate / rows.front().base_rate : 0.0);
    else
      std::printf("\nbacktest: placebo: not computed (fewer than %d weeks of data to t)", o.horizon + 1);
    std::printf("\n%s", backtest_table(rows).c_str());
    if (!o.out.empty()) {
      write_text_atomically(o.out, backtest_csv(rows));
      std::printf("backtest: wrote %s\n", o.out.c_str());
    }
    return kExitOk;
  });
}

}  // namespace

void register_backtest(CLI::App& app, std::vector<Command>& commands) {
  auto o = std::make_shared<BacktestOptions>();
  CLI::App* sub = app.add_subcommand(
      "backtest", "Closed loop: precision@k of the ranking as of a week against later activity, vs the static top-decile list");
  sub->add_option("--universe", o->universe, "universe.h5")->required();
  sub->add_option("--campaign", o->campaign, "campaign TOML (SPEC section 3)")->required();
  sub->add_option("--as-of", o->as_of, "the Monday t of the ranking (YYYY-MM-DD); t + horizon must be inside the data")
      ->required();
  sub->add_option("--horizon", o->horizon, "weeks after t in which conversions count (default 13)")
      ->check(cli::number_in(1, 520));
  sub->add_option("--margin", o->margin, "a ramp's relative margin over its expected volume (default 0.2)")
      ->check(cli::number_in(0, 100));
  sub->add_option("--alpha", o->alpha, "a ramp's one-sided test level (default 0.01)")
      ->check(cli::number_in(0, 0.5, true));
  sub->add_option("--min-increase", o->min_increase,
                  "a ramp's least increase over its expected volume, in services (default: the campaign's trigger_min)")
      ->check(cli::number_in(0, 1e9));
  sub->add_option("--placebo-seed", o->placebo_seed, "seed of the placebo's shuffles (default 1)")
      ->check(cli::whole_number());
  sub->add_option("--truth", o->truth, "truth.csv of generate (npi,adoption_week): adds recall of planted adopters")
      ->check(CLI::ExistingFile);
  sub->add_option("--out", o->out, "write the table as CSV here (atomically; with --origins, the per-origin table of docs/contract.md)");
  sub->add_flag("--tune-weights", o->tune,
                "learn the score weights from the outcomes of the horizon before --as-of (grid search for the most "
                "conversions in the top --tune-k), then test them after --as-of as the list signalrank_tuned");
  sub->add_option("--tune-step", o->tune_step, "grid step of the weights, 1/step a whole number (default 0.1: 1001 "
                                               "candidates; 0.05: 10626)")
      ->check(cli::number_in(0.01, 1));
  sub->add_option("--tune-k", o->tune_k,
                  "the k (one or more, comma-separated) whose summed precision tuning maximises (default: the "
                  "table's 100, 1000 and 5 % of eligible)")
      ->delimiter(',')
      ->check(CLI::Validator(
          [](std::string& v) {
            return v.find_first_not_of("0123456789") == std::string::npos && v.find_first_not_of('0') != std::string::npos
                       ? std::string()
                       : text::quote(v) + " is not a list length (a whole number, at least 1)";
          },
          "K", "list length"));
  // The out-of-time proof over several origins (src/commands/backtest_origins.hpp).
  auto m = std::make_shared<BacktestOriginsOptions>();
  CLI::Option* origins = sub->add_option("--origins", m->origins,
                                         "evaluate at this many origins, --as-of and every --origin-step weeks before, "
                                         "the propensity model trained at each on what was known then")
                             ->check(cli::number_in(1, 520));
  sub->add_option("--origin-step", m->origin_step, "weeks between origins, evaluated and trained (default 4)")
      ->check(cli::number_in(1, 520))
      ->needs(origins);
  sub->add_option("--train-origins", m->train_origins,
                  "the model's training origins at each origin, at most (default 8; fewer where the data begin later)")
      ->check(cli::number_in(2, 520))
      ->needs(origins);
  sub->add_option("--l2", m->l2, "the model's L2 penalty (default 0.001)")->check(cli::number_in(0, 10))->needs(origins);
  sub->add_option("--calibration-out", m->calibration_out, "write the pooled calibration table as CSV here")
      ->needs(origins);
  sub->add_option("--bootstrap-seed", m->seed, "seed of the calibration table's bootstrap (default 1)")
      ->check(cli::whole_number())
      ->needs(origins);
  for (const char* name : {"--tune-weights", "--truth", "--tune-step", "--tune-k", "--placebo-seed"})
    origins->excludes(sub->get_option(name));
  commands.push_back({sub, [o, m, origins](const Comm& comm, const Observers&) {
                        if (origins->count() == 0) return run_backtest(comm, *o);
                        BacktestOriginsOptions p = *m;
                        p.universe = o->universe;
                        p.campaign = o->campaign;
                        p.as_of = o->as_of;
                        p.out = o->out;
                        p.horizon = o->horizon;
                        p.margin = o->margin;
                        p.alpha = o->alpha;
                        p.min_increase = o->min_increase;
                        return run_backtest_origins(comm, p);
                      }});
}

}  // namespace signalrank
