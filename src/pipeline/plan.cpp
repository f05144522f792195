#include "src/pipeline/plan.hpp"

#include <omp.h>
#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include <fmt/format.h>

#include "io/agree.hpp"
#include "io/error.hpp"
#include "partition/partitioner/assign.hpp"
#include "partition/partitioner/store.hpp"
#include "src/pipeline/stages.hpp"

namespace signalrank {

BlockLayout balanced_split(const ProviderShape& shape, int ranks) {
  return block_layout(shape.work, static_cast<std::uint32_t>(ranks));
}

namespace {
// Bytes per item at the peak of a rank's life (see src/pipeline/graph.cpp). The kept claims rows are
// freed after the trends, so the peak is the larger of the read phase and the graph phase. In the
// graph phase each edge column (8 B an edge) is released once its local CSR (8 B an edge) is built,
// in-edges first: the peak is both columns plus the larger CSR. National universe, 1 rank:
// estimated 2.9 GiB, measured peak RSS 2.4 GiB (conservative: the estimate assumes every claim row
// is kept).
constexpr std::uint64_t kPerProviderEverywhere = 40;  // provider table + global->local map
constexpr std::uint64_t kPerOwnedProvider = 160;      // trend columns, x, v, ghosts' share
// Claims are read in windows of 4 M rows per thread keeping only the campaign's rows of the trend
// weeks: at most 8 B a row (week, services) when every row is kept, plus each thread's window of
// the three 4-byte columns (mapped or copied; one thread's is in kBaseBytes), no bigger than the
// thread's share of the rows.
constexpr std::uint64_t kPerClaimRowAtRead = 8;
constexpr std::uint64_t kClaimWindowRows = std::uint64_t{1} << 22, kPerClaimRowInWindow = 12;
constexpr std::uint64_t kPerEdgeColumn = 8;           // read columns: other end, bene_count
constexpr std::uint64_t kPerEdgeCsr = 8;              // local CSR: ext index, bene_count
constexpr std::uint64_t kPerProviderAtRoot = 240;     // gathered columns, percentiles, sorted copy
constexpr std::uint64_t kBaseBytes = 112ull << 20;    // MPI, HDF5, code, claim chunk buffers
}  // namespace

std::vector<RankLoad> rank_loads(const ProviderShape& shape, const BlockLayout& read, std::span<const std::uint32_t> part,
                                 int threads) {
  const std::uint64_t P = shape.providers();
  const auto ranks = static_cast<std::size_t>(read.ranks());
  std::vector<RankLoad> own(ranks), block(ranks);
  for (std::size_t r = 0; r < ranks; ++r) {
    RankLoad& l = block[r];
    const std::uint64_t lo = read.begin(static_cast<int>(r)), hi = read.end(static_cast<int>(r));
    l.providers = hi - lo;
    l.claims = shape.claim_offsets[hi] - shape.claim_offsets[lo];
    l.in_edges = shape.in_offsets[hi] - shape.in_offsets[lo];
    l.out_edges = shape.out_offsets[hi] - shape.out_offsets[lo];
  }
  if (part.empty()) {
    own = block;
  } else {
    for (std::uint64_t g = 0; g < P; ++g) {
      RankLoad& l = own[part[g]];
      l.providers++;
      l.claims += shape.claim_offsets[g + 1] - shape.claim_offsets[g];
      l.in_edges += shape.in_offsets[g + 1] - shape.in_offsets[g];
      l.out_edges += shape.out_offsets[g + 1] - shape.out_offsets[g];
    }
  }
  for (std::size_t r = 0; r < ranks; ++r) {
    RankLoad& l = own[r];
    const RankLoad& b = block[r];
    const std::uint64_t more_windows =
        std::min(static_cast<std::uint64_t>(std::max(threads, 1) - 1) * kClaimWindowRows, b.claims) * kPerClaimRowInWindow;
    const std::uint64_t read_phase = b.claims * kPerClaimRowAtRead + more_windows;
    // While rows move to their owners, the read block's edge columns and the received ones coexist.
    const std::uint64_t moving = part.empty() ? 0 : (b.in_edges + b.out_edges + l.in_edges + l.out_edges) * 8;
    const std::uint64_t graph_phase =
        (l.in_edges + l.out_edges) * kPerEdgeColumn + std::max(l.in_edges, l.out_edges) * kPerEdgeCsr;
    l.peak_bytes = kBaseBytes + P * kPerProviderEverywhere + l.providers * kPerOwnedProvider +
                   std::max({read_phase, moving, graph_phase}) + (r == 0 ? P * kPerProviderAtRoot : 0);
  }
  return own;
}

int ranks_that_fit(const ProviderShape& shape, std::uint64_t bytes_per_rank, int threads) {
  auto fits = [&](int ranks) {
    auto loads = rank_loads(shape, balanced_split(shape, ranks), {}, threads);
    return std::all_of(loads.begin(), loads.end(), [&](const RankLoad& l) { return l.peak_bytes <= bytes_per_rank; });
  };
  // Doubling, then bisection (more ranks never need more memory per rank in this model).
  int hi = 1;
  while (hi <= 65536 && !fits(hi)) hi *= 2;
  if (hi > 65536) return 0;
  int lo = hi / 2 + 1;
  while (lo < hi) {
    int mid = (lo + hi) / 2;
    if (fits(mid)) hi = mid;
    else lo = mid + 1;
  }
  return hi;
}

namespace {
std::uint64_t parse_size(const std::string& s) {
  if (s.empty()) return 0;
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  std::uint64_t mult = 1;
  if (end && *end) {
    switch (*end) {
      case 'K': case 'k': mult = 1ull << 10; break;
      case 'M': case 'm': mult = 1ull << 20; break;
      case 'G': case 'g': mult = 1ull << 30; break;
      case 'T': case 't': mult = 1ull << 40; break;
      default: return 0;
    }
  }
  return static_cast<std::uint64_t>(v * static_cast<double>(mult));
}

std::uint64_t mem_available() {
  std::ifstream in("/proc/meminfo");
  std::string key;
  std::uint64_t kb = 0;
  std::string unit;
  while (in >> key >> kb >> unit)
    if (key == "MemAvailable:") return kb * 1024;
  return 0;
}

std::uint64_t cgroup_limit() {
  for (const char* path : {"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"}) {
    std::ifstream in(path);
    std::string v;
    if (in >> v && v != "max") {
      std::uint64_t b = std::strtoull(v.c_str(), nullptr, 10);
      if (b > 0 && b < (1ull << 60)) return b;
    }
  }
  return 0;
}
}  // namespace

std::uint64_t memory_per_rank(int ranks_on_node) {
  if (const char* o = std::getenv("SIGNALRANK_MEMORY_PER_RANK")) return parse_size(o);
  ranks_on_node = std::max(1, ranks_on_node);
  std::uint64_t node = mem_available();
  if (std::uint64_t c = cgroup_limit(); c && c < node) node = c;
  // Slurm exports the job's memory request in MB.
  if (const char* m = std::getenv("SLURM_MEM_PER_NODE")) {
    std::uint64_t b = std::strtoull(m, nullptr, 10) << 20;
    if (b && b < node) node = b;
  }
  std::uint64_t per_rank = node / static_cast<std::uint64_t>(ranks_on_node);
  if (const char* m = std::getenv("SLURM_MEM_PER_CPU")) {
    std::uint64_t cpus = 1;
    if (const char* c = std::getenv("SLURM_CPUS_PER_TASK")) cpus = std::max<std::uint64_t>(1, std::strtoull(c, nullptr, 10));
    std::uint64_t b = (std::strtoull(m, nullptr, 10) << 20) * cpus;
    if (b && b < per_rank) per_rank = b;
  }
  return per_rank;
}

std::uint64_t peak_rss_bytes() {
  struct rusage usage {};
  if (getrusage(RUSAGE_SELF, &usage) != 0) return 0;
  return static_cast<std::uint64_t>(usage.ru_maxrss) * 1024;  // Linux reports kilobytes
}

}  // namespace signalrank

// ---- the plan stage of the pipeline --------------------------------------------------------------
namespace signalrank::pipeline {

ProviderShape root_shape(const Comm& comm, const UniverseReader& universe) {
  ProviderShape shape;
  agree_on_errors(comm, [&] {
    if (comm.root()) shape = read_provider_shape(universe);
  });
  return shape;
}

BlockLayout read_layout(const Comm& comm, const ProviderShape& shape) {
  std::vector<std::uint64_t> bounds;
  if (comm.root()) bounds = balanced_split(shape, comm.size()).bounds();
  comm.bcast(bounds);
  return BlockLayout::from_bounds(std::move(bounds));
}

namespace {

// Estimates each rank's peak memory under `own` and checks it against what a rank has; a plan
// that does not fit is refused on every rank (ConfigError) with the rank count that would fit.
// With `dry_run`, rank 0 prints the plan.
void check_plan(const Comm& comm, const UniverseReader& universe, const ProviderShape& shape, const Ownership& own,
                bool dry_run) {
  std::string refusal;
  const std::uint64_t available = static_cast<std::uint64_t>(
      comm.min(static_cast<double>(memory_per_rank(comm.ranks_on_node()))));
  if (comm.root()) {
    const std::uint64_t n_providers = universe.num_providers();
    const int threads = omp_get_max_threads();
    const std::vector<RankLoad> loads = rank_loads(shape, own.read_layout(), own.parts(), threads);
    std::uint64_t peak = 0;
    for (const auto& l : loads) peak = std::max(peak, l.peak_bytes);
    if (dry_run) {
      std::printf("plan: %d ranks x %d threads, %llu providers, %llu claims rows, %llu edges, %s available per rank, "
                  "partition %s\n",
                  comm.size(), threads, static_cast<unsigned long long>(n_providers),
                  static_cast<unsigned long long>(universe.num_claims()),
                  static_cast<unsigned long long>(universe.num_edges()),
                  human_bytes(static_cast<double>(available)).c_str(), own.name().c_str());
      std::printf("%6s %12s %12s %12s %12s %12s\n", "rank", "providers", "claims", "in-edges", "out-edges", "peak memory");
      for (std::size_t r = 0; r < loads.size(); ++r)
        std::printf("%6zu %12llu %12llu %12llu %12llu %12s\n", r, static_cast<unsigned long long>(loads[r].providers),
                    static_cast<unsigned long long>(loads[r].claims), static_cast<unsigned long long>(loads[r].in_edges),
                    static_cast<unsigned long long>(loads[r].out_edges),
                    human_bytes(static_cast<double>(loads[r].peak_bytes)).c_str());
      std::fflush(stdout);
    }
    if (peak > available) {
      const int fit = ranks_that_fit(shape, available, threads);
      refusal = fmt::format("estimated peak memory {} per rank exceeds the {} available to each of the {} ranks; ",
                            human_bytes(static_cast<double>(peak)), human_bytes(static_cast<double>(available)),
                            comm.size()) +
                (fit > 0 ? fmt::format("{} ranks with {} each would fit", fit, human_bytes(static_cast<double>(available)))
                         : std::string("no rank count fits in that memory"));
    }
  }
  comm.bcast(refusal);
  if (!refusal.empty()) throw ConfigError("--universe", 0, "", refusal);
}

// The ownership `score --partition METHOD` asks for, on every rank. block: the read layout.
// hash: part = mix64(NPI) mod ranks (partition/partitioner/assign.hpp). graph: the METIS
// assignment stored in universe.h5 as /partition/graph_<ranks>, refused unless it was computed
// for this very graph (rank 0 compares its fingerprint with the one of `shape`).
Ownership make_ownership(const Comm& comm, const UniverseReader& universe, const ProviderShape& shape,
                         const Providers& providers, const std::string& method, BlockLayout read) {
  const auto ranks = static_cast<std::uint32_t>(comm.size());
  if (method == "block") return Ownership::blocks(std::move(read));
  if (method == "hash") return Ownership::parts(hash_partition(providers.npi, ranks), std::move(read), "hash");
  const std::string name = stored_partition_name("graph", ranks);
  std::vector<std::uint32_t> part;
  std::string refusal;
  if (comm.root()) {
    try {
      StoredPartition stored = load_partition(universe.path(), name);
      const std::string fingerprint = graph_fingerprint(shape);
      if (stored.part.size() != providers.size() || stored.graph_fingerprint != fingerprint)
        refusal = fmt::format("the stored partition /partition/{} was computed for another graph ({}; this universe: {}); "
                              "recompute it with signalrank partition --method graph --parts {} --store",
                              name, stored.graph_fingerprint, fingerprint, ranks);
      const auto bad = std::find_if(stored.part.begin(), stored.part.end(), [&](std::uint32_t r) { return r >= ranks; });
      if (refusal.empty() && bad != stored.part.end())
        refusal = fmt::format("/partition/{}/part: provider {} (index {}) is in part {}, beyond the {} parts it claims",
                              name, providers.npi[static_cast<std::size_t>(bad - stored.part.begin())],
                              bad - stored.part.begin(), *bad, ranks);
      part = std::move(stored.part);
    } catch (const InputError&) {
      refusal = fmt::format("--partition graph needs /partition/{} in the universe and there is none; "
                            "store one first with signalrank partition --universe {} --method graph --parts {} --store",
                            name, universe.path(), ranks);
    }
  }
  comm.bcast(refusal);
  if (!refusal.empty()) throw ConfigError(universe.path(), 0, "", refusal);
  comm.bcast(part);
  return Ownership::parts(std::move(part), std::move(read), name);
}

}  // namespace

Ownership plan_ownership(const Comm& comm, const UniverseReader& universe, const Providers& providers,
                         const std::string& method, bool dry_run) {
  const ProviderShape shape = root_shape(comm, universe);
  Ownership own = make_ownership(comm, universe, shape, providers, method, read_layout(comm, shape));
  check_plan(comm, universe, shape, own, dry_run);
  return own;
}

}  // namespace signalrank::pipeline
