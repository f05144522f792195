// signalrank score: the weekly job (SPEC §4). Reads top to bottom like the SPEC: one named
// function and one timer per phase. All MPI traffic goes through partition/ (Comm, HaloPlan) and
// io/ (universe reads, snapshot write); kernels/ are pure functions of the arrays built here.
//
// Distributed design: each rank reads one contiguous block of providers (BlockLayout, balanced on
// claims rows + edges) from universe.h5. By default it owns that block; with `--partition hash` or
// `--partition graph` (a METIS assignment stored by `signalrank partition --store`) every provider's
// rows move to their owner once after the read (partition/ownership.hpp). Each rank computes
// trends for its providers and runs the pull PageRank over its in-edges with one halo exchange of
// ghost values per iteration. Each vertex adds its in-edges in one global order and the global
// sums are exact (kernels/exact_sum.hpp), so the result is bit-identical for any rank count,
// thread count or partition. The per-provider columns are then gathered to rank 0, which computes
// percentiles, scores and the global rank, and writes the snapshot.
#include <omp.h>

#include <algorithm>
#include <array>
#include <bit>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fmt/format.h>
#include <future>
#include <memory>
#include <numeric>
#include <parallel/algorithm>
#include <tuple>
#include <type_traits>
#include <utility>
#include <signal.h>
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
#include "kernels/exact_sum.hpp"
#include "kernels/exposure.hpp"
#include "kernels/pagerank.hpp"
#include "kernels/ranking.hpp"
#include "kernels/trends.hpp"
#include "partition/halo.hpp"
#include "partition/partitioner/assign.hpp"
#include "partition/layout.hpp"
#include "partition/ownership.hpp"
#include "partition/sample_sort.hpp"
#include "partition/partitioner/store.hpp"
#include "partition/partitioner/universe_graph.hpp"
#include "src/commands/support.hpp"
#include "src/commands/commands.hpp"
#include "src/pipeline/plan.hpp"
#include "src/commands/score.hpp"


namespace signalrank {

namespace {

struct ScoreOptions {
  std::string universe, campaign, as_of, out, metrics, partition = "block";
  bool dry_run = false, discard_checkpoint = false;
};

// Wall-clock seconds per phase on this rank; rank 0 reports min/avg/max over ranks.
class PhaseTimer {
 public:
  using Clock = std::chrono::steady_clock;
  explicit PhaseTimer(const Comm& comm) : comm_(comm), start_(Clock::now()), phase_start_(start_) {}
  double stop(const char* phase) {
    auto now = Clock::now();
    double s = std::chrono::duration<double>(now - phase_start_).count();
    phase_start_ = now;
    phases_.emplace_back(phase, s);
    return s;
  }
  double total() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }
  double last(const char* phase) const {
    for (auto it = phases_.rbegin(); it != phases_.rend(); ++it)
      if (it->first == phase) return it->second;
    return 0.0;
  }
  const std::vector<std::pair<std::string, double>>& phases() const { return phases_; }

 private:
  const Comm& comm_;
  Clock::time_point start_, phase_start_;
  std::vector<std::pair<std::string, double>> phases_;
};

// ---- the owned slice of the universe -----------------------------------------------------
struct OwnedData {
  Ownership own;
  std::vector<std::uint64_t> ids;  // the owned providers, ascending ("owned order")
  // The campaign's claims rows inside the weeks the trends read (CSR by owned provider).
  UniverseReader::ClaimSeries claims;
  double claims_read_s = 0;  // seconds of the claims scan (read + filter) alone
  std::vector<std::uint64_t> in_off, out_off;  // n_owned + 1, local
  UniverseReader::EdgeColumns in_edges, out_edges;  // CSR order: (source, bene) / (target, bene)
  std::vector<std::uint64_t> out_weight;  // owned
  std::uint64_t n_owned() const { return ids.size(); }
};

std::vector<std::uint64_t> localize(std::vector<std::uint64_t> off) {
  const std::uint64_t base = off.empty() ? 0 : off.front();
  for (auto& o : off) o -= base;
  return off;
}

// The three CSR offset columns (8 bytes per provider each) and the load per provider, read once
// per run on rank 0 (empty elsewhere): the read layout, the graph partition's fingerprint check
// and the memory plan all come from them.
ProviderShape root_shape(const Comm& comm, const UniverseReader& u) {
  ProviderShape shape;
  agree_on_errors(comm, [&] {
    if (comm.root()) shape = read_provider_shape(u);
  });
  return shape;
}

// Contiguous read blocks balanced on claims rows + in-edges + out-edges, split on rank 0 from its
// `shape`; every rank receives the bounds.
BlockLayout read_layout(const Comm& comm, const ProviderShape& shape) {
  std::vector<std::uint64_t> bounds;
  if (comm.root()) bounds = balanced_split(shape, comm.size()).bounds();
  comm.bcast(bounds);
  return BlockLayout::from_bounds(std::move(bounds));
}

// Estimates each rank's peak memory under `own` and checks it against what a rank has; a plan
// that does not fit is refused on every rank (ConfigError) with the rank count that would fit.
// With `dry_run`, rank 0 prints the plan.
void check_plan(const Comm& comm, const UniverseReader& u, const ProviderShape& shape, const Ownership& own,
                bool dry_run) {
  std::string refusal;
  const std::uint64_t avail = static_cast<std::uint64_t>(
      comm.min(static_cast<double>(memory_per_rank(comm.ranks_on_node()))));
  if (comm.root()) {
    const std::uint64_t P = u.num_providers();
    auto loads = rank_loads(shape, own.read_layout(), own.parts(), omp_get_max_threads());
    std::uint64_t peak = 0;
    for (const auto& l : loads) peak = std::max(peak, l.peak_bytes);
    if (dry_run) {
      std::printf("plan: %d ranks x %d threads, %llu providers, %llu claims rows, %llu edges, %s available per rank, "
                  "partition %s\n",
                  comm.size(), omp_get_max_threads(), static_cast<unsigned long long>(P),
                  static_cast<unsigned long long>(u.num_claims()), static_cast<unsigned long long>(u.num_edges()),
                  human_bytes(static_cast<double>(avail)).c_str(), own.name().c_str());
      std::printf("%6s %12s %12s %12s %12s %12s\n", "rank", "providers", "claims", "in-edges", "out-edges", "peak memory");
      for (std::size_t r = 0; r < loads.size(); ++r)
        std::printf("%6zu %12llu %12llu %12llu %12llu %12s\n", r, static_cast<unsigned long long>(loads[r].providers),
                    static_cast<unsigned long long>(loads[r].claims), static_cast<unsigned long long>(loads[r].in_edges),
                    static_cast<unsigned long long>(loads[r].out_edges),
                    human_bytes(static_cast<double>(loads[r].peak_bytes)).c_str());
      std::fflush(stdout);
    }
    if (peak > avail) {
      const int fit = ranks_that_fit(shape, avail, omp_get_max_threads());
      refusal = fmt::format("estimated peak memory {} per rank exceeds the {} available to each of the {} ranks; ",
                            human_bytes(static_cast<double>(peak)), human_bytes(static_cast<double>(avail)), comm.size()) +
                (fit > 0 ? fmt::format("{} ranks with {} each would fit", fit, human_bytes(static_cast<double>(avail)))
                         : std::string("no rank count fits in that memory"));
    }
  }
  comm.bcast(refusal);
  if (!refusal.empty()) throw ConfigError("--universe", 0, "", refusal);
}

// The ownership `score --partition METHOD` asks for, on every rank. block: the read layout.
// hash: part = mix64(NPI) mod ranks (partition/partitioner/assign.hpp). graph: the METIS assignment stored in
// universe.h5 as /partition/graph_<ranks>, refused unless it was computed for this very graph
// (rank 0 compares its fingerprint with the one of `shape`).
Ownership make_ownership(const Comm& comm, const UniverseReader& u, const ProviderShape& shape,
                         const Providers& providers, const std::string& method, BlockLayout read) {
  const auto ranks = static_cast<std::uint32_t>(comm.size());
  if (method == "block") return Ownership::blocks(std::move(read));
  if (method == "hash") return Ownership::parts(hash_partition(providers.npi, ranks), std::move(read), "hash");
  const std::string name = stored_partition_name("graph", ranks);
  std::vector<std::uint32_t> part;
  std::string refusal;
  if (comm.root()) {
    try {
      StoredPartition p = load_partition(u.path(), name);
      const std::string fingerprint = graph_fingerprint(shape);
      if (p.part.size() != providers.size() || p.graph_fingerprint != fingerprint)
        refusal = fmt::format("the stored partition /partition/{} was computed for another graph ({}; this universe: {}); "
                              "recompute it with signalrank partition --method graph --parts {} --store",
                              name, p.graph_fingerprint, fingerprint, ranks);
      const auto bad = std::find_if(p.part.begin(), p.part.end(), [&](std::uint32_t r) { return r >= ranks; });
      if (refusal.empty() && bad != p.part.end())
        refusal = fmt::format("/partition/{}/part: provider {} (index {}) is in part {}, beyond the {} parts it claims",
                              name, providers.npi[static_cast<std::size_t>(bad - p.part.begin())],
                              bad - p.part.begin(), *bad, ranks);
      part = std::move(p.part);
    } catch (const InputError&) {
      refusal = fmt::format("--partition graph needs /partition/{} in the universe and there is none; "
                            "store one first with signalrank partition --universe {} --method graph --parts {} --store",
                            name, u.path(), ranks);
    }
  }
  comm.bcast(refusal);
  if (!refusal.empty()) throw ConfigError(u.path(), 0, "", refusal);
  comm.bcast(part);
  return Ownership::parts(std::move(part), std::move(read), name);
}

// The run's plan, collective: read blocks, owners (`score --partition`) and the memory check
// (printed with `dry_run`), all from one read of the offset columns on rank 0.
Ownership plan_ownership(const Comm& comm, const UniverseReader& u, const Providers& providers,
                         const std::string& method, bool dry_run) {
  const ProviderShape shape = root_shape(comm, u);
  Ownership own = make_ownership(comm, u, shape, providers, method, read_layout(comm, shape));
  check_plan(comm, u, shape, own, dry_run);
  return own;
}

// Reads this rank's block: the claims of the campaign's codes in weeks [week_lo, week_hi] (all
// other rows are dropped while reading, chunk by chunk) and the in- and out-edges. Unless the
// ownership is the read layout itself, redistribute() then moves the rows to their owners. The
// reader checks each rank's slice; a bad one fails every rank with its message.
OwnedData read_block(const Comm& comm, const UniverseReader& u, Ownership own,
                     const std::vector<std::uint8_t>& code_match, std::int32_t week_lo, std::int32_t week_hi) {
  OwnedData d;
  d.own = std::move(own);
  const std::uint64_t lo = d.own.read_layout().begin(comm.rank()), hi = d.own.read_layout().end(comm.rank());
  std::uint64_t digest = 0;
  agree_on_errors(comm, [&] {
    const auto t0 = std::chrono::steady_clock::now();
    d.claims = u.read_claim_series(lo, hi, code_match, week_lo, week_hi);
    d.claims_read_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    auto io = u.in_offsets(lo, hi);
    d.in_edges = u.read_in_columns(io.front(), io.back());
    auto oo = u.out_offsets(lo, hi);
    d.out_edges = u.read_out_columns(oo.front(), oo.back());
    d.out_weight = u.out_weight(lo, hi, oo, d.out_edges.bene);
    digest = u.edge_digest(lo, oo, d.out_edges, io, d.in_edges);
    d.in_off = localize(std::move(io));
    d.out_off = localize(std::move(oo));
  });
  u.check_edge_digests(comm, digest);  // the edges by source are those by destination
  d.ids = d.own.owned(comm.rank());
  return d;
}

// Moves every provider's claims, edges and out-weight from the rank that read it to its owner.
void redistribute(const Comm& comm, OwnedData& d) {
  if (d.own.is_block()) return;
  const Redistribution move(comm, d.own);
  auto move_csr = [&](std::vector<std::uint64_t>& off, auto&... columns) {
    ((columns = move.move_rows<std::remove_reference_t<decltype(columns)>>(off, columns)), ...);
    off = move.move_offsets(off);
  };
  move_csr(d.claims.offsets, d.claims.week, d.claims.services);
  move_csr(d.in_off, d.in_edges.other, d.in_edges.bene);
  move_csr(d.out_off, d.out_edges.other, d.out_edges.bene);
  d.out_weight = move.move<std::uint64_t>(d.out_weight);
}

// ---- trends ------------------------------------------------------------------------------
struct Columns {  // per owned provider
  std::vector<double> volume, prior_volume, growth, slope, trigger_z, pagerank, peer_exposure;
  std::vector<std::uint8_t> trigger;
  explicit Columns(std::size_t n)
      : volume(n), prior_volume(n), growth(n), slope(n), trigger_z(n), pagerank(n), peer_exposure(n), trigger(n) {}
};

kernels::TrendParams trend_params(const Campaign& c) {
  kernels::TrendParams p;
  p.window_weeks = c.window_weeks;
  p.slope_weeks = c.slope_weeks;
  p.trigger_weeks = c.trigger_weeks;
  p.baseline_weeks = c.baseline_weeks;
  p.trigger_z = c.trigger_z;
  p.trigger_min = c.trigger_min;
  return p;
}

// The weeks [first, last] the trends as of `as_of_week` read.
std::pair<std::int32_t, std::int32_t> trend_weeks(const Campaign& c, std::int32_t as_of_week) {
  return {as_of_week - kernels::trend_history_weeks(trend_params(c)) + 1, as_of_week};
}

// The kept rows (campaign codes, trend weeks) as (age, services) for the kernel.
void compute_trends(const OwnedData& d, std::int32_t as_of_week, const Campaign& c, Columns& col) {
  const std::size_t rows = d.claims.week.size();
  std::vector<std::int32_t> age(rows);
  std::vector<double> services(rows);
#pragma omp parallel for schedule(static)
  for (std::size_t r = 0; r < rows; ++r) {
    age[r] = as_of_week - d.claims.week[r];
    services[r] = static_cast<double>(d.claims.services[r]);
  }
  kernels::compute_trends(d.claims.offsets, age, services, trend_params(c),
                          {col.volume, col.prior_volume, col.growth, col.slope, col.trigger_z, col.trigger});
}

// ---- graph: local CSR with ghosts, halo plans ---------------------------------------------
// Owned vertices and ghosts are numbered in a locality order — by state, then ZIP code, then
// NPI — so that the mostly in-state referral edges gather from nearby memory. Each vertex's
// in-edges keep the universe's order (by source index: the same on every layout), and global sums
// are exact, so neither the numbering nor the partition changes a bit (kernels/pagerank.hpp).
// The edge arrays are filled once by a parallel copy, so they are BigVectors (io/big_vector.hpp):
// no serial zero fill.
using EdgeArray = BigVector<std::uint32_t>;

struct LocalGraph {
  std::vector<std::uint32_t> order;        // position -> owned vertex (local index in global order)
  std::vector<std::uint32_t> position_of;  // owned vertex -> position
  std::vector<std::uint64_t> ghosts;       // global ids: in-edge sources first, then out-edge-only targets
  std::size_t n_in_ghosts = 0;
  // CSRs by position: in-edges (source ext index, bene_count) and out-edges (target, bene_count).
  std::vector<std::uint64_t> in_off, out_off;
  EdgeArray in_src, in_bene, out_dst, out_bene;
  std::vector<double> out_weight;      // by position: the owned vertices' out-weights
  std::vector<std::uint8_t> dangling;  // by position
  HaloPlan pagerank_halo;              // in-edge ghosts only
  HaloPlan exposure_halo;              // all ghosts
};

// Consumes d's edge columns: each is released as soon as its CSR is built (at national scale on one
// rank, 800 MB each), so that the in-edge columns are gone before the out-edge CSR is allocated.
LocalGraph build_graph(const Comm& comm, OwnedData& d, const Providers& providers, PhaseTimer& timer) {
  LocalGraph g;
  const std::uint64_t P = d.own.size(), n = d.n_owned();
  const std::vector<std::uint64_t>& id = d.ids;  // owned vertex -> global
  // Every provider's place in the global locality order (state, ZIP, NPI): the same on every rank.
  std::vector<std::uint32_t> loc_rank(P);
  {
    // (state, ZIP) as one big-endian integer, so that integer order is the bytes' order, then the
    // provider index (ascending NPI) as the tie-break: plain integer compares, no indirection.
    struct Key {
      std::uint64_t place;
      std::uint32_t index;
    };
    std::vector<Key> keys(P);
    for (std::uint32_t i = 0; i < P; ++i) {
      std::uint64_t place = 0;
      for (char c : providers.state[i]) place = place << 8 | static_cast<unsigned char>(c);
      for (char c : providers.zip5[i]) place = place << 8 | static_cast<unsigned char>(c);
      keys[i] = {place, i};
    }
    // The keys are distinct, so the parallel sort's order is the one order there is.
    __gnu_parallel::sort(keys.begin(), keys.end(), [](const Key& a, const Key& b) {
      return a.place != b.place ? a.place < b.place : a.index < b.index;
    });
    for (std::uint32_t k = 0; k < P; ++k) loc_rank[keys[k].index] = k;
  }
  auto locality_less = [&](std::uint64_t a, std::uint64_t b) { return loc_rank[a] < loc_rank[b]; };
  g.order.resize(n);
  std::iota(g.order.begin(), g.order.end(), 0u);
  __gnu_parallel::sort(g.order.begin(), g.order.end(), [&](auto a, auto b) { return locality_less(id[a], id[b]); });
  g.position_of.resize(n);
  for (std::uint32_t p = 0; p < n; ++p) g.position_of[g.order[p]] = p;

  // A dense global -> ext map (4 bytes per provider) turns each edge's lookup into one load.
  constexpr std::uint32_t kNone = UINT32_MAX;
  std::vector<std::uint32_t> ext(P, kNone);
  for (std::uint64_t i = 0; i < n; ++i) ext[id[i]] = g.position_of[i];
  // The endpoints not owned here become ghosts. Which providers the edges touch is first marked in
  // a bitmap, one bit per provider (150 KB nationally, so it stays in cache where the 4-byte ext
  // map does not), a private one per thread, OR-ed afterwards; the ghosts are then numbered in
  // locality order, so the numbering does not depend on the threads. A rank that owns every
  // provider has no ghosts and skips the scan.
  const std::size_t words = (P + 63) / 64;
  auto add_ghosts = [&](std::span<const std::uint32_t> endpoints) {
    if (n == P) return;
    std::vector<std::uint64_t> touched(words, 0);
#pragma omp parallel
    {
      std::vector<std::uint64_t> mine(words, 0);
#pragma omp for schedule(static) nowait
      for (std::size_t k = 0; k < endpoints.size(); ++k) mine[endpoints[k] >> 6] |= std::uint64_t{1} << (endpoints[k] & 63);
#pragma omp critical(score_add_ghosts)
      for (std::size_t w = 0; w < words; ++w) touched[w] |= mine[w];
    }
    std::vector<std::uint64_t> found;
    for (std::size_t w = 0; w < words; ++w)
      for (std::uint64_t bits = touched[w]; bits != 0; bits &= bits - 1) {
        const std::uint64_t v = w * 64 + static_cast<std::uint64_t>(std::countr_zero(bits));
        if (ext[v] == kNone) found.push_back(v);
      }
    std::sort(found.begin(), found.end(), locality_less);
    for (std::uint64_t v : found) {
      ext[v] = static_cast<std::uint32_t>(n + g.ghosts.size());
      g.ghosts.push_back(v);
    }
  };
  add_ghosts(d.in_edges.other);
  g.n_in_ghosts = g.ghosts.size();
  add_ghosts(d.out_edges.other);

  // CSRs in position order, the other end as an ext index; each vertex's edges keep the
  // universe's order (ascending provider index of the other end). That order is global, so
  // PageRank's per-vertex sums add in the same order on every layout: the bits depend on neither
  // the rank count nor the partition. (Sorting each vertex's in-edges by the source's locality
  // rank instead, so that the gathers walk memory forward, took 1.3 s at national scale on 2 ranks
  // and PageRank was no faster: the gathered cache lines are the same set in any order.)
  auto copy_rows = [&](const std::vector<std::uint64_t>& off, UniverseReader::EdgeColumns& edges,
                       std::vector<std::uint64_t>& new_off, EdgeArray& nbr, EdgeArray& bene) {
    new_off.assign(n + 1, 0);
    for (std::uint32_t p = 0; p < n; ++p) new_off[p + 1] = new_off[p] + (off[g.order[p] + 1] - off[g.order[p]]);
    nbr.resize(edges.other.size());  // not zero-filled: the loop below writes every entry
    bene.resize(edges.other.size());
    // In the columns' order (owned order), so that they stream; each row lands at its position.
#pragma omp parallel for schedule(dynamic, 1024)
    for (std::uint32_t i = 0; i < n; ++i) {
      std::uint64_t at = new_off[g.position_of[i]];
      for (std::uint64_t k = off[i]; k < off[i + 1]; ++k, ++at) {
        nbr[at] = ext[edges.other[k]];
        bene[at] = edges.bene[k];
      }
    }
    edges = {};  // the CSR replaces the columns
  };
  copy_rows(d.in_off, d.in_edges, g.in_off, g.in_src, g.in_bene);
  copy_rows(d.out_off, d.out_edges, g.out_off, g.out_dst, g.out_bene);

  // PageRank divides each source's value by its out-weight once per iteration (on its owner), so
  // the edges keep the raw bene_count.
  g.out_weight.resize(n);
  g.dangling.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    g.out_weight[g.position_of[i]] = static_cast<double>(d.out_weight[i]);
    g.dangling[g.position_of[i]] = d.out_weight[i] == 0;
  }
  timer.stop("graph");

  g.pagerank_halo = HaloPlan(comm, d.own, std::span<const std::uint64_t>(g.ghosts.data(), g.n_in_ghosts),
                             g.position_of);
  g.exposure_halo = HaloPlan(comm, d.own, g.ghosts, g.position_of);
  timer.stop("halo_setup");
  return g;
}

// ---- PageRank ----------------------------------------------------------------------------
struct PageRankResult {
  int iterations = 0;
  double residual = 0;
  std::uint64_t halo_bytes_per_iteration = 0;  // this rank's
  std::vector<double> residuals;               // after each iteration run here (not resumed ones)
  // This rank's seconds inside the iterations: halo exchange, the edge pull, the fused
  // finish pass, and the global sums (their waiting time includes the other ranks' imbalance).
  double halo_s = 0, pull_s = 0, finish_s = 0, sums_s = 0;
};

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

// Test hook (issue 3): SIGNALRANK_FAULT_RANK=r and SIGNALRANK_FAULT_ITERATION=k make rank r die
// at iteration k of PageRank, as a killed node would.
void maybe_inject_fault(const Comm& comm, int iteration) {
  static const char* rank_env = std::getenv("SIGNALRANK_FAULT_RANK");
  static const char* iter_env = std::getenv("SIGNALRANK_FAULT_ITERATION");
  if (rank_env && iter_env && std::atoi(rank_env) == comm.rank() && std::atoi(iter_env) == iteration) {
    std::fprintf(stderr, "signalrank: injected fault on rank %d at PageRank iteration %d\n", comm.rank(), iteration);
    std::fflush(stderr);
    std::raise(SIGKILL);
  }
}

// ---- preemption: SIGUSR1 / SIGTERM ask for a checkpoint at the end of the current iteration ----
volatile std::sig_atomic_t g_stop_signal = 0;
extern "C" void on_stop_signal(int sig) { g_stop_signal = sig; }

void install_stop_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGUSR1, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

// Test hook: SIGNALRANK_SIGNAL_AT_ITERATION=k makes rank 0 send itself SIGUSR1 during iteration k,
// as Slurm would before a preemption; SIGNALRANK_ITERATION_DELAY_MS slows iterations down so that a
// test can requeue a job mid-run.
void test_hooks(const Comm& comm, int iteration) {
  static const char* signal_at = std::getenv("SIGNALRANK_SIGNAL_AT_ITERATION");
  static const char* delay_ms = std::getenv("SIGNALRANK_ITERATION_DELAY_MS");
  if (signal_at && comm.root() && std::atoi(signal_at) == iteration) std::raise(SIGUSR1);
  if (delay_ms) usleep(static_cast<useconds_t>(std::atoi(delay_ms)) * 1000);
}

struct CheckpointContext {
  std::string dir;
  RunFingerprint fingerprint;
  PageRankCheckpoint resume;  // iterations_done == 0 when starting fresh
};

// Looks for a checkpoint of this run. None: start fresh. One made for this very run, every rank's
// file whole and of the same iteration: resume. Anything else (other inputs, rank count,
// partition; a rank's file missing, truncated or corrupted; files of different iterations) is
// refused on every rank at once, before any rank resumes (exit 3, naming the file).
CheckpointContext find_checkpoint(const Comm& comm, const std::string& dir, RunFingerprint fp, std::size_t n_owned) {
  CheckpointContext ctx{dir, std::move(fp), {}};
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
  const std::vector<std::int32_t> iterations = comm.allgatherv<std::int32_t>(
      std::vector<std::int32_t>{ctx.resume.iterations_done});
  if (std::adjacent_find(iterations.begin(), iterations.end(), std::not_equal_to<>()) != iterations.end()) {
    std::string list;
    for (std::size_t r = 0; r < iterations.size(); ++r)
      list += fmt::format("{}rank-{}.bin after iteration {}", r ? ", " : "", r, iterations[r]);
    refuse(dir, "its rank files are of different PageRank iterations (" + list + ")");
  }
  return ctx;
}

PageRankResult run_pagerank(const Comm& comm, const OwnedData& d, const LocalGraph& g, const Campaign& c,
                            const CheckpointContext& ckpt, bool verbose, Columns& col) {
  const std::size_t n = d.n_owned();
  const std::uint64_t N = d.own.size();

  // Personalization v: proportional to volume (integer-valued, so the global sum is exact), or
  // uniform when asked or when every volume is 0.
  std::vector<double> v(n);
  double total_volume = 0;
  if (c.personalize_volume) total_volume = global_sum(comm, kernels::exact_sum(col.volume));
  for (std::size_t i = 0; i < n; ++i)
    v[i] = total_volume > 0 ? col.volume[i] / total_volume : 1.0 / static_cast<double>(N);

  // x (owned, by position) is the current vector; y_ext holds the pre-scaled values
  // y_j = x_j / out_weight_j of the owned vertices, then of the in-edge ghosts (from the halo).
  std::vector<double> x(n), x_new(n), y_ext(n + g.n_in_ghosts), v_pos(n);
  for (std::size_t i = 0; i < n; ++i) x[g.position_of[i]] = v_pos[g.position_of[i]] = v[i];
  double dangling_mass = global_sum(comm, kernels::exact_sum(v_pos, g.dangling));
  kernels::ExactSum residual_sum, dangling_sum;
  auto scale_owned = [&] {
    for (std::size_t p = 0; p < n; ++p) y_ext[p] = g.out_weight[p] > 0 ? x[p] / g.out_weight[p] : 0.0;
  };

  PageRankResult r;
  r.halo_bytes_per_iteration = g.pagerank_halo.bytes_sent(sizeof(double));
  int first = 1;
  if (ckpt.resume.iterations_done > 0) {
    // Resume exactly where the interrupted run stopped: same x, same dangling mass.
    for (std::size_t i = 0; i < n; ++i) x[g.position_of[i]] = ckpt.resume.x[i];
    dangling_mass = ckpt.resume.dangling_mass;
    r.iterations = ckpt.resume.iterations_done;
    r.residual = ckpt.resume.residual;
    first = r.iterations + 1;
    if (verbose && comm.root()) std::printf("  resuming PageRank from the checkpoint after iteration %d\n", r.iterations);
  }
  scale_owned();
  using Clock = std::chrono::steady_clock;
  auto seconds_since = [](Clock::time_point& mark) {
    const auto now = Clock::now();
    const double s = std::chrono::duration<double>(now - mark).count();
    mark = now;
    return s;
  };
  auto t0 = Clock::now();
  const bool converged_already = r.iterations > 0 && r.residual < c.tolerance;
  for (int it = first; it <= c.max_iterations && !converged_already; ++it) {
    maybe_inject_fault(comm, it);
    test_hooks(comm, it);
    auto mark = Clock::now();
    g.pagerank_halo.exchange<double>(y_ext);
    r.halo_s += seconds_since(mark);
    kernels::pagerank_pull_scaled(g.in_off, g.in_src, g.in_bene, y_ext, v_pos, c.damping, dangling_mass, x_new);
    r.pull_s += seconds_since(mark);
    kernels::pagerank_finish(x_new, x, g.dangling, g.out_weight, y_ext, residual_sum, dangling_sum);
    x.swap(x_new);
    r.finish_s += seconds_since(mark);
    std::tie(r.residual, dangling_mass) = global_sums(comm, residual_sum, dangling_sum);
    r.sums_s += seconds_since(mark);
    r.residuals.push_back(r.residual);
    r.iterations = it;
    if (verbose && comm.root() && (it == 1 || it % 10 == 0 || r.residual < c.tolerance)) {
      double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      std::printf("  pagerank iteration %3d  residual %.3e  %.2f s\n", it, r.residual, s);
      std::fflush(stdout);
    }
    if (r.residual < c.tolerance) break;
    // Every rank must agree to stop, so the checkpoint is of one iteration everywhere.
    if (!ckpt.dir.empty() && !comm.all(g_stop_signal == 0)) {
      PageRankCheckpoint cp;
      cp.fingerprint = ckpt.fingerprint;
      cp.rank = comm.rank();
      cp.iterations_done = it;
      cp.dangling_mass = dangling_mass;
      cp.residual = r.residual;
      cp.x.resize(n);  // in global order, whatever the numbering
      for (std::size_t i = 0; i < n; ++i) cp.x[i] = x[g.position_of[i]];
      // Every rank learns whether every rank's file was written; a checkpoint with a file missing
      // cannot be resumed, so the folder goes and a rerun starts over.
      std::string failed;
      try {
        save_checkpoint(checkpoint_file(ckpt.dir, comm.rank()), cp);
      } catch (const std::exception& e) {
        failed = e.what();
      }
      if (comm.all(failed.empty()) && comm.root()) {
        try {
          mark_checkpoint_complete(ckpt.dir, it, comm.size());
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
                                             it, failed));
      }
      throw StoppedForCheckpoint(fmt::format("stopped by a signal after PageRank iteration {}; checkpoint in {}; rerun the same "
                                     "command (same ranks) to resume",
                                     it, ckpt.dir));
    }
  }
  for (std::size_t i = 0; i < n; ++i) col.pagerank[i] = x[g.position_of[i]];
  return r;
}

void run_peer_exposure(const OwnedData& d, const LocalGraph& g, Columns& col) {
  const std::size_t n = d.n_owned();
  std::vector<std::uint8_t> active(n + g.ghosts.size());
  for (std::size_t i = 0; i < n; ++i) active[g.position_of[i]] = col.volume[i] > 0;
  g.exposure_halo.exchange<std::uint8_t>(active);
  std::vector<double> exposure(n);
  kernels::peer_exposure(g.out_off, g.out_dst, g.out_bene, g.in_off, g.in_src, g.in_bene, active, exposure);
  for (std::size_t i = 0; i < n; ++i) col.peer_exposure[i] = exposure[g.position_of[i]];
}

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

}  // namespace

Ranking compute_ranking(const Comm& comm, const UniverseReader& universe, const Campaign& campaign,
                        std::int32_t t, const std::string& checkpoint_folder, bool verbose,
                        const std::string& partition, bool gather_snapshot) {
  PhaseTimer timer(comm);
  auto report = [&](const std::string& line) {
    if (verbose) say(comm, line);
  };
  Ranking out;
  const Providers providers = universe.read_providers();
  const std::vector<Code> codes = universe.read_codes();
  const std::vector<std::uint8_t> code_match = campaign.match(codes);
  const auto [week_lo, week_hi] = trend_weeks(campaign, t);
  // The suppression list: read by rank 0 before any heavy reading, so that a bad list fails at
  // once and on every rank (one error line), not after PageRank.
  std::vector<std::uint8_t> suppressed_all;
  run_on_root(comm, [&] {
    suppressed_all = campaign.suppression.empty() ? std::vector<std::uint8_t>(providers.size(), 0)
                                                  : read_suppression(campaign.suppression, providers);
    return kExitOk;
  });
  comm.bcast(suppressed_all);
  OwnedData d = read_block(comm, universe, plan_ownership(comm, universe, providers, partition, false), code_match,
                           week_lo, week_hi);
  const std::uint64_t N = providers.size();
  report(fmt::format("[score] read       {:7.2f} s  providers {}  claims {}  edges {}  ranks {}  threads {}",
                     timer.stop("read"), N, universe.num_claims(), universe.num_edges(), comm.size(),
                     omp_get_max_threads()));
  redistribute(comm, d);
  const double moved_s = timer.stop("redistribute");
  if (!d.own.is_block())
    report(fmt::format("[score] redistribute {:5.2f} s  partition {}  owned providers per rank {} to {}", moved_s,
                       d.own.name(), static_cast<std::uint64_t>(comm.min(static_cast<double>(d.n_owned()))),
                       comm.max(std::uint64_t{d.n_owned()})));

  Columns col(d.n_owned());
  const std::size_t kept_claims = d.claims.week.size();
  compute_trends(d, t, campaign, col);
  d.claims = {};  // nothing after the trends needs the claims
  report(fmt::format("[score] trends     {:7.2f} s", timer.stop("trends")));

  LocalGraph g = build_graph(comm, d, providers, timer);  // moves the edge columns into g's CSRs
  const std::uint64_t ghosts = comm.sum(std::uint64_t{g.n_in_ghosts});
  report(fmt::format("[score] graph      {:7.2f} s  ghost vertices {} (summed over ranks), halo setup {:.2f} s",
                     timer.last("graph") + timer.last("halo_setup"), ghosts, timer.last("halo_setup")));

  CheckpointContext ckpt;
  if (!checkpoint_folder.empty()) {
    RunFingerprint fp = fingerprint_files(universe.path(), campaign.toml);
    fp.as_of_week = t;
    fp.ranks = comm.size();
    fp.bounds = d.own.read_layout().bounds();
    fp.partition = d.own.name();
    ckpt = find_checkpoint(comm, checkpoint_folder, std::move(fp), d.n_owned());
  }
  PageRankResult pr = run_pagerank(comm, d, g, campaign, ckpt, verbose, col);
  const std::uint64_t halo_bytes = comm.sum(pr.halo_bytes_per_iteration);
  const double pr_seconds = timer.stop("pagerank");
  report(fmt::format("[score] pagerank   {:7.2f} s  iterations {}  residual {:.3e}  {:.1f} M edges/s  halo {} B/iter",
                     pr_seconds, pr.iterations, pr.residual,
                     pr_seconds > 0 ? static_cast<double>(universe.num_edges()) * pr.iterations / pr_seconds / 1e6 : 0.0,
                     halo_bytes));

  run_peer_exposure(d, g, col);
  report(fmt::format("[score] exposure   {:7.2f} s", timer.stop("peer_exposure")));

  // ---- rank: eligibility, percentiles, score and the global order, all distributed (sample
  // sorts, partition/sample_sort.hpp); rank 0 gathers the rows already in rank order ----
  Snapshot& s = out.snapshot;
  const std::size_t n = d.n_owned();
  std::vector<std::uint8_t> eligible(n), suppressed(n);
  for (std::size_t i = 0; i < n; ++i) {
    suppressed[i] = suppressed_all[d.ids[i]];
    eligible[i] = !suppressed[i] && campaign.passes_filters(providers, d.ids[i]);
    out.eligible += eligible[i];
  }
  suppressed_all = {};
  const std::vector<double> pv = distributed_percentiles(comm, col.volume, eligible),
                            pg = distributed_percentiles(comm, col.growth, eligible),
                            pp = distributed_percentiles(comm, col.pagerank, eligible),
                            pe = distributed_percentiles(comm, col.peer_exposure, eligible);
  std::vector<double> score(n);
  const auto& w = campaign.weights;
  kernels::compute_scores(pv, pg, pp, pe, col.trigger, eligible, {w.volume, w.growth, w.pagerank, w.peer_exposure, w.trigger},
                          score);
  // One row per provider, sorted over the ranks by SPEC's order: eligible by score descending,
  // then NPI ascending; then the ineligible by NPI (their score is 0). NPIs are unique, so the
  // order is total and does not depend on the layout.
  struct Row {
    std::uint64_t npi;
    double score, volume, prior, growth, slope, trigger_z, pagerank, exposure, pv, pg, pp, pe;
    std::uint8_t eligible, trigger, suppressed;
  };
  std::vector<Row> rows(n);
  for (std::size_t i = 0; i < n; ++i)
    rows[i] = {providers.npi[d.ids[i]], score[i], col.volume[i], col.prior_volume[i], col.growth[i], col.slope[i],
               col.trigger_z[i], col.pagerank[i], col.peer_exposure[i], pv[i], pg[i], pp[i], pe[i], eligible[i],
               col.trigger[i], suppressed[i]};
  rows = sample_sort(comm, std::move(rows), [](const Row& a, const Row& b) {
    if (a.eligible != b.eligible) return a.eligible > b.eligible;
    if (a.score != b.score) return a.score > b.score;
    return a.npi < b.npi;
  });
  // Each rank keeps its slice for the collective write, or rank 0 gathers them all (backtest).
  const std::vector<Row> ranked = gather_snapshot ? comm.gatherv<Row>(rows) : std::move(rows);
  rows = {};
  out.slice_offset = gather_snapshot ? 0 : comm.exscan_sum(ranked.size());
  out.total_rows = N;
  if (comm.root() || !gather_snapshot) {
    auto column = [&](auto field) {
      std::vector<std::remove_cvref_t<decltype(ranked[0].*field)>> c(ranked.size());
#pragma omp parallel for schedule(static)
      for (std::size_t k = 0; k < ranked.size(); ++k) c[k] = ranked[k].*field;
      return c;
    };
    s.npi = column(&Row::npi);
    s.rank.resize(ranked.size());
    // Eligible rows come first in the global order: their rank is their global position + 1.
    for (std::size_t k = 0; k < ranked.size(); ++k)
      s.rank[k] = ranked[k].eligible ? static_cast<std::uint32_t>(out.slice_offset + k + 1) : 0;
    s.score = column(&Row::score);
    s.volume = column(&Row::volume);
    s.prior_volume = column(&Row::prior);
    s.growth = column(&Row::growth);
    s.slope = column(&Row::slope);
    s.trigger_z = column(&Row::trigger_z);
    s.pagerank = column(&Row::pagerank);
    s.peer_exposure = column(&Row::exposure);
    s.trigger = column(&Row::trigger);
    s.suppressed = column(&Row::suppressed);
    s.eligible = column(&Row::eligible);
    s.pct_volume = column(&Row::pv);
    s.pct_growth = column(&Row::pg);
    s.pct_pagerank = column(&Row::pp);
    s.pct_peer_exposure = column(&Row::pe);
    s.campaign = campaign.name;
    s.as_of = format_week(t);
    s.campaign_toml = campaign.toml;
    s.version = SIGNALRANK_VERSION;
    s.mpi_ranks = comm.size();
    s.omp_threads = omp_get_max_threads();
    s.iterations = pr.iterations;
    s.residual = pr.residual;
    s.created_utc = utc_now();
  }
  out.eligible = comm.sum(out.eligible);
  out.iterations = pr.iterations;
  out.residual = pr.residual;
  report(fmt::format("[score] rank       {:7.2f} s  eligible {}", timer.stop("rank"), out.eligible));
  // The slowest rank's seconds per phase, and every rank's.
  std::vector<double> mine;
  for (const auto& [name, sec] : timer.phases()) {
    out.phases.emplace_back(name, comm.max(sec));
    mine.push_back(sec);
  }
  const std::vector<double> all = comm.gatherv<double>(mine);
  for (std::size_t r = 0; r * mine.size() < all.size(); ++r)
    out.phases_per_rank.emplace_back(all.begin() + r * mine.size(), all.begin() + (r + 1) * mine.size());
  out.residuals = pr.residuals;
  out.halo_bytes_per_iteration = halo_bytes;
  out.halo_values_per_iteration = comm.sum(g.pagerank_halo.values_sent());
  out.ghost_vertices = ghosts;
  out.pagerank_halo_s = comm.max(pr.halo_s);
  out.pagerank_pull_s = comm.max(pr.pull_s);
  out.pagerank_finish_s = comm.max(pr.finish_s);
  out.pagerank_sums_s = comm.max(pr.sums_s);
  out.claims_scan_s = comm.max(d.claims_read_s);
  out.claims_kept = comm.sum(std::uint64_t{kept_claims});
  return out;
}

CampaignWeeks::CampaignWeeks(const Comm& comm, const UniverseReader& universe, const Campaign& campaign,
                             std::int32_t last_week)
    : comm_(comm) {
  const BlockLayout layout = read_layout(comm, root_shape(comm, universe));
  agree_on_errors(comm, [&] {
    series_ = universe.read_claim_series(layout.begin(comm.rank()), layout.end(comm.rank()),
                                         campaign.match(universe.read_codes()), universe.first_week(), last_week);
  });
}

std::vector<double> CampaignWeeks::window_volume(std::int32_t last_week, int weeks) const {
  const std::size_t n = series_.offsets.size() - 1;
  std::vector<double> volume(n, 0.0);
#pragma omp parallel for schedule(static)
  for (std::size_t i = 0; i < n; ++i) {
    double v = 0.0;
    for (std::uint64_t r = series_.offsets[i]; r < series_.offsets[i + 1]; ++r)
      if (series_.week[r] <= last_week && series_.week[r] > last_week - weeks) v += series_.services[r];
    volume[i] = v;
  }
  return comm_.gatherv<double>(volume);
}

std::int32_t resolve_as_of(const UniverseReader& universe, const std::string& as_of) {
  if (universe.num_claims() == 0)
    throw InputError(universe.path(), 0, "", "the universe holds no claims rows: there is no week to score");
  std::int32_t t = universe.last_week();  // "latest": the last Monday in the data
  if (as_of != "latest")
    if (std::string why = monday_problem(as_of, &t); !why.empty()) throw ConfigError("--as-of", 0, "", why);
  if (t < universe.first_week() || t > universe.last_week())
    throw ConfigError("--as-of", 0, "",
                      fmt::format("{} is outside the data ({} to {})", as_of, format_week(universe.first_week()),
                                  format_week(universe.last_week())));
  return t;
}

namespace {

// The run's figures for scripts/bench (rank 0). Seconds are the slowest rank's unless per rank.
std::string metrics_json(const Comm& comm, const UniverseReader& u, const Ranking& r, double write_s, double total_s,
                         const std::vector<double>& peak_rss) {
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
    for (const auto& rank : r.phases_per_rank) v.push_back(rank[p]);
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
      "\"peak_rss_bytes\":{}}}\n",
      SIGNALRANK_VERSION, comm.size(), omp_get_max_threads(), u.num_providers(), u.num_edges(), u.num_claims(),
      r.eligible, timings_json(phases), per_rank, r.iterations, r.residuals.size(), r.residual,
      numbers(r.residuals, "{:.6e}"), pr_s > 0 ? edge_visits / pr_s : 0.0, r.halo_bytes_per_iteration,
      r.halo_values_per_iteration, r.ghost_vertices, r.pagerank_halo_s,
      r.pagerank_pull_s, r.pagerank_finish_s, r.pagerank_sums_s, u.num_claims(), r.claims_kept, r.claims_scan_s,
      numbers(peak_rss, "{:.0f}"));
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

int run_score(const Comm& comm, const ScoreOptions& o) {
  install_stop_handlers();
  const auto start = std::chrono::steady_clock::now();
  say(comm, "[score] " + threads_note());
  // ---- validate the campaign and the as-of date before any heavy reading ----
  const Campaign campaign = load_campaign(o.campaign);
  UniverseReader universe(comm, o.universe);
  const std::int32_t t = resolve_as_of(universe, o.as_of);
  const std::string snapshot_name = format_week(t) + ".h5";
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
    plan_ownership(comm, universe, universe.read_providers(), o.partition, true);
    // Validate the suppression list too, then stop before any heavy reading.
    if (comm.root() && !campaign.suppression.empty()) read_suppression(campaign.suppression, universe.read_providers());
    say(comm, fmt::format("dry run: inputs and campaign are valid; the snapshot would be {}", snapshot_path));
    if (comm.root()) inputs.wait();
    return kExitOk;
  }

  if (!o.metrics.empty()) check_output_folder("--metrics", o.metrics);
  const std::string ckpt_dir = checkpoint_dir(o.out, campaign.name, format_week(t));
  if (o.discard_checkpoint) discard_checkpoint(comm, ckpt_dir);
  Ranking r = compute_ranking(comm, universe, campaign, t, ckpt_dir, true, o.partition, /*gather_snapshot=*/false);
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
  if (!o.metrics.empty()) {
    const std::vector<double> rss = comm.gatherv<double>(std::vector<double>{static_cast<double>(peak_rss_bytes())});
    const double slowest_write = comm.max(write_s);
    if (comm.root())
      write_text_atomically(o.metrics, metrics_json(comm, universe, r, slowest_write, before_write + slowest_write, rss));
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
  commands.push_back({sub, [opts](const Comm& comm) { return run_score(comm, *opts); }});
}

}  // namespace signalrank
