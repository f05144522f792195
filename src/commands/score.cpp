// signalrank score: the weekly job (SPEC §4). Checks the campaign, the as-of week and the output
// folder before any heavy reading, hashes the inputs in the background, runs the ranking pipeline
// (src/pipeline/pipeline.hpp) and writes its rows as one snapshot, every rank its slice
// (io/snapshot.hpp). At the end, rank 0 prints the run's timing table across ranks.
#include <omp.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fmt/format.h>
#include <future>
#include <memory>
#include <string>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "io/agree.hpp"
#include "io/campaign.hpp"
#include "io/checkpoint.hpp"
#include "io/dates.hpp"
#include "io/error.hpp"
#include "io/hash.hpp"
#include "io/ingest_suppression.hpp"
#include "io/shared_folder.hpp"
#include "io/snapshot.hpp"
#include "io/temp_files.hpp"
#include "io/universe.hpp"
#include "src/commands/commands.hpp"
#include "src/commands/support.hpp"
#include "src/pipeline/pipeline.hpp"
#include "src/pipeline/plan.hpp"
#include "src/pipeline/preemption.hpp"

namespace signalrank {

namespace {

using pipeline::Ranking;

struct ScoreOptions {
  std::string universe, campaign, as_of, out, metrics, partition = "block";
  bool dry_run = false, discard_checkpoint = false;
};

std::string timings_json(const std::vector<std::pair<std::string, double>>& phases) {
  std::string s = "{";
  for (std::size_t i = 0; i < phases.size(); ++i)
    s += fmt::format("{}\"{}\":{:.6f}", i ? "," : "", phases[i].first, phases[i].second);
  return s + "}";
}

// One input as a JSON object (inputs_json gives an array of them).
std::string json_input(const InputFile& f) {
  const std::string array = inputs_json({f});
  return array.substr(1, array.size() - 2);
}


// The run's figures for scripts/bench (rank 0). Seconds are the slowest rank's unless per rank.
std::string metrics_json(const Comm& comm, const UniverseReader& u, const Ranking& r, double write_s, double total_s,
                         const std::vector<double>& peak_rss, const pipeline::RunSummary& summary) {
  auto numbers = [](const std::vector<double>& v, const char* spec) {
    std::string s = "[";
    for (std::size_t i = 0; i < v.size(); ++i) s += (i ? "," : "") + fmt::format(fmt::runtime(spec), v[i]);
    return s + "]";
  };
  auto phases = r.phases;
  phases.emplace_back("write", write_s);
  phases.emplace_back("total", total_s);
  std::string per_rank = "{";
  for (std::size_t p = 0; p < r.phases.size(); ++p) {
    std::vector<double> v;
    for (const auto& rank : r.summary.seconds) v.push_back(rank[p]);
    per_rank += fmt::format("{}\"{}\":{}", p ? "," : "", r.phases[p].first, numbers(v, "{:.6f}"));
  }
  per_rank += "}";
  const double pr_s = [&] {
    for (const auto& [name, sec] : r.phases)
      if (name == "pagerank") return sec;
    return 0.0;
  }();
  const double edge_visits = static_cast<double>(u.num_edges()) * static_cast<double>(r.residuals.size());
  return fmt::format(
      "{{\"command\":\"score\",\"version\":\"{}\",\"ranks\":{},\"threads\":{},\"providers\":{},\"edges\":{},"
      "\"claims\":{},\"eligible\":{},\"phases\":{},\"phases_per_rank\":{},"
      "\"pagerank\":{{\"iterations\":{},\"iterations_this_run\":{},\"residual\":{:.6e},\"residuals\":{},"
      "\"edges_per_s\":{:.1f},\"halo_bytes_per_iteration\":{},\"halo_values_per_iteration\":{},"
      "\"ghost_vertices\":{},\"seconds_halo\":{:.6f},\"seconds_pull\":{:.6f},"
      "\"seconds_finish\":{:.6f},\"seconds_sums\":{:.6f}}},\"claims_scan\":{{\"rows\":{},\"kept\":{},\"seconds\":{:.6f}}},"
      "\"peak_rss_bytes\":{},\"across_ranks\":{}}}\n",
      SIGNALRANK_VERSION, comm.size(), omp_get_max_threads(), u.num_providers(), u.num_edges(), u.num_claims(),
      r.eligible, timings_json(phases), per_rank, r.iterations, r.residuals.size(), r.residual,
      numbers(r.residuals, "{:.6e}"), pr_s > 0 ? edge_visits / pr_s : 0.0, r.halo_bytes_per_iteration,
      r.halo_values_per_iteration, r.ghost_vertices, r.pagerank_halo_s,
      r.pagerank_pull_s, r.pagerank_finish_s, r.pagerank_sums_s, u.num_claims(), r.claims_kept, r.claims_scan_s,
      numbers(peak_rss, "{:.0f}"), pipeline::timing_json(summary));
}

// --discard-checkpoint: rank 0 removes the folder (every rank learns if it could not).
void discard_checkpoint(const Comm& comm, const std::string& dir) {
  std::string problem;
  bool existed = false;
  if (comm.root()) {
    std::error_code ec;
    existed = std::filesystem::exists(dir, ec);
    std::filesystem::remove_all(dir, ec);
    if (ec) problem = fmt::format("cannot delete the checkpoint folder {}: {}", dir, ec.message());
  }
  comm.bcast(problem);
  if (!problem.empty()) throw std::runtime_error(problem);
  if (existed) say(comm, "[score] discarded the checkpoint " + dir + " (--discard-checkpoint); PageRank starts over");
}

int run_score(const Comm& comm, const ScoreOptions& o, const Observers& observers) {
  pipeline::install_stop_handlers();
  const auto start = std::chrono::steady_clock::now();
  say(comm, "[score] " + threads_note());
  // ---- validate the campaign and the as-of date before any heavy reading ----
  const Campaign campaign = load_campaign(o.campaign);
  UniverseReader universe(comm, o.universe);
  const WeekIndex as_of_week = pipeline::resolve_as_of(universe, o.as_of);
  const std::string snapshot_name = format_week(as_of_week) + ".h5";
  const std::string snapshot_folder = (std::filesystem::path(o.out) / campaign.name).string();
  const std::string snapshot_path = (std::filesystem::path(snapshot_folder) / snapshot_name).string();
  // All ranks write the snapshot (and their checkpoints) there: refuse a folder that cannot be
  // made or that not every rank sees now, not after the whole run.
  check_output_folder(comm, "--out", snapshot_folder, snapshot_name);
  check_shared_folder(comm, "--out", snapshot_folder);
  // Rank 0 hashes the inputs in the background while the ranks compute.
  // The thread touches no HDF5 (the library is not thread-safe): the universe's own inputs
  // attribute is read here, on the main thread.
  std::future<std::string> inputs;
  bool universe_hash_cached = false;  // set by the thread; read after inputs.get()
  if (comm.root()) {
    inputs = std::async(std::launch::async, [&, universe_inputs = universe.inputs_json()] {
      // Lowest CPU priority: on a node with spare cores the hash is free; where every core runs a
      // rank, it should take idle moments (waits at collectives) rather than slow rank 0 down.
      setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), 19);
      // Absolute paths: export re-reads the suppression list from where it was, wherever it runs.
      auto absolute = [](const std::string& p) { return std::filesystem::absolute(p).lexically_normal().string(); };
      std::string s = "{\"universe\":" +
                      json_input(describe_input_cached("universe", absolute(o.universe), &universe_hash_cached)) +
                      ",\"campaign\":" + json_input(describe_input("campaign", absolute(o.campaign)));
      if (!campaign.suppression.empty())
        s += ",\"suppression\":" + json_input(describe_input("suppression", absolute(campaign.suppression)));
      return s + ",\"universe_inputs\":" + universe_inputs + "}";
    });
  }
  if (o.dry_run) {
    pipeline::plan_ownership(comm, universe, universe.read_providers(), o.partition, true);
    // Validate the suppression list too, then stop before any heavy reading.
    if (comm.root() && !campaign.suppression.empty()) read_suppression(campaign.suppression, universe.read_providers());
    say(comm, fmt::format("dry run: inputs and campaign are valid; the snapshot would be {}", snapshot_path));
    if (comm.root()) inputs.wait();
    return kExitOk;
  }

  if (!o.metrics.empty()) check_output_folder("--metrics", o.metrics);
  const std::string ckpt_dir = checkpoint_dir(o.out, campaign.name, format_week(as_of_week));
  if (o.discard_checkpoint) discard_checkpoint(comm, ckpt_dir);
  pipeline::RankingOptions options;
  options.checkpoint_folder = ckpt_dir;
  options.verbose = true;
  options.partition = o.partition;
  options.gather_snapshot = false;
  options.observer = observers.pagerank_iteration;
  Ranking r = pipeline::compute_ranking(comm, universe, campaign, as_of_week, options);
  const double before_write = comm.max(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  const auto w0 = std::chrono::steady_clock::now();
  if (comm.root()) r.snapshot.inputs_json = inputs.get();
  // Every rank writes its slice of the ordered rows into one file (parallel HDF5); rank 0 renames.
  const std::vector<std::string> stale =
      write_snapshot(comm, snapshot_path, r.snapshot, r.slice_offset, r.total_rows, [&](double write_seconds) {
        auto all = r.phases;
        all.emplace_back("write", write_seconds);
        all.emplace_back("total", before_write + write_seconds);
        return timings_json(all);
      });
  if (comm.root()) {
    std::error_code ignored;  // the snapshot supersedes the checkpoint; a leftover is harmless
    std::filesystem::remove_all(ckpt_dir, ignored);
    std::fputs(describe_removed_temporaries(stale).c_str(), stdout);
  }
  const double write_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count();
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  say(comm, fmt::format("[score] write      {:7.2f} s  {}{}", write_s, snapshot_path,
                        universe_hash_cached ? "  (universe xxh3 from the hash cache)" : ""));
  // The end-of-run table across ranks (LAMMPS style), with the write and the total.
  pipeline::RunSummary summary = r.summary;
  const std::vector<double> write_per_rank = comm.gatherv<double>(std::vector<double>{write_s});
  const std::vector<double> total_per_rank = comm.gatherv<double>(std::vector<double>{wall});
  summary.append_phase("write", write_per_rank);
  summary.append_phase("total", total_per_rank);
  if (comm.root()) std::fputs(pipeline::timing_table("[score]", summary).c_str(), stdout);
  if (!o.metrics.empty()) {
    const std::vector<double> rss = comm.gatherv<double>(std::vector<double>{static_cast<double>(peak_rss_bytes())});
    const double slowest_write = comm.max(write_s);
    if (comm.root())
      write_text_atomically(o.metrics, metrics_json(comm, universe, r, slowest_write, before_write + slowest_write, rss,
                                                    summary));
  }
  say(comm, fmt::format("[score] done: providers {}  eligible {}  edges {}  iterations {}  wall {:.2f} s  snapshot {}",
                        universe.num_providers(), r.eligible, universe.num_edges(), r.iterations, wall, snapshot_path));
  return kExitOk;
}

}  // namespace

void register_score(CLI::App& app, std::vector<Command>& commands) {
  auto opts = std::make_shared<ScoreOptions>();
  CLI::App* sub = app.add_subcommand("score", "The weekly job: trends, PageRank, peer exposure, ranked HDF5 snapshot");
  sub->add_option("--universe", opts->universe, "universe.h5 from ingest or generate --format h5")->required();
  sub->add_option("--campaign", opts->campaign, "campaign TOML (SPEC section 3)")->required();
  sub->add_option("--as-of", opts->as_of, "the Monday of the week to score (YYYY-MM-DD), or 'latest' for the last week in the data")
      ->required();
  sub->add_option("--out", opts->out, "snapshot folder: writes OUT/<campaign>/<as_of>.h5")->required();
  sub->add_option("--metrics", opts->metrics,
                  "also write the run's figures as JSON (per-phase and per-rank seconds, PageRank residuals and "
                  "halo traffic, peak memory per rank) for scripts/bench");
  sub->add_option("--partition", opts->partition,
                  "which rank computes which providers: block (contiguous ranges, the default), hash (by NPI), or "
                  "graph (the METIS assignment for this rank count stored in universe.h5 by `signalrank partition "
                  "--method graph --store`); the snapshot is bit-identical whichever is used")
      ->check(CLI::IsMember({"block", "hash", "graph"}));
  sub->add_flag("--discard-checkpoint", opts->discard_checkpoint,
                "delete the checkpoint of an interrupted run of this campaign and week, if any, and start PageRank "
                "over (a checkpoint that cannot be resumed is otherwise refused)");
  sub->add_flag("--dry-run", opts->dry_run,
                "validate the inputs and campaign, print the plan (providers, edges and peak memory per rank), exit");
  commands.push_back({sub, [opts](const Comm& comm, const Observers& observers) { return run_score(comm, *opts, observers); }});
}

}  // namespace signalrank
