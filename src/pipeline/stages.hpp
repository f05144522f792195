// The stages of the distributed ranking pipeline (SPEC §4), in the order compute_ranking
// (src/pipeline/pipeline.cpp) runs them, and the data each hands to the next. One file per stage:
//
//   plan.cpp          where each provider is read and who owns it; the memory check
//   read.cpp          this rank's block of universe.h5: campaign claims, in- and out-edges
//   redistribute.cpp  rows from the rank that read them to the rank that owns them
//   trends.cpp        volume, prior volume, growth, slope, trigger per owned provider
//   graph.cpp         the local CSR graph with ghosts (locality order) and its two halo plans
//   pagerank.cpp      the PageRank driver: halo exchange, pull, finish, global sums, checkpoints
//   exposure.cpp      peer exposure over the local graph
//   rank.cpp          eligibility, percentiles, score and the global order, in snapshot rows
//
// Every stage is collective (all ranks call it with their own part) unless it says otherwise.
// All MPI traffic goes through partition/ (Comm, HaloPlan, Redistribution, sample_sort) and io/
// (universe reads); the arithmetic is in kernels/, pure functions of the arrays built here.
//
// Determinism: each vertex is computed by its owner from in-edges kept in the universe's global
// order, and global sums are exact (kernels/exact_sum.hpp), so every column is bit-identical for
// any rank count, thread count or partition.
#pragma once
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "io/big_vector.hpp"
#include "io/campaign.hpp"
#include "io/checkpoint.hpp"
#include "io/snapshot.hpp"
#include "io/universe.hpp"
#include "kernels/trends.hpp"
#include "partition/comm.hpp"
#include "partition/halo.hpp"
#include "partition/layout.hpp"
#include "partition/ownership.hpp"
#include "partition/partitioner/universe_graph.hpp"
#include "io/dates.hpp"

namespace signalrank::pipeline {

// ---- plan (plan.cpp) ------------------------------------------------------------------------

// The three CSR offset columns and the load per provider, read once per run on rank 0 (empty
// elsewhere): the read layout, the graph partition's fingerprint check and the memory plan all
// come from them.
ProviderShape root_shape(const Comm& comm, const UniverseReader& universe);

// Contiguous read blocks balanced on claims rows + in-edges + out-edges, split on rank 0 from its
// `shape`; every rank receives the bounds.
BlockLayout read_layout(const Comm& comm, const ProviderShape& shape);

// The run's plan: read blocks, owners (`score --partition`: block, hash or graph) and the memory
// check, all from one read of the offset columns on rank 0. A plan that does not fit in memory,
// or a graph partition computed for another graph, is refused on every rank (ConfigError). With
// `dry_run`, rank 0 prints the plan.
Ownership plan_ownership(const Comm& comm, const UniverseReader& universe, const Providers& providers,
                         const std::string& method, bool dry_run);

// ---- read (read.cpp) and redistribute (redistribute.cpp) ------------------------------------

// The owned slice of the universe: while read, the rows of this rank's read block; after
// redistribute(), the rows of the providers this rank owns.
struct OwnedData {
  Ownership own;
  std::vector<std::uint64_t> ids;  // the owned providers, ascending ("owned order")
  // The campaign's claims rows inside the weeks the trends read (CSR by owned provider).
  UniverseReader::ClaimSeries claims;
  double claims_read_s = 0;  // seconds of the claims scan (read + filter) alone
  std::vector<std::uint64_t> in_off, out_off;       // n_owned + 1, local
  UniverseReader::EdgeColumns in_edges, out_edges;  // CSR order: (source, bene) / (target, bene)
  std::vector<std::uint64_t> out_weight;            // owned
  std::uint64_t n_owned() const { return ids.size(); }
};

// Reads this rank's block of `own`'s read layout: the claims of the campaign's codes
// (`code_match`, one flag per code) in weeks `weeks` (all other rows are dropped while reading,
// chunk by chunk), the in- and out-edges and the out-weights. The reader checks each rank's
// slice, and that the edges by source are those by destination; a bad slice fails every rank
// with its message.
OwnedData read_owned(const Comm& comm, const UniverseReader& universe, Ownership own,
                     const std::vector<std::uint8_t>& code_match, WeekRange weeks);

// Moves every provider's claims, edges and out-weight from the rank that read it to its owner
// (nothing to do when the ownership is the read layout).
void redistribute(const Comm& comm, OwnedData& data);

// ---- trends (trends.cpp) --------------------------------------------------------------------

// The per-provider columns, in owned order.
struct Columns {
  std::vector<double> volume, prior_volume, growth, slope, trigger_z, pagerank, peer_exposure;
  std::vector<std::uint8_t> trigger;
  explicit Columns(std::size_t n)
      : volume(n), prior_volume(n), growth(n), slope(n), trigger_z(n), pagerank(n), peer_exposure(n), trigger(n) {}
};

// The campaign's trend settings as the kernel takes them (kernels/trends.hpp).
kernels::TrendParams trend_params(const Campaign& campaign);

// The weeks the trends as of `as_of_week` read: [as_of_week - history + 1, as_of_week].
WeekRange trend_weeks(const Campaign& campaign, WeekIndex as_of_week);

// Fills volume, prior_volume, growth, slope, trigger_z and trigger from data.claims (local, no
// communication).
void compute_trends(const OwnedData& data, WeekIndex as_of_week, const Campaign& campaign, Columns& columns);

// ---- graph (graph.cpp) ----------------------------------------------------------------------

// The edge arrays are filled once by a parallel copy, so they are BigVectors (no serial zero fill).
using EdgeArray = BigVector<std::uint32_t>;

// This rank's part of the referral graph. Owned vertices and ghosts are numbered in a locality
// order — by state, then ZIP code, then NPI — so that the mostly in-state edges gather from nearby
// memory. "ext" indices: owned vertices by position 0 .. n-1, then ghosts n, n+1, ...
struct LocalGraph {
  std::vector<std::uint32_t> order;        // position -> owned vertex (local index in owned order)
  std::vector<std::uint32_t> position_of;  // owned vertex -> position
  std::vector<std::uint64_t> ghosts;       // global ids: in-edge sources first, then out-edge-only targets
  std::size_t n_in_ghosts = 0;
  // CSRs by position: in-edges (source ext index, bene_count) and out-edges (target, bene_count).
  std::vector<std::uint64_t> in_off, out_off;
  EdgeArray in_src, in_bene, out_dst, out_bene;
  std::vector<double> out_weight;      // by position: the owned vertices' out-weights
  std::vector<std::uint8_t> dangling;  // by position
  HaloPlan pagerank_halo;              // in-edge ghosts only (plan_halos)
  HaloPlan exposure_halo;              // all ghosts (plan_halos)
  std::size_t n_owned() const { return order.size(); }
};

// Builds the local CSRs from data's edge columns, which it consumes: each column is released as
// soon as its CSR is built (at national scale on one rank, 800 MB each). Local: no communication.
LocalGraph build_local_graph(OwnedData& data, const Providers& providers);

// The halo plans of `graph` (collective): PageRank's over the in-edge ghosts, exposure's over all.
void plan_halos(const Comm& comm, const Ownership& own, LocalGraph& graph);

// ---- PageRank (pagerank.cpp) ----------------------------------------------------------------

// Called on every rank at the start of each PageRank iteration (1-based), before its halo
// exchange. Production passes none; tests inject faults, signals and delays through it.
using IterationObserver = std::function<void(const Comm&, int iteration)>;

// Where a stop signal writes its checkpoint, and the checkpoint found there to resume.
struct CheckpointContext {
  std::string dir;  // empty: no checkpoints (backtest)
  RunFingerprint fingerprint;
  PageRankCheckpoint resume;  // iterations_done == 0 when starting fresh
};

// Looks for a checkpoint of this run in `dir`. None: start fresh. One made for this very run,
// every rank's file whole and of the same iteration: resume. Anything else (other inputs, rank
// count, partition; a rank's file missing, truncated or corrupted; files of different iterations)
// is refused on every rank at once, before any rank resumes (ConfigError naming the file).
CheckpointContext find_checkpoint(const Comm& comm, const std::string& dir, RunFingerprint fingerprint,
                                  std::size_t n_owned);

struct PageRankResult {
  int iterations = 0;
  double residual = 0;
  std::uint64_t halo_bytes_per_iteration = 0;  // this rank's
  std::vector<double> residuals;               // after each iteration run here (not resumed ones)
  // This rank's seconds inside the iterations: halo exchange, the edge pull, the fused finish
  // pass, and the global sums (their waiting time includes the other ranks' imbalance).
  double halo_s = 0, pull_s = 0, finish_s = 0, sums_s = 0;
};

struct PageRankRun {
  const CheckpointContext* checkpoint = nullptr;  // none: no checkpoint on a stop signal
  bool verbose = false;                           // rank 0 prints a line every 10 iterations
  IterationObserver observer;                     // none in production
};

// Personalized PageRank over `graph` (personalisation by columns.volume or uniform), from the
// checkpoint's vector when it resumes one; writes columns.pagerank. A stop signal (SIGUSR1 or
// SIGTERM, src/pipeline/preemption.hpp) ends the run after the current iteration with a
// checkpoint (StoppedForCheckpoint) when `run.checkpoint` names a folder.
PageRankResult run_pagerank(const Comm& comm, const LocalGraph& graph, std::uint64_t n_providers,
                            const Campaign& campaign, const PageRankRun& run, Columns& columns);

// ---- exposure (exposure.cpp) ----------------------------------------------------------------

// Fills columns.peer_exposure: the share of each provider's network (shared-patient weight, both
// directions) that already does the activity (volume > 0). One halo exchange of the flags.
void compute_peer_exposure(const LocalGraph& graph, Columns& columns);

// ---- rank (rank.cpp) ------------------------------------------------------------------------

// The ranked rows. With `gather`, all of them on rank 0 in rank order (root attributes set, but
// for inputs_json and timings), none elsewhere. Without, each rank holds its slice: rows
// [slice_offset, slice_offset + size) of total_rows, for the collective snapshot write.
struct RankedRows {
  Snapshot snapshot;
  std::uint64_t slice_offset = 0, total_rows = 0;
  std::uint64_t eligible = 0;  // all ranks
};

// Eligibility (not suppressed, passes the campaign's filters), percentiles among the eligible,
// the score and the global order (eligible by score descending, then NPI ascending; then the
// ineligible by NPI), all distributed (sample sorts). `suppressed_all`: one flag per provider.
RankedRows rank_rows(const Comm& comm, const OwnedData& data, const Columns& columns, const Providers& providers,
                     std::span<const std::uint8_t> suppressed_all, const Campaign& campaign, bool gather);

}  // namespace signalrank::pipeline
