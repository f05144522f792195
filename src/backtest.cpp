// signalrank backtest: the closed loop. Ranks the universe as of week t exactly as `score` does
// (compute_ranking, distributed), measures what each eligible provider did in the h weeks after t
// (window_volume, distributed), and compares precision@k and lift of the signalrank list with the
// static top-decile-volume list and a random list. Rank 0 builds the table. Definitions in
// src/backtest.hpp.
#include "src/backtest.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <memory>
#include <numeric>

#include "io/campaign.hpp"
#include "io/csv.hpp"
#include "io/dates.hpp"
#include "io/error.hpp"
#include "src/action_support.hpp"
#include "src/commands.hpp"
#include "src/score.hpp"

namespace signalrank {

std::vector<std::uint8_t> conversions(std::span<const double> current, std::span<const double> future,
                                      std::span<const double> history, const ConversionRule& rule) {
  if (future.size() != current.size() || history.size() != current.size())
    throw std::invalid_argument("conversions: columns of different lengths");
  const double scale = static_cast<double>(rule.horizon) / rule.window_weeks * (1 + rule.margin);
  std::vector<std::uint8_t> out(current.size());
  for (std::size_t i = 0; i < current.size(); ++i) {
    const bool grew = future[i] > current[i] * scale && future[i] >= rule.trigger_min;
    const bool first = history[i] == 0 && future[i] > 0;
    out[i] = first ? kFirstActivity : grew ? kGrew : kNotConverted;
  }
  return out;
}

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

std::vector<std::pair<std::string, std::uint64_t>> backtest_ks(std::uint64_t eligible) {
  const std::uint64_t five = std::max<std::uint64_t>(1, static_cast<std::uint64_t>(std::llround(0.05 * static_cast<double>(eligible))));
  std::vector<std::pair<std::string, std::uint64_t>> ks = {{"100", 100}, {"1000", 1000}, {"5%", five}};
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
  std::uint64_t n_converted = 0, n_new = 0, n_adopters = 0;
  for (std::uint32_t p : signalrank_order) {
    n_converted += converted[p] != kNotConverted;
    n_new += converted[p] == kFirstActivity;
    if (!adopter.empty()) n_adopters += adopter[p];
  }
  const double base = eligible ? static_cast<double>(n_converted) / static_cast<double>(eligible) : 0.0;
  std::vector<BacktestRow> rows;
  auto row = [&](const std::string& list, const std::string& rule, std::uint64_t k, double hits, double new_writers,
                 double found) {
    BacktestRow r;
    r.list = list;
    r.k_rule = rule;
    r.k = k;
    r.hits = hits;
    r.new_writers = new_writers;
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
  auto list_row = [&](const char* name, std::span<const std::uint32_t> order, const std::string& rule, std::uint64_t k) {
    row(name, rule, k, first_k(order, k, converted), first_k(order, k, converted, kFirstActivity),
        adopter.empty() ? 0.0 : first_k(order, k, adopter));
  };
  for (const auto& [rule, k] : ks) {
    list_row("signalrank", signalrank_order, rule, k);
    list_row("top_decile", static_order, rule, k);
    const double share = static_cast<double>(k) / static_cast<double>(eligible);
    row("random", rule, k, static_cast<double>(n_converted) * share, static_cast<double>(n_new) * share,
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
  std::string out = csv_record({"list", "k_rule", "k", "converted_in_top_k", "new_writers_in_top_k", "precision",
                                "base_rate", "lift",
                                "adopters_found", "adopters", "recall"});
  for (const auto& r : rows)
    out += csv_record({r.list, r.k_rule, std::to_string(r.k), fmt::format("{:g}", r.hits),
                       fmt::format("{:g}", r.new_writers), fmt::format("{:.6f}", r.precision),
                       fmt::format("{:.6f}", r.base_rate), fmt_opt(r.lift, "{:.4f}"),
                       r.recall ? fmt::format("{:g}", r.adopters_found) : std::string(),
                       r.recall ? std::to_string(r.adopters) : std::string(), fmt_opt(r.recall, "{:.4f}")});
  return out;
}

std::string backtest_table(const std::vector<BacktestRow>& rows) {
  std::string out = fmt::format("{:<12} {:>5} {:>7} {:>10} {:>6} {:>10} {:>7} {:>8}\n", "list", "rule", "k",
                                "converted", "(new)", "precision", "lift", "recall");
  for (const auto& r : rows)
    out += fmt::format("{:<12} {:>5} {:>7} {:>10} {:>6} {:>10.4f} {:>7} {:>8}\n", r.list, r.k_rule, r.k,
                       fmt::format("{:.1f}", r.hits), fmt::format("{:.1f}", r.new_writers), r.precision, r.lift ? fmt::format("{:.2f}", *r.lift) : "-",
                       r.recall ? fmt::format("{:.3f}", *r.recall) : "-");
  return out;
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

// ---- the command ---------------------------------------------------------------------------------

namespace {

struct BacktestOptions {
  std::string universe, campaign, as_of, truth, out;
  int horizon = 13;
  double margin = 0.2;
};

constexpr int kStaticWeeks = 52;  // the static list's history

int run_backtest(const Comm& comm, const BacktestOptions& o) {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  // ---- check inputs on every rank before any heavy reading (errors are collective) ----
  const Campaign campaign = load_campaign(o.campaign);
  if (!std::filesystem::is_regular_file(o.universe))
    throw ConfigError("--universe", 0, "", "cannot open '" + o.universe + "': no such file");
  UniverseReader universe(comm, o.universe);
  const std::int32_t t = resolve_as_of(universe, o.as_of);
  const std::int32_t end = t + o.horizon;
  if (end > universe.last_week())
    throw ConfigError("--horizon", 0, "",
                      fmt::format("{} weeks after {} is {}, beyond the data's last week {}; the latest --as-of for this "
                                  "horizon is {}",
                                  o.horizon, format_week(t), format_week(end), format_week(universe.last_week()),
                                  format_week(universe.last_week() - o.horizon)));
  std::vector<PlantedAdopter> truth;
  if (!o.truth.empty()) truth = read_truth(o.truth);
  if (!o.out.empty()) check_output_folder("--out", o.out);

  // ---- the ranking as of t, and what happened around it (collective) ----
  Ranking ranking = compute_ranking(comm, universe, campaign, t, "", false);
  const double rank_s = std::chrono::duration<double>(Clock::now() - start).count();
  const std::vector<double> future = window_volume(comm, universe, campaign, end, o.horizon);
  const std::vector<double> past52 = window_volume(comm, universe, campaign, t, kStaticWeeks);
  const int history_weeks = std::max(1, t - universe.first_week() + 1);
  const std::vector<double> history = window_volume(comm, universe, campaign, t, history_weeks);
  const double outcome_s = std::chrono::duration<double>(Clock::now() - start).count() - rank_s;

  return run_on_root(comm, [&] {
    const Snapshot& s = ranking.snapshot;
    const Providers providers = universe.read_providers();
    const std::size_t n = providers.size();
    // Per provider index: eligibility and current volume from the snapshot (rank order).
    std::vector<std::uint8_t> eligible(n, 0);
    std::vector<double> current(n, 0);
    std::vector<std::uint32_t> signalrank_order;
    for (std::size_t row = 0; row < s.size(); ++row) {
      const auto p = static_cast<std::uint32_t>(index_of(providers.npi, s.npi[row]));
      current[p] = s.volume[row];
      if (s.rank[row] != 0) {
        eligible[p] = 1;
        signalrank_order.push_back(p);  // rows are in rank order
      }
    }
    const std::uint64_t n_eligible = signalrank_order.size();
    if (n_eligible == 0) throw ConfigError(o.campaign, 0, "", "no provider is eligible for this campaign; nothing to test");
    const std::vector<std::uint8_t> converted =
        conversions(current, future, history, {campaign.window_weeks, o.horizon, o.margin, campaign.trigger_min});
    const std::vector<std::uint32_t> static_order = static_volume_order(past52, providers.npi, eligible);

    std::vector<std::uint8_t> adopter;
    std::uint64_t planted = 0, planted_eligible = 0;
    if (!o.truth.empty()) {
      adopter.assign(n, 0);
      for (const auto& a : truth) {
        if (a.week <= t || a.week > end) continue;
        ++planted;
        const std::int64_t p = index_of(providers.npi, a.npi);
        if (p >= 0 && eligible[static_cast<std::size_t>(p)]) adopter[static_cast<std::size_t>(p)] = 1;
      }
      planted_eligible = static_cast<std::uint64_t>(std::count(adopter.begin(), adopter.end(), 1));
    }

    const auto rows = evaluate_lists(signalrank_order, static_order, converted, adopter, n_eligible);
    std::uint64_t n_converted = 0, n_new = 0, active52 = 0;
    for (std::uint32_t p : signalrank_order) {
      n_converted += converted[p] != kNotConverted;
      n_new += converted[p] == kFirstActivity;
      active52 += past52[p] > 0;
    }
    std::printf("backtest: %s as of %s, horizon %d weeks (to %s), margin %.2f; ranking %.2f s, outcomes %.2f s, %d ranks\n",
                campaign.name.c_str(), format_week(t).c_str(), o.horizon, format_week(end).c_str(), o.margin, rank_s,
                outcome_s, comm.size());
    std::printf("backtest: %llu eligible, %llu of them active in the 52 weeks to t (the static list's order beyond "
                "them is by NPI)\n",
                static_cast<unsigned long long>(n_eligible), static_cast<unsigned long long>(active52));
    std::printf("backtest: %llu converted (base rate %.4f): %llu grew beyond their pace, %llu new writers",
                static_cast<unsigned long long>(n_converted), rows.front().base_rate,
                static_cast<unsigned long long>(n_converted - n_new), static_cast<unsigned long long>(n_new));
    if (!o.truth.empty())
      std::printf("; planted adopters in the horizon: %llu, %llu of them eligible",
                  static_cast<unsigned long long>(planted), static_cast<unsigned long long>(planted_eligible));
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
      ->check(CLI::PositiveNumber);
  sub->add_option("--margin", o->margin, "growth beyond the current pace that counts as converted (default 0.2)")
      ->check(CLI::NonNegativeNumber);
  sub->add_option("--truth", o->truth, "truth.csv of generate (npi,adoption_week): adds recall of planted adopters")
      ->check(CLI::ExistingFile);
  sub->add_option("--out", o->out, "write the table as CSV here (atomically)");
  commands.push_back({sub, [o](const Comm& comm) { return run_backtest(comm, *o); }});
}

}  // namespace signalrank
