// The graph stage: this rank's local CSR graph with ghosts, numbered in a locality order, and the
// two halo plans that bring the ghosts' values.
//
// Owned vertices and ghosts are numbered by state, then ZIP code, then NPI, so that the mostly
// in-state referral edges gather from nearby memory. Each vertex's in-edges keep the universe's
// order (by source index: the same on every layout), and global sums are exact, so neither the
// numbering nor the partition changes a bit (kernels/pagerank.hpp).
#include <parallel/algorithm>

#include <algorithm>
#include <bit>
#include <numeric>

#include "src/pipeline/stages.hpp"

namespace signalrank::pipeline {

namespace {

// Every provider's place in the global locality order (state, ZIP, NPI): the same on every rank.
std::vector<std::uint32_t> locality_ranks(const Providers& providers) {
  const std::size_t n_providers = providers.size();
  // (state, ZIP) as one big-endian integer, so that integer order is the bytes' order, then the
  // provider index (ascending NPI) as the tie-break: plain integer compares, no indirection.
  struct Key {
    std::uint64_t place;
    std::uint32_t index;
  };
  std::vector<Key> keys(n_providers);
  for (std::uint32_t i = 0; i < n_providers; ++i) {
    std::uint64_t place = 0;
    for (char c : providers.state[i]) place = place << 8 | static_cast<unsigned char>(c);
    for (char c : providers.zip5[i]) place = place << 8 | static_cast<unsigned char>(c);
    keys[i] = {place, i};
  }
  // The keys are distinct, so the parallel sort's order is the one order there is.
  __gnu_parallel::sort(keys.begin(), keys.end(), [](const Key& a, const Key& b) {
    return a.place != b.place ? a.place < b.place : a.index < b.index;
  });
  std::vector<std::uint32_t> rank_of(n_providers);
  for (std::uint32_t k = 0; k < n_providers; ++k) rank_of[keys[k].index] = k;
  return rank_of;
}

}  // namespace

LocalGraph build_local_graph(OwnedData& data, const Providers& providers) {
  LocalGraph g;
  const std::uint64_t n_providers = data.own.size(), n = data.n_owned();
  const std::vector<std::uint64_t>& id = data.ids;  // owned vertex -> global
  const std::vector<std::uint32_t> locality = locality_ranks(providers);
  auto locality_less = [&](std::uint64_t a, std::uint64_t b) { return locality[a] < locality[b]; };
  g.order.resize(n);
  std::iota(g.order.begin(), g.order.end(), 0u);
  __gnu_parallel::sort(g.order.begin(), g.order.end(), [&](auto a, auto b) { return locality_less(id[a], id[b]); });
  g.position_of.resize(n);
  for (std::uint32_t p = 0; p < n; ++p) g.position_of[g.order[p]] = p;

  // A dense global -> ext map (4 bytes per provider) turns each edge's lookup into one load.
  constexpr std::uint32_t kNone = UINT32_MAX;
  std::vector<std::uint32_t> ext(n_providers, kNone);
  for (std::uint64_t i = 0; i < n; ++i) ext[id[i]] = g.position_of[i];
  // The endpoints not owned here become ghosts. Which providers the edges touch is first marked in
  // a bitmap, one bit per provider (150 KB nationally, so it stays in cache where the 4-byte ext
  // map does not), a private one per thread, OR-ed afterwards; the ghosts are then numbered in
  // locality order, so the numbering does not depend on the threads. A rank that owns every
  // provider has no ghosts and skips the scan.
  const std::size_t words = (n_providers + 63) / 64;
  auto add_ghosts = [&](std::span<const std::uint32_t> endpoints) {
    if (n == n_providers) return;
    std::vector<std::uint64_t> touched(words, 0);
#pragma omp parallel
    {
      std::vector<std::uint64_t> mine(words, 0);
#pragma omp for schedule(static) nowait
      for (std::size_t k = 0; k < endpoints.size(); ++k) mine[endpoints[k] >> 6] |= std::uint64_t{1} << (endpoints[k] & 63);
#pragma omp critical(pipeline_add_ghosts)
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
  add_ghosts(data.in_edges.other);
  g.n_in_ghosts = g.ghosts.size();
  add_ghosts(data.out_edges.other);

  // CSRs in position order, the other end as an ext index; each vertex's edges keep the
  // universe's order (ascending provider index of the other end). That order is global, so
  // PageRank's per-vertex sums add in the same order on every layout: the bits depend on neither
  // the rank count nor the partition. (docs/performance.md: sorting the in-edges by locality
  // instead made PageRank no faster.)
  auto copy_rows = [&](const std::vector<std::uint64_t>& off, UniverseReader::EdgeColumns& edges,
                       std::vector<std::uint64_t>& new_off, EdgeArray& neighbour, EdgeArray& bene) {
    new_off.assign(n + 1, 0);
    for (std::uint32_t p = 0; p < n; ++p) new_off[p + 1] = new_off[p] + (off[g.order[p] + 1] - off[g.order[p]]);
    neighbour.resize(edges.other.size());  // not zero-filled: the loop below writes every entry
    bene.resize(edges.other.size());
    // In the columns' order (owned order), so that they stream; each row lands at its position.
#pragma omp parallel for schedule(dynamic, 1024)
    for (std::uint32_t i = 0; i < n; ++i) {
      std::uint64_t at = new_off[g.position_of[i]];
      for (std::uint64_t k = off[i]; k < off[i + 1]; ++k, ++at) {
        neighbour[at] = ext[edges.other[k]];
        bene[at] = edges.bene[k];
      }
    }
    edges = {};  // the CSR replaces the columns
  };
  copy_rows(data.in_off, data.in_edges, g.in_off, g.in_src, g.in_bene);
  copy_rows(data.out_off, data.out_edges, g.out_off, g.out_dst, g.out_bene);

  // PageRank divides each source's value by its out-weight once per iteration (on its owner), so
  // the edges keep the raw bene_count.
  g.out_weight.resize(n);
  g.dangling.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    g.out_weight[g.position_of[i]] = static_cast<double>(data.out_weight[i]);
    g.dangling[g.position_of[i]] = data.out_weight[i] == 0;
  }
  return g;
}

void plan_halos(const Comm& comm, const Ownership& own, LocalGraph& graph) {
  graph.pagerank_halo = HaloPlan(comm, own, std::span<const std::uint64_t>(graph.ghosts.data(), graph.n_in_ghosts),
                                 graph.position_of);
  graph.exposure_halo = HaloPlan(comm, own, graph.ghosts, graph.position_of);
}

}  // namespace signalrank::pipeline
