// The PageRank driver: the iteration of kernels/pagerank.hpp run over the ranks.
//
// One iteration, on every rank: the halo exchange brings the ghosts' pre-scaled values
// y = x / out_weight; kernels::pagerank_pull computes the owned vertices' new values from their
// in-edges; kernels::pagerank_finish forms this rank's exact residual and dangling sums and the
// next y; one allreduce adds the sums (exact, so the bits depend on no order). The loop stops when
// the L1 residual is below the campaign's tolerance, or after max_iterations.
//
// Checkpoints: on a stop signal every rank agrees to stop after the same iteration, writes its
// owned x (in owned order, whatever the numbering) and the loop ends with StoppedForCheckpoint;
// the rerun resumes from exactly that state, so the result is the same bits as an uninterrupted run.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <tuple>

#include "io/error.hpp"
#include "kernels/exact_sum.hpp"
#include "kernels/pagerank.hpp"
#include "src/pipeline/preemption.hpp"
#include "src/pipeline/stages.hpp"

namespace signalrank::pipeline {

namespace {

// Global sums: every rank's exact accumulators added limb by limb in one allreduce (exact, so
// the bits depend on no order), then rounded once.
std::pair<double, double> global_sums(const Comm& comm, kernels::ExactSum a, kernels::ExactSum b) {
  constexpr std::size_t W = kernels::ExactSum::kWords;
  std::array<std::int64_t, 2 * W> words{};
  const auto wa = a.words(), wb = b.words();
  std::copy(wa.begin(), wa.end(), words.begin());
  std::copy(wb.begin(), wb.end(), words.begin() + W);
  comm.sum_in_place(words);
  return {kernels::ExactSum::from_words(std::span(words).first(W)).value(),
          kernels::ExactSum::from_words(std::span(words).subspan(W)).value()};
}

double global_sum(const Comm& comm, kernels::ExactSum a) { return global_sums(comm, a, {}).first; }

// Writes every rank's checkpoint after iteration `iteration` and ends the run: StoppedForCheckpoint
// when every rank's file was written, else a runtime_error on every rank (the folder is removed:
// a checkpoint with a file missing cannot be resumed, so a rerun starts over).
[[noreturn]] void checkpoint_and_stop(const Comm& comm, const CheckpointContext& ckpt, const LocalGraph& graph,
                                      int iteration, double dangling_mass, double residual,
                                      const std::vector<double>& x) {
  const std::size_t n = graph.n_owned();
  PageRankCheckpoint cp;
  cp.fingerprint = ckpt.fingerprint;
  cp.rank = comm.rank();
  cp.iterations_done = iteration;
  cp.dangling_mass = dangling_mass;
  cp.residual = residual;
  cp.x.resize(n);  // in owned order, whatever the numbering
  for (std::size_t i = 0; i < n; ++i) cp.x[i] = x[graph.position_of[i]];
  std::string failed;
  try {
    save_checkpoint(checkpoint_file(ckpt.dir, comm.rank()), cp);
  } catch (const std::exception& e) {
    failed = e.what();
  }
  if (comm.all(failed.empty()) && comm.root()) {
    try {
      mark_checkpoint_complete(ckpt.dir, iteration, comm.size());
    } catch (const std::exception& e) {
      failed = e.what();
    }
  }
  if (const int bad = comm.first_failed(!failed.empty()); bad >= 0) {
    comm.bcast(failed, bad);
    std::error_code ignored;
    if (comm.root()) std::filesystem::remove_all(ckpt.dir, ignored);
    throw std::runtime_error(fmt::format("stopped by a signal after PageRank iteration {} but the checkpoint could "
                                         "not be written: {}; the checkpoint folder was removed",
                                         iteration, failed));
  }
  throw StoppedForCheckpoint(fmt::format("stopped by a signal after PageRank iteration {}; checkpoint in {}; rerun the "
                                         "same command (same ranks) to resume",
                                         iteration, ckpt.dir));
}

}  // namespace

CheckpointContext find_checkpoint(const Comm& comm, const std::string& dir, RunFingerprint fingerprint,
                                  std::size_t n_owned) {
  CheckpointContext ctx{dir, std::move(fingerprint), {}};
  const bool dir_exists = std::filesystem::exists(dir);
  if (comm.all(!dir_exists)) return ctx;
  const std::string mine = checkpoint_file(dir, comm.rank());
  std::string why, where = dir;  // what is wrong, and with which file (or the folder)
  std::size_t files = 0;
  std::error_code ec;
  if (dir_exists)
    for (const auto& e : std::filesystem::directory_iterator(dir, ec)) files += e.path().extension() == ".bin";
  if (files != static_cast<std::size_t>(comm.size())) {
    why = "it holds " + std::to_string(files) + " rank files and this run has " + std::to_string(comm.size()) + " ranks";
  } else if (!std::filesystem::exists(mine)) {
    why = "it has no file for rank " + std::to_string(comm.rank());
  } else {
    where = mine;
    try {
      ctx.resume = load_checkpoint(mine);
      why = ctx.fingerprint.difference(ctx.resume.fingerprint);
      const auto& c = ctx.resume;
      if (why.empty() && (c.rank != comm.rank() || c.x.size() != n_owned))
        why = "it holds " + std::to_string(c.x.size()) + " values of rank " + std::to_string(c.rank) + ", not the " +
              std::to_string(n_owned) + " of rank " + std::to_string(comm.rank());
      const bool finite = std::isfinite(c.dangling_mass) && std::isfinite(c.residual) && c.iterations_done > 0 &&
                          std::all_of(c.x.begin(), c.x.end(), [](double v) { return std::isfinite(v); });
      if (why.empty() && !finite) why = "it holds a value that is not finite, or no iteration";
    } catch (const CheckpointError& e) {
      why = e.reason();
    }
  }
  auto refuse = [&](const std::string& file, const std::string& reason) {
    throw ConfigError(file, 0, "", "the checkpoint cannot be resumed: " + reason +
                                       "; rerun with --discard-checkpoint to start over, or delete " + dir);
  };
  if (const int bad = comm.first_failed(!why.empty()); bad >= 0) {
    comm.bcast(why, bad);
    comm.bcast(where, bad);
    refuse(where, why);
  }
  // Every rank's file is whole and made for this run; they must also be of one iteration (a rank
  // that died while the others were writing leaves its older file beside their newer ones).
  const std::vector<std::int32_t> iterations =
      comm.allgatherv<std::int32_t>(std::vector<std::int32_t>{ctx.resume.iterations_done});
  if (std::adjacent_find(iterations.begin(), iterations.end(), std::not_equal_to<>()) != iterations.end()) {
    std::string list;
    for (std::size_t r = 0; r < iterations.size(); ++r)
      list += fmt::format("{}rank-{}.bin after iteration {}", r ? ", " : "", r, iterations[r]);
    refuse(dir, "its rank files are of different PageRank iterations (" + list + ")");
  }
  return ctx;
}

PageRankResult run_pagerank(const Comm& comm, const LocalGraph& graph, std::uint64_t n_providers,
                            const Campaign& campaign, const PageRankRun& run, Columns& columns) {
  const std::size_t n = graph.n_owned();
  const std::vector<std::uint32_t>& position_of = graph.position_of;

  // ---- initialisation: personalization v, proportional to volume (integer-valued, so the global
  // sum is exact), or uniform when asked or when every volume is 0; x starts at v ----
  double total_volume = 0;
  if (campaign.personalize_volume) total_volume = global_sum(comm, kernels::exact_sum(columns.volume));
  // By position: x is the current vector, v the personalization; y_ext holds the pre-scaled values
  // y_j = x_j / out_weight_j of the owned vertices, then of the in-edge ghosts (from the halo).
  std::vector<double> x(n), x_new(n), y_ext(n + graph.n_in_ghosts), v(n);
  for (std::size_t i = 0; i < n; ++i)
    x[position_of[i]] = v[position_of[i]] =
        total_volume > 0 ? columns.volume[i] / total_volume : 1.0 / static_cast<double>(n_providers);
  double dangling_mass = global_sum(comm, kernels::exact_sum(v, graph.dangling));

  PageRankResult r;
  r.halo_bytes_per_iteration = graph.pagerank_halo.bytes_sent(sizeof(double));
  int first = 1;
  const CheckpointContext* ckpt = run.checkpoint;
  if (ckpt && ckpt->resume.iterations_done > 0) {
    // Resume exactly where the interrupted run stopped: same x, same dangling mass.
    for (std::size_t i = 0; i < n; ++i) x[position_of[i]] = ckpt->resume.x[i];
    dangling_mass = ckpt->resume.dangling_mass;
    r.iterations = ckpt->resume.iterations_done;
    r.residual = ckpt->resume.residual;
    first = r.iterations + 1;
    if (run.verbose && comm.root()) std::printf("  resuming PageRank from the checkpoint after iteration %d\n", r.iterations);
  }
  for (std::size_t p = 0; p < n; ++p) y_ext[p] = graph.out_weight[p] > 0 ? x[p] / graph.out_weight[p] : 0.0;

  // ---- iterations ----
  using Clock = std::chrono::steady_clock;
  auto seconds_since = [](Clock::time_point& mark) {
    const auto now = Clock::now();
    const double s = std::chrono::duration<double>(now - mark).count();
    mark = now;
    return s;
  };
  const auto t0 = Clock::now();
  kernels::ExactSum residual_sum, dangling_sum;
  const bool converged_already = r.iterations > 0 && r.residual < campaign.tolerance;
  for (int it = first; it <= campaign.max_iterations && !converged_already; ++it) {
    if (run.observer) run.observer(comm, it);
    auto mark = Clock::now();
    graph.pagerank_halo.exchange<double>(y_ext);
    r.halo_s += seconds_since(mark);
    kernels::pagerank_pull(graph.in_off, graph.in_src, graph.in_bene, y_ext, v, campaign.damping,
                           dangling_mass, x_new);
    r.pull_s += seconds_since(mark);
    kernels::pagerank_finish(x_new, x, graph.dangling, graph.out_weight, y_ext, residual_sum, dangling_sum);
    x.swap(x_new);
    r.finish_s += seconds_since(mark);
    std::tie(r.residual, dangling_mass) = global_sums(comm, residual_sum, dangling_sum);
    r.sums_s += seconds_since(mark);
    r.residuals.push_back(r.residual);
    r.iterations = it;
    if (run.verbose && comm.root() && (it == 1 || it % 10 == 0 || r.residual < campaign.tolerance)) {
      std::printf("  pagerank iteration %3d  residual %.3e  %.2f s\n", it, r.residual,
                  std::chrono::duration<double>(Clock::now() - t0).count());
      std::fflush(stdout);
    }
    if (r.residual < campaign.tolerance) break;
    // Every rank must agree to stop, so the checkpoint is of one iteration everywhere.
    if (ckpt && !ckpt->dir.empty() && !comm.all(!stop_requested()))
      checkpoint_and_stop(comm, *ckpt, graph, it, dangling_mass, r.residual, x);
  }

  // ---- result, in owned order ----
  for (std::size_t i = 0; i < n; ++i) columns.pagerank[i] = x[position_of[i]];
  return r;
}

}  // namespace signalrank::pipeline
