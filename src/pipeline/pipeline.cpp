// compute_ranking: the stages of src/pipeline/stages.hpp in order, one timer each. Rank 0
// prints one line per phase when verbose (the figures scripts/bench and the tests read).
#include "src/pipeline/pipeline.hpp"

#include <omp.h>

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

#include "io/agree.hpp"
#include "io/error.hpp"
#include "io/ingest_suppression.hpp"

namespace signalrank::pipeline {

namespace {

// The suppression list as one flag per provider: read by rank 0 before any heavy reading, so
// that a bad list fails at once and on every rank (one error line), not after PageRank.
std::vector<std::uint8_t> suppression_flags(const Comm& comm, const Campaign& campaign, const Providers& providers) {
  std::vector<std::uint8_t> flags;
  run_on_root(comm, [&] {
    flags = campaign.suppression.empty() ? std::vector<std::uint8_t>(providers.size(), 0)
                                         : read_suppression(campaign.suppression, providers);
    return kExitOk;
  });
  comm.bcast(flags);
  return flags;
}

}  // namespace

Ranking compute_ranking(const Comm& comm, const UniverseReader& universe, const Campaign& campaign,
                        WeekIndex as_of_week, const RankingOptions& options) {
  auto report = [&](const std::string& line) {
    if (options.verbose) say(comm, line);
  };
  Stopwatch clock;
  PhaseTimes times;

  // ---- plan and read ----
  const Providers providers = universe.read_providers();
  const std::vector<std::uint8_t> code_match = campaign.match(universe.read_codes());
  std::vector<std::uint8_t> suppressed_all = suppression_flags(comm, campaign, providers);
  OwnedData data = read_owned(comm, universe, plan_ownership(comm, universe, providers, options.partition, false),
                              code_match, trend_weeks(campaign, as_of_week));
  report(fmt::format("[score] read       {:7.2f} s  providers {}  claims {}  edges {}  ranks {}  threads {}",
                     times.add("read", clock.lap()), providers.size(), universe.num_claims(), universe.num_edges(),
                     comm.size(), omp_get_max_threads()));

  redistribute(comm, data);
  const double redistribute_s = times.add("redistribute", clock.lap());
  if (!data.own.is_block())
    report(fmt::format("[score] redistribute {:5.2f} s  partition {}  owned providers per rank {} to {}", redistribute_s,
                       data.own.name(), static_cast<std::uint64_t>(comm.min(static_cast<double>(data.n_owned()))),
                       comm.max(std::uint64_t{data.n_owned()})));

  // ---- trends ----
  Columns columns(data.n_owned());
  const std::size_t kept_claims = data.claims.week.size();
  compute_trends(data, as_of_week, campaign, columns);
  data.claims = {};  // nothing after the trends needs the claims
  report(fmt::format("[score] trends     {:7.2f} s", times.add("trends", clock.lap())));

  // ---- graph and halo plans ----
  LocalGraph graph = build_local_graph(data, providers);  // moves the edge columns into the CSRs
  const double graph_s = times.add("graph", clock.lap());
  plan_halos(comm, data.own, graph);
  const double halo_setup_s = times.add("halo_setup", clock.lap());
  const std::uint64_t ghosts = comm.sum(std::uint64_t{graph.n_in_ghosts});
  report(fmt::format("[score] graph      {:7.2f} s  ghost vertices {} (summed over ranks), halo setup {:.2f} s",
                     graph_s + halo_setup_s, ghosts, halo_setup_s));

  // ---- PageRank (resuming a checkpoint of this very run, if there is one) ----
  CheckpointContext checkpoint;
  if (!options.checkpoint_folder.empty()) {
    RunFingerprint fp = fingerprint_files(universe.path(), campaign.toml);
    fp.as_of_week = as_of_week.value;
    fp.ranks = comm.size();
    fp.bounds = data.own.read_layout().bounds();
    fp.partition = data.own.name();
    checkpoint = find_checkpoint(comm, options.checkpoint_folder, std::move(fp), data.n_owned());
  }
  const PageRankRun run{options.checkpoint_folder.empty() ? nullptr : &checkpoint, options.verbose, options.observer};
  const PageRankResult pr = run_pagerank(comm, graph, providers.size(), campaign, run, columns);
  const std::uint64_t halo_bytes = comm.sum(pr.halo_bytes_per_iteration);
  const double pagerank_s = times.add("pagerank", clock.lap());
  report(fmt::format("[score] pagerank   {:7.2f} s  iterations {}  residual {:.3e}  {:.1f} M edges/s  halo {} B/iter",
                     pagerank_s, pr.iterations, pr.residual,
                     pagerank_s > 0 ? static_cast<double>(universe.num_edges()) * pr.iterations / pagerank_s / 1e6 : 0.0,
                     halo_bytes));

  // ---- peer exposure ----
  compute_peer_exposure(graph, columns);
  report(fmt::format("[score] exposure   {:7.2f} s", times.add("peer_exposure", clock.lap())));

  // ---- rank ----
  RankedRows ranked = rank_rows(comm, data, columns, providers, suppressed_all, campaign, options.gather_snapshot);
  suppressed_all = {};
  Ranking out;
  out.snapshot = std::move(ranked.snapshot);
  out.slice_offset = ranked.slice_offset;
  out.total_rows = ranked.total_rows;
  out.eligible = ranked.eligible;
  if (comm.root() || !options.gather_snapshot) {
    Snapshot& s = out.snapshot;
    s.campaign = campaign.name;
    s.as_of = format_week(as_of_week);
    s.campaign_toml = campaign.toml;
    s.version = SIGNALRANK_VERSION;
    s.mpi_ranks = comm.size();
    s.omp_threads = omp_get_max_threads();
    s.iterations = pr.iterations;
    s.residual = pr.residual;
    s.created_utc = utc_now();
  }
  out.iterations = pr.iterations;
  out.residual = pr.residual;
  report(fmt::format("[score] rank       {:7.2f} s  eligible {}", times.add("rank", clock.lap()), out.eligible));

  // ---- the run's figures: the slowest rank's seconds per phase, and every rank's ----
  for (const auto& [name, seconds] : times.phases) out.phases.emplace_back(name, comm.max(seconds));
  // Ghosts as in the graph line above: PageRank's (in-edge sources), whose halo the bytes are.
  out.summary = gather_run_summary(comm, times, data.n_owned(), graph.n_in_ghosts, pr.halo_bytes_per_iteration);
  out.residuals = pr.residuals;
  out.halo_bytes_per_iteration = halo_bytes;
  out.halo_values_per_iteration = comm.sum(graph.pagerank_halo.values_sent());
  out.ghost_vertices = ghosts;
  out.pagerank_halo_s = comm.max(pr.halo_s);
  out.pagerank_pull_s = comm.max(pr.pull_s);
  out.pagerank_finish_s = comm.max(pr.finish_s);
  out.pagerank_sums_s = comm.max(pr.sums_s);
  out.claims_scan_s = comm.max(data.claims_read_s);
  out.claims_kept = comm.sum(std::uint64_t{kept_claims});
  return out;
}

CampaignWeeks::CampaignWeeks(const Comm& comm, const UniverseReader& universe, const Campaign& campaign,
                             WeekIndex last_week)
    : comm_(comm), first_week_(universe.first_week()), last_week_(last_week.value) {
  const BlockLayout layout = read_layout(comm, root_shape(comm, universe));
  begin_ = layout.begin(comm.rank());
  agree_on_errors(comm, [&] {
    series_ = universe.read_claim_series(layout.begin(comm.rank()), layout.end(comm.rank()),
                                         campaign.match(universe.read_codes()), universe.first_week(), last_week.value);
  });
}

std::vector<double> CampaignWeeks::local_window(std::int32_t last, int weeks) const {
  const std::size_t n = series_.offsets.size() - 1;
  std::vector<double> volume(n, 0.0);
#pragma omp parallel for schedule(static)
  for (std::size_t i = 0; i < n; ++i) {
    double v = 0.0;
    for (std::uint64_t r = series_.offsets[i]; r < series_.offsets[i + 1]; ++r)
      if (series_.week[r] <= last && series_.week[r] > last - weeks) v += series_.services[r];
    volume[i] = v;
  }
  return volume;
}

std::vector<double> CampaignWeeks::window_volume(WeekIndex last_week, int weeks) const {
  return comm_.gatherv<double>(local_window(last_week.value, weeks));
}

Outcomes CampaignWeeks::outcomes(WeekIndex t, const kernels::OutcomeRule& rule,
                                 std::optional<std::uint64_t> placebo_seed) const {
  if (t.value + rule.horizon > last_week_ || t.value < first_week_)
    throw std::logic_error("CampaignWeeks::outcomes: the horizon is outside the weeks read");
  Outcomes out;
  out.baseline_weeks = std::min(kernels::kBaselineWeeks, t.value - first_week_ + 1);
  // The seasonal factor from the universe's weekly totals over the 78 weeks to t (exact: integer sums).
  constexpr int kSeasonWeeks = kernels::kBaselineWeeks + kernels::kBaselineWeeks / 2;
  const std::int32_t season_first = t.value - kSeasonWeeks + 1;
  if (season_first >= first_week_) {
    std::vector<std::int64_t> totals(kSeasonWeeks, 0);
    for (std::size_t r = 0; r < series_.week.size(); ++r)
      if (series_.week[r] >= season_first && series_.week[r] <= t.value)
        totals[static_cast<std::size_t>(series_.week[r] - season_first)] += series_.services[r];
    comm_.sum_in_place(totals);
    out.seasonal = kernels::seasonal_factor(std::vector<double>(totals.begin(), totals.end()), rule.horizon);
  }
  const kernels::WeeklySeries series{series_.offsets, series_.week, series_.services};
  const std::size_t n = series_.offsets.size() - 1;
  std::vector<std::uint8_t> converted(n), placebo(n, kernels::kNotConverted);
  kernels::outcomes_from_series(series, t.value, out.baseline_weeks, out.seasonal, rule, converted);
  // The placebo's B + h weeks must all be inside the data: a shorter baseline where they are not.
  if (placebo_seed)
    out.placebo_baseline_weeks = std::max(0, std::min(out.baseline_weeks, t.value - first_week_ + 1 - rule.horizon));
  if (out.placebo_baseline_weeks > 0) {
    std::vector<std::uint64_t> key(n);
    for (std::size_t i = 0; i < n; ++i) key[i] = begin_ + i;
    kernels::placebo_outcomes(series, key, t.value, out.placebo_baseline_weeks, rule, *placebo_seed, placebo);
  }
  out.converted = comm_.gatherv<std::uint8_t>(converted);
  out.placebo = comm_.gatherv<std::uint8_t>(placebo);
  return out;
}

CampaignWeeks::Activity CampaignWeeks::activity(WeekIndex t) const {
  const std::size_t n = series_.offsets.size() - 1;
  std::vector<std::int32_t> first(n, kNoWeek), last(n, kNoWeek);
#pragma omp parallel for schedule(static)
  for (std::size_t i = 0; i < n; ++i) {
    std::int32_t lo = INT32_MAX, hi = kNoWeek;
    for (std::uint64_t r = series_.offsets[i]; r < series_.offsets[i + 1]; ++r)
      if (series_.week[r] <= t.value && series_.services[r] > 0) {
        lo = std::min(lo, series_.week[r]);
        hi = std::max(hi, series_.week[r]);
      }
    if (hi != kNoWeek) {
      first[i] = lo;
      last[i] = hi;
    }
  }
  return {comm_.gatherv<std::int32_t>(first), comm_.gatherv<std::int32_t>(last)};
}

WeekIndex resolve_as_of(const UniverseReader& universe, const std::string& as_of) {
  if (universe.num_claims() == 0)
    throw InputError(universe.path(), 0, "", "the universe holds no claims rows: there is no week to score");
  std::int32_t week = universe.last_week();  // "latest": the last Monday in the data
  if (as_of != "latest")
    if (std::string why = monday_problem(as_of, &week); !why.empty()) throw ConfigError("--as-of", 0, "", why);
  if (week < universe.first_week() || week > universe.last_week())
    throw ConfigError("--as-of", 0, "",
                      fmt::format("{} is outside the data ({} to {})", as_of, format_week(universe.first_week()),
                                  format_week(universe.last_week())));
  return WeekIndex(week);
}

}  // namespace signalrank::pipeline
