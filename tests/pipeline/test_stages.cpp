// Each stage of the ranking pipeline (src/pipeline/stages.hpp) at 1, 2, 3 and 4 ranks, block and
// hash ownership, against a serial reference computed here from a whole-universe read on one
// process: what every owner holds after read + redistribute, the trends, the local graph and its
// halo plans (both directions), the PageRank driver (against a push-direction power iteration,
// and bit for bit against the same driver on one rank), peer exposure and the ranked rows.
#include <gtest/gtest.h>
#include <mpi.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <numeric>

#include "io/ingest_suppression.hpp"
#include "kernels/exposure.hpp"
#include "kernels/ranking.hpp"
#include "kernels/trends.hpp"
#include "support/score_universe.hpp"
#include "src/pipeline/pipeline.hpp"

using namespace signalrank;
using namespace signalrank::pipeline;
namespace fs = std::filesystem;

namespace {

// The universe of the score end-to-end tests, written once per rank count by rank 0.
struct World {
  fs::path dir;
  std::string universe_path;
  Campaign campaign;
  WeekIndex as_of;
};

const World& world() {
  static World w = [] {
    Comm comm;
    World out;
    out.dir = fs::temp_directory_path() / ("signalrank_test_stages_" + std::to_string(comm.size()));
    if (comm.root()) {
      fs::remove_all(out.dir);
      signalrank::testing::build_score_universe(out.dir);
      signalrank::testing::write_score_campaign(out.dir, "tavr.toml", "");
    }
    comm.barrier();
    out.universe_path = (out.dir / "universe.h5").string();
    out.campaign = load_campaign((out.dir / "tavr.toml").string());
    std::int32_t week = 0;
    monday_problem(signalrank::testing::kLastMonday, &week);
    out.as_of = WeekIndex(week);
    return out;
  }();
  return w;
}

// The whole universe read on one process: every provider's claims (campaign codes, trend weeks),
// in- and out-edges and out-weight, in provider index order.
struct Serial {
  Providers providers;
  std::vector<std::uint8_t> code_match;
  UniverseReader::ClaimSeries claims;
  std::vector<std::uint64_t> in_off, out_off, out_weight;
  UniverseReader::EdgeColumns in, out;
  std::size_t size() const { return providers.size(); }
};

const Serial& serial() {
  static Serial s = [] {
    const Comm self(MPI_COMM_SELF);
    const UniverseReader u(self, world().universe_path);
    Serial out;
    out.providers = u.read_providers();
    out.code_match = world().campaign.match(u.read_codes());
    const WeekRange weeks = trend_weeks(world().campaign, world().as_of);
    const std::uint64_t n = u.num_providers();
    out.claims = u.read_claim_series(0, n, out.code_match, weeks.first.value, weeks.last.value);
    out.in_off = u.in_offsets(0, n);
    out.out_off = u.out_offsets(0, n);
    out.in = u.read_in_columns(0, out.in_off.back());
    out.out = u.read_out_columns(0, out.out_off.back());
    out.out_weight = u.out_weight(0, n);
    return out;
  }();
  return s;
}

// The stages run up to the graph, on `comm`, with `method` ownership.
struct StageRun {
  std::unique_ptr<UniverseReader> universe;
  Providers providers;
  OwnedData data;
  std::unique_ptr<Columns> columns;
  std::vector<std::uint64_t> ids;  // data.ids, kept past build_local_graph
  LocalGraph graph;

  StageRun(const Comm& comm, const std::string& method) {
    universe = std::make_unique<UniverseReader>(comm, world().universe_path);
    providers = universe->read_providers();
    data = read_owned(comm, *universe, plan_ownership(comm, *universe, providers, method, false), serial().code_match,
                      trend_weeks(world().campaign, world().as_of));
    redistribute(comm, data);
    ids = data.ids;
    columns = std::make_unique<Columns>(data.n_owned());
    compute_trends(data, world().as_of, world().campaign, *columns);
  }
  void build_graph(const Comm& comm) {
    graph = build_local_graph(data, providers);
    plan_halos(comm, data.own, graph);
  }
};

// Per provider index, from every rank's owned values (allgathered: complete on every rank).
template <class T>
std::vector<T> by_provider(const Comm& comm, const std::vector<std::uint64_t>& ids, const std::vector<T>& owned,
                           std::size_t n_providers) {
  const std::vector<std::uint64_t> all_ids = comm.allgatherv<std::uint64_t>(ids);
  const std::vector<T> all_values = comm.allgatherv<T>(owned);
  std::vector<T> out(n_providers);
  for (std::size_t k = 0; k < all_ids.size(); ++k) out[all_ids[k]] = all_values[k];
  return out;
}

// Every rank's verdict, so that no rank asserts alone (a failure anywhere fails everywhere).
void expect_all(const Comm& comm, bool ok, const std::string& what) {
  EXPECT_TRUE(comm.all(ok)) << what << " (rank " << comm.rank() << ": " << (ok ? "ok" : "differs") << ")";
}

// A push-direction power iteration over the serial out-edges: the different, simple algorithm
// the distributed driver is checked against (to rounding).
std::vector<double> serial_pagerank(const Serial& s, const std::vector<double>& volume, const Campaign& c) {
  const std::size_t n = s.size();
  const double total = std::accumulate(volume.begin(), volume.end(), 0.0);
  std::vector<double> v(n), x(n), next(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = c.personalize_volume && total > 0 ? volume[i] / total : 1.0 / n;
  x = v;
  for (int it = 0; it < 1000; ++it) {
    double dangling = 0;
    for (std::size_t i = 0; i < n; ++i)
      if (s.out_weight[i] == 0) dangling += x[i];
    for (std::size_t i = 0; i < n; ++i) next[i] = (1 - c.damping + c.damping * dangling) * v[i];
    for (std::size_t i = 0; i < n; ++i)
      for (std::uint64_t e = s.out_off[i]; e < s.out_off[i + 1]; ++e)
        next[s.out.other[e]] += c.damping * x[i] * s.out.bene[e] / static_cast<double>(s.out_weight[i]);
    double change = 0;
    for (std::size_t i = 0; i < n; ++i) change += std::fabs(next[i] - x[i]);
    x.swap(next);
    if (change < 1e-15) break;
  }
  return x;
}

class Stages : public ::testing::TestWithParam<std::string> {};

TEST_P(Stages, ReadAndRedistributeGiveEveryOwnerExactlyItsRows) {
  const Comm comm;
  const Serial& s = serial();
  StageRun run(comm, GetParam());
  const OwnedData& d = run.data;
  // Every provider is owned by exactly one rank.
  std::vector<std::uint64_t> all = comm.allgatherv<std::uint64_t>(d.ids);
  std::sort(all.begin(), all.end());
  std::vector<std::uint64_t> every(s.size());
  std::iota(every.begin(), every.end(), 0);
  EXPECT_EQ(all, every);
  bool same = d.claims.offsets.size() == d.n_owned() + 1 && d.out_weight.size() == d.n_owned();
  for (std::size_t i = 0; same && i < d.n_owned(); ++i) {
    const std::uint64_t g = d.ids[i];
    auto rows_equal = [&](std::uint64_t lo, std::uint64_t hi, std::uint64_t slo, std::uint64_t shi, auto&& equal) {
      if (hi - lo != shi - slo) return false;
      for (std::uint64_t k = 0; k < hi - lo; ++k)
        if (!equal(lo + k, slo + k)) return false;
      return true;
    };
    same = rows_equal(d.claims.offsets[i], d.claims.offsets[i + 1], s.claims.offsets[g], s.claims.offsets[g + 1],
                      [&](auto a, auto b) { return d.claims.week[a] == s.claims.week[b] && d.claims.services[a] == s.claims.services[b]; }) &&
           rows_equal(d.in_off[i], d.in_off[i + 1], s.in_off[g], s.in_off[g + 1],
                      [&](auto a, auto b) { return d.in_edges.other[a] == s.in.other[b] && d.in_edges.bene[a] == s.in.bene[b]; }) &&
           rows_equal(d.out_off[i], d.out_off[i + 1], s.out_off[g], s.out_off[g + 1],
                      [&](auto a, auto b) { return d.out_edges.other[a] == s.out.other[b] && d.out_edges.bene[a] == s.out.bene[b]; }) &&
           d.out_weight[i] == s.out_weight[g];
    if (!same) ADD_FAILURE() << "provider index " << g << " on rank " << comm.rank();
  }
  expect_all(comm, same, "owned claims, edges and out-weights equal the serial read");
}

TEST_P(Stages, TrendsEqualTheKernelOnTheWholeUniverseAndItsReference) {
  const Comm comm;
  const Serial& s = serial();
  StageRun run(comm, GetParam());
  const std::size_t n = s.size();
  std::vector<std::int32_t> age(s.claims.week.size());
  std::vector<double> services(age.size());
  for (std::size_t r = 0; r < age.size(); ++r) {
    age[r] = world().as_of.value - s.claims.week[r];
    services[r] = s.claims.services[r];
  }
  Columns whole(n), reference(n);
  const kernels::TrendParams p = trend_params(world().campaign);
  kernels::compute_trends(s.claims.offsets, age, services, p,
                          {whole.volume, whole.prior_volume, whole.growth, whole.slope, whole.trigger_z, whole.trigger});
  kernels::compute_trends_reference(s.claims.offsets, age, services, p,
                                    {reference.volume, reference.prior_volume, reference.growth, reference.slope,
                                     reference.trigger_z, reference.trigger});
  const Columns& c = *run.columns;
  bool bits = true, close = true;
  std::size_t triggered = 0;
  for (std::size_t i = 0; i < run.ids.size(); ++i) {
    const std::uint64_t g = run.ids[i];
    bits = bits && c.volume[i] == whole.volume[g] && c.prior_volume[i] == whole.prior_volume[g] &&
           c.growth[i] == whole.growth[g] && c.slope[i] == whole.slope[g] && c.trigger_z[i] == whole.trigger_z[g] &&
           c.trigger[i] == whole.trigger[g];
    close = close && c.volume[i] == reference.volume[g] && c.prior_volume[i] == reference.prior_volume[g] &&
            std::fabs(c.growth[i] - reference.growth[g]) <= 1e-12 && std::fabs(c.slope[i] - reference.slope[g]) <= 1e-9 &&
            std::fabs(c.trigger_z[i] - reference.trigger_z[g]) <= 1e-9;
    triggered += c.trigger[i] != 0;
  }
  expect_all(comm, bits, "distributed trends are the bits of the kernel over the whole universe");
  expect_all(comm, close, "distributed trends agree with the serial reference");
  EXPECT_GT(comm.sum(std::uint64_t{triggered}), 0u) << "the universe has jumpers: some trigger must fire";
}

TEST_P(Stages, LocalGraphKeepsEveryEdgeInOrderAndTheHaloRunsBothWays) {
  const Comm comm;
  const Serial& s = serial();
  StageRun run(comm, GetParam());
  run.build_graph(comm);
  const LocalGraph& g = run.graph;
  const std::size_t n = g.n_owned();
  auto global_of = [&](std::uint32_t ext) { return ext < n ? run.ids[g.order[ext]] : g.ghosts[ext - n]; };
  bool same = true;
  for (std::size_t p = 0; same && p < n; ++p) {
    const std::uint64_t v = run.ids[g.order[p]];
    same = g.in_off[p + 1] - g.in_off[p] == s.in_off[v + 1] - s.in_off[v] &&
           g.out_off[p + 1] - g.out_off[p] == s.out_off[v + 1] - s.out_off[v] &&
           g.out_weight[p] == static_cast<double>(s.out_weight[v]) && g.dangling[p] == (s.out_weight[v] == 0);
    for (std::uint64_t k = 0; same && k < g.in_off[p + 1] - g.in_off[p]; ++k)
      same = global_of(g.in_src[g.in_off[p] + k]) == s.in.other[s.in_off[v] + k] &&
             g.in_bene[g.in_off[p] + k] == s.in.bene[s.in_off[v] + k] && g.in_src[g.in_off[p] + k] < n + g.n_in_ghosts;
    for (std::uint64_t k = 0; same && k < g.out_off[p + 1] - g.out_off[p]; ++k)
      same = global_of(g.out_dst[g.out_off[p] + k]) == s.out.other[s.out_off[v] + k] &&
             g.out_bene[g.out_off[p] + k] == s.out.bene[s.out_off[v] + k];
    if (!same) ADD_FAILURE() << "provider index " << v << " on rank " << comm.rank();
  }
  expect_all(comm, same, "the local CSRs hold every edge of the serial graph, in the universe's order");
  // Ghosts are distinct, not owned here, in-edge sources first.
  std::vector<std::uint64_t> sorted_ghosts = g.ghosts;
  std::sort(sorted_ghosts.begin(), sorted_ghosts.end());
  const bool distinct = std::adjacent_find(sorted_ghosts.begin(), sorted_ghosts.end()) == sorted_ghosts.end() &&
                        std::none_of(g.ghosts.begin(), g.ghosts.end(), [&](std::uint64_t v) {
                          return std::binary_search(run.ids.begin(), run.ids.end(), v);
                        });
  expect_all(comm, distinct, "ghosts are distinct and owned elsewhere");
  if (comm.size() == 1) {
    EXPECT_TRUE(g.ghosts.empty());
  }

  // Forward: every ghost receives its owner's value.
  auto f = [](std::uint64_t v) { return 1.5 * static_cast<double>(v) + 1.0; };
  std::vector<double> ext(n + g.ghosts.size(), -1.0);
  for (std::size_t i = 0; i < n; ++i) ext[g.position_of[i]] = f(run.ids[i]);
  g.exposure_halo.exchange<double>(ext);
  bool forward = true;
  for (std::size_t k = 0; k < g.ghosts.size(); ++k) forward = forward && ext[n + k] == f(g.ghosts[k]);
  expect_all(comm, forward, "exchange brings each ghost its owner's value");

  // Reverse: each rank contributes rank + 1 to each of its ghosts; owners receive the sum over the
  // ranks that hold them as ghosts.
  std::vector<double> contributions(n + g.ghosts.size(), 0.0);
  for (std::size_t k = 0; k < g.ghosts.size(); ++k) contributions[n + k] = comm.rank() + 1.0;
  g.exposure_halo.accumulate<double>(contributions);
  std::vector<std::uint64_t> tagged;  // (ghost, rank) of every rank, allgathered
  for (std::uint64_t v : g.ghosts) {
    tagged.push_back(v);
    tagged.push_back(static_cast<std::uint64_t>(comm.rank()));
  }
  const std::vector<std::uint64_t> all_tagged = comm.allgatherv<std::uint64_t>(tagged);
  std::vector<double> expected(s.size(), 0.0);
  for (std::size_t k = 0; k < all_tagged.size(); k += 2) expected[all_tagged[k]] += all_tagged[k + 1] + 1.0;
  bool reverse = true;
  double received = 0;
  for (std::size_t i = 0; i < n; ++i) {
    reverse = reverse && contributions[g.position_of[i]] == expected[run.ids[i]];
    received += contributions[g.position_of[i]];
  }
  for (std::size_t k = 0; k < g.ghosts.size(); ++k) reverse = reverse && contributions[n + k] == comm.rank() + 1.0;
  expect_all(comm, reverse, "accumulate adds every ghost contribution into its owner, ghosts untouched");
  if (comm.size() > 1) {
    EXPECT_GT(comm.max(received), 0.0);
  }
}

TEST_P(Stages, PageRankDriverMatchesAPushIterationAndOneRankBitForBit) {
  const Comm comm;
  const Serial& s = serial();
  const Campaign& c = world().campaign;
  StageRun run(comm, GetParam());
  run.build_graph(comm);
  int observed = 0, last_seen = 0;
  PageRankRun options;
  options.observer = [&](const Comm&, int iteration) {
    ++observed;
    last_seen = iteration;
  };
  const PageRankResult r = run_pagerank(comm, run.graph, s.size(), c, options, *run.columns);
  EXPECT_EQ(observed, r.iterations);
  EXPECT_EQ(last_seen, r.iterations);
  EXPECT_LT(r.residual, c.tolerance);
  const std::vector<double> x = by_provider(comm, run.ids, run.columns->pagerank, s.size());
  const std::vector<double> volume = by_provider(comm, run.ids, run.columns->volume, s.size());

  const std::vector<double> reference = serial_pagerank(s, volume, c);
  double l1 = 0, sum = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    l1 += std::fabs(x[i] - reference[i]);
    sum += x[i];
  }
  EXPECT_LT(l1, 1e-8) << "L1 distance to the push-direction power iteration";
  EXPECT_NEAR(sum, 1.0, 1e-9);

  // The same stages on one rank (every rank alone on MPI_COMM_SELF): the same bits.
  const Comm self(MPI_COMM_SELF);
  StageRun alone(self, "block");
  alone.build_graph(self);
  const PageRankResult r1 = run_pagerank(self, alone.graph, s.size(), c, {}, *alone.columns);
  EXPECT_EQ(r1.iterations, r.iterations);
  EXPECT_EQ(r1.residual, r.residual);
  bool bits = alone.ids.size() == s.size();
  for (std::size_t i = 0; bits && i < s.size(); ++i) bits = alone.columns->pagerank[i] == x[alone.ids[i]];
  expect_all(comm, bits, "PageRank is bit-identical to the one-rank run");
}

TEST_P(Stages, PeerExposureEqualsTheKernelReferenceOnTheWholeGraph) {
  const Comm comm;
  const Serial& s = serial();
  StageRun run(comm, GetParam());
  run.build_graph(comm);
  compute_peer_exposure(run.graph, *run.columns);
  const std::vector<double> exposure = by_provider(comm, run.ids, run.columns->peer_exposure, s.size());
  const std::vector<double> volume = by_provider(comm, run.ids, run.columns->volume, s.size());
  std::vector<std::uint8_t> active(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) active[i] = volume[i] > 0;
  std::vector<double> reference(s.size());
  kernels::peer_exposure_reference(s.out_off, s.out.other, s.out.bene, s.in_off, s.in.other, s.in.bene, active,
                                   reference);
  std::size_t exposed = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    EXPECT_DOUBLE_EQ(exposure[i], reference[i]) << "provider index " << i;
    exposed += exposure[i] > 0 && exposure[i] < 1;
  }
  EXPECT_GT(exposed, 0u) << "some providers have a partly active network";
}

TEST_P(Stages, RankedRowsFollowASerialSortOfTheSerialScores) {
  const Comm comm;
  const Serial& s = serial();
  const Campaign& c = world().campaign;
  StageRun run(comm, GetParam());
  run.build_graph(comm);
  run_pagerank(comm, run.graph, s.size(), c, {}, *run.columns);
  compute_peer_exposure(run.graph, *run.columns);
  const std::vector<std::uint8_t> suppressed = read_suppression(c.suppression, s.providers);
  const RankedRows rows = rank_rows(comm, run.data, *run.columns, run.providers, suppressed, c, /*gather=*/true);

  // The serial reference, from the columns by provider index.
  const std::size_t n = s.size();
  const Columns& col = *run.columns;
  const auto volume = by_provider(comm, run.ids, col.volume, n), growth = by_provider(comm, run.ids, col.growth, n),
             pagerank = by_provider(comm, run.ids, col.pagerank, n),
             exposure = by_provider(comm, run.ids, col.peer_exposure, n);
  const auto trigger = by_provider(comm, run.ids, col.trigger, n);
  std::vector<std::uint8_t> eligible(n);
  for (std::size_t i = 0; i < n; ++i) eligible[i] = !suppressed[i] && c.passes_filters(s.providers, i);
  auto pct = [&](const std::vector<double>& values) {
    std::vector<double> eligible_values, all(n, 0.0), out;
    for (std::size_t i = 0; i < n; ++i)
      if (eligible[i]) eligible_values.push_back(values[i]);
    std::vector<double> sorted = eligible_values;
    std::sort(sorted.begin(), sorted.end());
    out.resize(eligible_values.size());
    kernels::percentiles_reference(sorted, eligible_values, out);
    for (std::size_t i = 0, k = 0; i < n; ++i)
      if (eligible[i]) all[i] = out[k++];
    return all;
  };
  const auto pv = pct(volume), pg = pct(growth), pp = pct(pagerank), pe = pct(exposure);
  std::vector<double> score(n);
  const auto& w = c.weights;
  kernels::compute_scores_reference(pv, pg, pp, pe, trigger, eligible,
                                    {w.volume, w.growth, w.pagerank, w.peer_exposure, w.trigger}, score);
  const std::vector<std::uint32_t> order = kernels::rank_order_reference(score, s.providers.npi, eligible);
  const std::uint64_t n_eligible = std::count(eligible.begin(), eligible.end(), 1);
  EXPECT_EQ(rows.eligible, n_eligible);
  EXPECT_EQ(rows.total_rows, n);
  EXPECT_GT(n - n_eligible, 1u) << "suppressed and filtered providers are in the universe";
  if (!comm.root()) {
    EXPECT_EQ(rows.snapshot.npi.size(), 0u);
    return;
  }
  const Snapshot& snap = rows.snapshot;
  ASSERT_EQ(snap.npi.size(), n);
  for (std::size_t k = 0; k < n; ++k) {
    const std::uint32_t i = order[k];
    ASSERT_EQ(snap.npi[k], s.providers.npi[i]) << "row " << k;
    EXPECT_EQ(snap.rank[k], eligible[i] ? k + 1 : 0u) << "row " << k;
    EXPECT_EQ(snap.score[k], score[i]) << "row " << k;
    EXPECT_EQ(snap.pct_volume[k], pv[i]);
    EXPECT_EQ(snap.pct_peer_exposure[k], pe[i]);
    EXPECT_EQ(snap.suppressed[k], suppressed[i]);
    EXPECT_EQ(snap.pagerank[k], pagerank[i]);
  }
}

INSTANTIATE_TEST_SUITE_P(Ownership, Stages, ::testing::Values("block", "hash"));

// The outcomes of CampaignWeeks (each rank its block of providers) equal the kernels run on the
// whole universe's series on one process, placebo included, at every rank count; and nothing
// after the origin changes the placebo.
TEST(CampaignWeeks, OutcomesEqualTheKernelsOnTheWholeUniverse) {
  const Comm comm;
  const World& w = world();
  const UniverseReader universe(comm, w.universe_path);
  const CampaignWeeks weeks(comm, universe, w.campaign, w.as_of);
  const WeekIndex t = w.as_of - 13;
  kernels::OutcomeRule rule;
  rule.min_increase = 2;
  rule.trigger_min = 3;
  const Outcomes got = weeks.outcomes(t, rule, 99);
  // Without a seed: the same outcomes and no placebo.
  const Outcomes plain = weeks.outcomes(t, rule, std::nullopt);
  EXPECT_EQ(plain.converted, got.converted);
  EXPECT_EQ(plain.placebo, std::vector<std::uint8_t>(plain.placebo.size(), 0));
  EXPECT_EQ(plain.placebo_baseline_weeks, 0);
  bool ok = true;
  if (comm.root()) {
    const Comm self(MPI_COMM_SELF);
    const UniverseReader u(self, w.universe_path);
    const std::uint64_t n = u.num_providers();
    const auto series = u.read_claim_series(0, n, serial().code_match, u.first_week(), w.as_of.value);
    const int b = std::min(52, t.value - u.first_week() + 1);
    EXPECT_EQ(got.baseline_weeks, b);
    std::vector<double> totals;
    for (std::int32_t week = t.value - 77; week <= t.value; ++week) {
      double total = 0;
      for (std::size_t r = 0; r < series.week.size(); ++r) total += series.week[r] == week ? series.services[r] : 0;
      totals.push_back(total);
    }
    const double season = t.value - 77 >= u.first_week() ? kernels::seasonal_factor(totals, 13) : 1.0;
    EXPECT_EQ(got.seasonal, season);
    const kernels::WeeklySeries view{series.offsets, series.week, series.services};
    std::vector<std::uint8_t> want(n), placebo(n, 0);
    kernels::outcomes_from_series(view, t.value, b, season, rule, want);
    std::vector<std::uint64_t> key(n);
    std::iota(key.begin(), key.end(), 0);
    const int pb = std::min(b, t.value - u.first_week() + 1 - 13);
    EXPECT_EQ(got.placebo_baseline_weeks, std::max(pb, 0));
    if (pb >= 1) kernels::placebo_outcomes(view, key, t.value, pb, rule, 99, placebo);
    ok = got.converted == want && got.placebo == placebo;
    std::size_t converted = 0;
    for (auto c : want) converted += c != 0;
    EXPECT_GT(converted, 0u);  // the comparison is not of empty outcomes
  }
  expect_all(comm, comm.all(ok), "outcomes and placebo equal the serial kernels");
}

TEST(RunSummary, MinAvgMaxAndImbalanceOverRanks) {
  RunSummary s;
  s.phases = {"read", "pagerank"};
  s.seconds = {{1.0, 4.0}, {3.0, 4.0}};
  s.owned = {10, 30};
  s.ghosts = {5, 5};
  s.halo_bytes = {0, 8};
  const RunSummary::Stat read = s.phase(0);
  EXPECT_EQ(read.min, 1.0);
  EXPECT_EQ(read.avg, 2.0);
  EXPECT_EQ(read.max, 3.0);
  EXPECT_DOUBLE_EQ(read.imbalance_pct, 50.0);
  EXPECT_EQ(s.phase(1).imbalance_pct, 0.0);
  s.append_phase("write", {0.5, 1.5});
  EXPECT_EQ(s.phases.back(), "write");
  EXPECT_EQ(s.phase(2).avg, 1.0);
  const std::string table = timing_table("[t]", s);
  EXPECT_NE(table.find("[t] read                  1.00      2.00      3.00     50.0 %"), std::string::npos) << table;
  EXPECT_NE(table.find("[t] owned providers         10      20.0        30     50.0 %"), std::string::npos) << table;
  const std::string json = timing_json(s);
  EXPECT_NE(json.find("\"read\":{\"min\":1.000000,\"avg\":2.000000,\"max\":3.000000,\"imbalance_pct\":50.000}"),
            std::string::npos)
      << json;
  EXPECT_NE(json.find("\"owned\":[10,30]"), std::string::npos) << json;
}

}  // namespace
