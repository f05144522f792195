// The rank stage: eligibility, percentiles, score and the global order, all distributed
// (partition/sample_sort.hpp); the rows come out in rank order, one slice per rank, or all on
// rank 0 when gathered.
#include <omp.h>

#include <type_traits>

#include "io/dates.hpp"
#include "kernels/ranking.hpp"
#include "partition/sample_sort.hpp"
#include "src/pipeline/stages.hpp"

namespace signalrank::pipeline {

namespace {

// One provider's snapshot row, the unit the global sort moves.
struct Row {
  std::uint64_t npi;
  double score, volume, prior_volume, growth, slope, trigger_z, pagerank, peer_exposure;
  double pct_volume, pct_growth, pct_pagerank, pct_peer_exposure;
  std::uint8_t eligible, trigger, suppressed;
};

// SPEC's order: eligible by score descending, then NPI ascending; then the ineligible by NPI
// (their score is 0). NPIs are unique, so the order is total and does not depend on the layout.
bool ranks_before(const Row& a, const Row& b) {
  if (a.eligible != b.eligible) return a.eligible > b.eligible;
  if (a.score != b.score) return a.score > b.score;
  return a.npi < b.npi;
}

}  // namespace

RankedRows rank_rows(const Comm& comm, const OwnedData& data, const Columns& columns, const Providers& providers,
                     std::span<const std::uint8_t> suppressed_all, const Campaign& campaign, bool gather) {
  RankedRows out;
  const std::size_t n = data.n_owned();
  std::vector<std::uint8_t> eligible(n), suppressed(n);
  for (std::size_t i = 0; i < n; ++i) {
    suppressed[i] = suppressed_all[data.ids[i]];
    eligible[i] = !suppressed[i] && campaign.passes_filters(providers, data.ids[i]);
    out.eligible += eligible[i];
  }
  const std::vector<double> pct_volume = distributed_percentiles(comm, columns.volume, eligible),
                            pct_growth = distributed_percentiles(comm, columns.growth, eligible),
                            pct_pagerank = distributed_percentiles(comm, columns.pagerank, eligible),
                            pct_peer_exposure = distributed_percentiles(comm, columns.peer_exposure, eligible);
  std::vector<double> score(n);
  const auto& w = campaign.weights;
  kernels::compute_scores(pct_volume, pct_growth, pct_pagerank, pct_peer_exposure, columns.trigger, eligible,
                          {w.volume, w.growth, w.pagerank, w.peer_exposure, w.trigger}, score);
  std::vector<Row> rows(n);
  for (std::size_t i = 0; i < n; ++i)
    rows[i] = {providers.npi[data.ids[i]], score[i], columns.volume[i], columns.prior_volume[i], columns.growth[i],
               columns.slope[i], columns.trigger_z[i], columns.pagerank[i], columns.peer_exposure[i], pct_volume[i],
               pct_growth[i], pct_pagerank[i], pct_peer_exposure[i], eligible[i], columns.trigger[i], suppressed[i]};
  rows = sample_sort(comm, std::move(rows), ranks_before);
  // Each rank keeps its slice for the collective write, or rank 0 gathers them all.
  const std::vector<Row> ranked = gather ? comm.gatherv<Row>(rows) : std::move(rows);
  rows = {};
  out.slice_offset = gather ? 0 : comm.exscan_sum(ranked.size());
  out.total_rows = providers.size();
  out.eligible = comm.sum(out.eligible);
  if (!comm.root() && gather) return out;

  Snapshot& s = out.snapshot;
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
  s.prior_volume = column(&Row::prior_volume);
  s.growth = column(&Row::growth);
  s.slope = column(&Row::slope);
  s.trigger_z = column(&Row::trigger_z);
  s.pagerank = column(&Row::pagerank);
  s.peer_exposure = column(&Row::peer_exposure);
  s.trigger = column(&Row::trigger);
  s.suppressed = column(&Row::suppressed);
  s.eligible = column(&Row::eligible);
  s.pct_volume = column(&Row::pct_volume);
  s.pct_growth = column(&Row::pct_growth);
  s.pct_pagerank = column(&Row::pct_pagerank);
  s.pct_peer_exposure = column(&Row::pct_peer_exposure);
  return out;
}

}  // namespace signalrank::pipeline
