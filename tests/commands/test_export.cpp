// signalrank export: never a suppressed NPI (property tests over random snapshots and lists, in
// the library and through the binary), each filter, reasons that match the score's components,
// RFC 4180 quoting, refusal of a snapshot of another universe, atomic output.
#include <gtest/gtest.h>

#include <cmath>

#include <filesystem>
#include <fstream>
#include <random>
#include <set>

#include "actions_support.hpp"
#include "support/score_universe.hpp"
#include "io/error.hpp"
#include "src/commands/support.hpp"
#include "src/commands/explain.hpp"
#include "src/commands/export.hpp"

using namespace signalrank;
using namespace signalrank::testing;
namespace fs = std::filesystem;

namespace {

const fs::path kDir = fs::temp_directory_path() / "signalrank_test_export";

CommandResult run(const std::string& cmd) { return run_command(cmd, kDir.string()); }

std::string export_cmd(const std::string& snapshot, const std::string& universe, int top, const std::string& out,
                       const std::string& extra = "") {
  return std::string(SIGNALRANK_BINARY) + " export --snapshot " + snapshot + " --universe " + universe +
         " --top " + std::to_string(top) + " --out " + out + " " + extra;
}

class ExportTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    fs::remove_all(kDir);
    fs::create_directories(kDir);
  }
};

// The rows select_targets must give, computed the plain way: every ranked, unsuppressed provider
// passing `pass`, by rank.
std::vector<std::uint64_t> expected_npis(const Snapshot& s, const Providers& p, const std::vector<std::uint8_t>& newer,
                                         std::size_t top, const std::function<bool(std::size_t row, std::size_t i)>& pass) {
  std::vector<std::pair<std::uint32_t, std::uint64_t>> cand;
  for (std::size_t row = 0; row < s.size(); ++row) {
    const std::size_t i = static_cast<std::size_t>(std::lower_bound(p.npi.begin(), p.npi.end(), s.npi[row]) - p.npi.begin());
    if (s.rank[row] && !s.suppressed[row] && (newer.empty() || !newer[i]) && pass(row, i))
      cand.emplace_back(s.rank[row], s.npi[row]);
  }
  std::sort(cand.begin(), cand.end());
  std::vector<std::uint64_t> out;
  for (std::size_t k = 0; k < cand.size() && k < top; ++k) out.push_back(cand[k].second);
  return out;
}

std::vector<std::uint64_t> npis_of(const TargetList& l) {
  std::vector<std::uint64_t> v;
  for (const auto& r : l.rows) v.push_back(r.npi);
  return v;
}

}  // namespace

// ---- suppression: property tests ---------------------------------------------------------------

TEST_F(ExportTest, NeverASuppressedNpiOverRandomSnapshotsAndLists) {
  std::mt19937_64 rng(5);
  const ScoreExplainer why;
  for (int trial = 0; trial < 300; ++trial) {
    const std::size_t n = 5 + rng() % 200;
    const Providers p = make_providers(n, 150000000 + 1000 * trial);
    const Snapshot s = make_snapshot(p, random_spec(n, rng), test_campaign_toml());
    std::vector<std::uint8_t> newer;
    if (trial % 3) {
      newer.assign(n, 0);
      for (auto& f : newer) f = rng() % 7 == 0;
    }
    ExportFilters f;
    f.top = 1 + rng() % (n + 5);
    f.trigger_only = trial % 5 == 0;
    if (trial % 4 == 1) f.states = {"oh", "NY"};
    const TargetList l = select_targets(s, p, newer, f, why);
    std::set<std::uint64_t> forbidden;
    for (std::size_t row = 0; row < s.size(); ++row)
      if (s.suppressed[row]) forbidden.insert(s.npi[row]);
    for (std::size_t i = 0; i < n; ++i)
      if (!newer.empty() && newer[i]) forbidden.insert(p.npi[i]);
    for (const auto& r : l.rows) ASSERT_FALSE(forbidden.count(r.npi)) << "trial " << trial << " NPI " << r.npi;
    for (std::size_t k = 1; k < l.rows.size(); ++k) ASSERT_LT(l.rows[k - 1].rank, l.rows[k].rank);
    const auto expect = expected_npis(s, p, newer, f.top, [&](std::size_t row, std::size_t i) {
      if (f.trigger_only && !s.trigger[row]) return false;
      if (!f.states.empty() && p.state_of(i) != "OH" && p.state_of(i) != "NY") return false;
      return true;
    });
    ASSERT_EQ(npis_of(l), expect) << "trial " << trial;
  }
}

TEST_F(ExportTest, BinaryNeverWritesASuppressedNpiAndReportsWhatTheNewerListRemoved) {
  std::mt19937_64 rng(11);
  const std::size_t n = 150;
  const Providers p = make_providers(n);
  const std::string universe = (kDir / "prop_universe.h5").string();
  write_test_universe(universe, p);
  for (int trial = 0; trial < 8; ++trial) {
    Snapshot s = make_snapshot(p, random_spec(n, rng), test_campaign_toml());
    s.inputs_json = inputs_json_for(universe);
    const std::string snap = (kDir / ("prop_" + std::to_string(trial) + ".h5")).string();
    write_snapshot(snap, s, [](double) { return std::string("{}"); });
    // A newer list: some providers (ranked ones among them), an NPI outside the universe, a header.
    std::vector<std::uint8_t> newer(n, 0);
    const std::string list = (kDir / ("prop_supp_" + std::to_string(trial) + ".csv")).string();
    {
      std::ofstream out(list);
      out << "npi,reason\n" << npi_from_body(199999990) << ",opt_out\n";
      for (std::size_t i = 0; i < n; ++i)
        if (rng() % 6 == 0) {
          newer[i] = 1;
          out << p.npi[i] << ",compliance\n";
        }
    }
    const int top = 1 + static_cast<int>(rng() % 140);
    const std::string csv = (kDir / ("prop_" + std::to_string(trial) + ".csv")).string();
    CommandResult r = run(export_cmd(snap, universe, top, csv, "--suppression " + list));
    ASSERT_EQ(r.status, 0) << r.err << r.out;
    const auto rows = parse_csv(signalrank::testing::slurp(csv));
    ASSERT_GE(rows.size(), 1u);
    std::set<std::uint64_t> forbidden;
    for (std::size_t row = 0; row < s.size(); ++row)
      if (s.suppressed[row]) forbidden.insert(s.npi[row]);
    for (std::size_t i = 0; i < n; ++i)
      if (newer[i]) forbidden.insert(p.npi[i]);
    std::vector<std::uint64_t> got;
    for (std::size_t k = 1; k < rows.size(); ++k) {
      const std::uint64_t npi = std::stoull(rows[k][1]);
      EXPECT_FALSE(forbidden.count(npi)) << "trial " << trial << " exported suppressed NPI " << npi;
      got.push_back(npi);
    }
    EXPECT_EQ(got, expected_npis(s, p, newer, static_cast<std::size_t>(top), [](std::size_t, std::size_t) { return true; }));
    ExportFilters f;
    f.top = static_cast<std::size_t>(top);
    const TargetList l = select_targets(s, p, newer, f, ScoreExplainer{});
    EXPECT_NE(r.out.find("newer suppression removed " + std::to_string(l.removed_by_newer) + " ranked providers"),
              std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("1 NPIs not in it"), std::string::npos) << r.out;
  }
}

TEST_F(ExportTest, ChangedSuppressionListRecordedInTheSnapshotIsReappliedByItself) {
  const std::size_t n = 40;
  const Providers p = make_providers(n, 110000000);
  const std::string universe = (kDir / "auto_universe.h5").string();
  write_test_universe(universe, p);
  std::mt19937_64 rng(3);
  SnapshotSpec spec = random_spec(n, rng);
  std::fill(spec.suppressed.begin(), spec.suppressed.end(), 0);
  std::fill(spec.eligible.begin(), spec.eligible.end(), 1);
  Snapshot s = make_snapshot(p, spec, test_campaign_toml());
  const std::string list = (kDir / "auto_supp.csv").string();
  std::ofstream(list) << "npi\n";
  const InputFile rec = describe_input("suppression", list);
  const std::string one = inputs_json({rec});
  std::string universe_json = inputs_json_for(universe);
  universe_json.pop_back();  // reopen the object
  s.inputs_json = universe_json + ",\"suppression\":" + one.substr(1, one.size() - 2) + "}";
  const std::string snap = (kDir / "auto.h5").string();
  write_snapshot(snap, s, [](double) { return std::string("{}"); });
  // The list grows after scoring: the top provider opts out.
  std::ofstream(list, std::ios::app) << s.npi[0] << "\n";
  const std::string csv = (kDir / "auto.csv").string();
  CommandResult r = run(export_cmd(snap, universe, 5, csv));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("changed since the snapshot"), std::string::npos) << r.out;
  const auto rows = parse_csv(signalrank::testing::slurp(csv));
  ASSERT_EQ(rows.size(), 6u);
  for (std::size_t k = 1; k < rows.size(); ++k) EXPECT_NE(rows[k][1], std::to_string(s.npi[0]));
  EXPECT_EQ(rows[1][0], "2");  // the snapshot's rank 2 is now first
}

// The whole path, as a team runs it: score in one folder with the campaign's relative list, an
// opt-out added after scoring, export from another folder. The opt-out must not be exported; a
// list that cannot be read any more stops the export unless --suppression names the list to use.
TEST_F(ExportTest, OptOutAddedAfterScoringIsHonouredFromAnyFolder) {
  const fs::path work = kDir / "scored-here", elsewhere = kDir / "exported-from-here";
  fs::create_directories(elsewhere);
  build_score_universe(work);
  write_score_campaign(work, "tavr.toml", "");
  CommandResult scored = run_command("cd " + work.string() + " && mpirun -n 2 --oversubscribe --allow-run-as-root " +
                                         SIGNALRANK_BINARY + " score --universe universe.h5 --campaign tavr.toml --as-of " +
                                         kLastMonday + " --out snapshots",
                                     work.string());
  ASSERT_EQ(scored.status, 0) << scored.err;
  const fs::path snap = work / "snapshots" / "tavr" / (kLastMonday + ".h5");
  const Snapshot s = read_snapshot(snap.string());
  const auto rec = recorded_input(s, "suppression");
  ASSERT_TRUE(rec);
  EXPECT_EQ(rec->path, (work / "suppression.csv").string());  // absolute, whatever score was given
  // After scoring, the top provider opts out.
  ASSERT_EQ(s.rank[0], 1u);
  std::ofstream(work / "suppression.csv", std::ios::app) << s.npi[0] << ",opt_out\n";

  auto export_from_elsewhere = [&](const std::string& extra) {
    return run_command("cd " + elsewhere.string() + " && " + SIGNALRANK_BINARY + " export --snapshot " + snap.string() +
                           " --universe " + (work / "universe.h5").string() + " --top 5 --out targets.csv " + extra,
                       elsewhere.string());
  };
  CommandResult r = export_from_elsewhere("");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("export: suppression " + rec->path +
                       " (the snapshot's list, changed since the snapshot was made): 3 rows, 3 providers"),
            std::string::npos)
      << r.out;
  auto rows = parse_csv(slurp((elsewhere / "targets.csv").string()));
  ASSERT_EQ(rows.size(), 6u);
  EXPECT_EQ(rows[1][0], "2");  // rank 1 opted out
  for (std::size_t k = 1; k < rows.size(); ++k) EXPECT_NE(rows[k][1], std::to_string(s.npi[0]));

  // The list is moved away: no export without it, and the targets of the last run stay.
  fs::rename(work / "suppression.csv", kDir / "moved-suppression.csv");
  CommandResult refused = export_from_elsewhere("");
  EXPECT_EQ(refused.status, 2) << refused.err;
  EXPECT_EQ(refused.error_lines(),
            std::vector<std::string>{"error: " + snap.string() + ": field 'inputs': the snapshot was scored with the "
                                     "suppression list '" + rec->path + "', which cannot be read here (No such file " +
                                     "or directory); an export never goes without its opt-outs: pass --suppression " +
                                     "FILE (that list, or its newer version)"})
      << refused.err;
  EXPECT_EQ(parse_csv(slurp((elsewhere / "targets.csv").string())), rows);
  CommandResult with_list = export_from_elsewhere("--suppression " + (kDir / "moved-suppression.csv").string());
  ASSERT_EQ(with_list.status, 0) << with_list.err;
  EXPECT_NE(with_list.out.find("the --suppression lists replace it"), std::string::npos) << with_list.out;
  EXPECT_EQ(parse_csv(slurp((elsewhere / "targets.csv").string())), rows);
  fs::rename(kDir / "moved-suppression.csv", work / "suppression.csv");
}

// ---- filters -----------------------------------------------------------------------------------

TEST_F(ExportTest, EachFilter) {
  const std::size_t n = 30;
  const Providers p = make_providers(n, 120000000);
  SnapshotSpec spec;
  for (std::size_t i = 0; i < n; ++i) {
    spec.eligible.push_back(i != 29);
    spec.suppressed.push_back(0);
    spec.trigger.push_back(i % 4 == 0 ? 1 : 0);
    // Provider i has rank i + 1: its percentiles fall with i.
    const double v = 1.0 - static_cast<double>(i) / n;
    spec.pct_volume.push_back(v);
    spec.pct_growth.push_back(v);
    spec.pct_pagerank.push_back(v);
    spec.pct_peer_exposure.push_back(v);
    spec.volume.push_back(static_cast<double>(i));
    spec.growth.push_back(0);
  }
  spec.trigger.assign(n, 0);  // the trigger term would reorder; set flags after scoring
  Snapshot s = make_snapshot(p, spec, test_campaign_toml());
  for (std::size_t row = 0; row < n; ++row) s.trigger[row] = row % 4 == 0 ? 1 : 0;
  for (std::size_t row = 0; row + 1 < n; ++row) ASSERT_EQ(s.npi[row], p.npi[row]);  // rank order = index order

  const ScoreExplainer why;
  auto pick = [&](ExportFilters f) {
    if (f.top == 0) f.top = 100;
    std::vector<std::size_t> idx;
    for (const auto& r : select_targets(s, p, {}, f, why).rows)
      idx.push_back(static_cast<std::size_t>(std::lower_bound(p.npi.begin(), p.npi.end(), r.npi) - p.npi.begin()));
    return idx;
  };
  auto all = [&](const std::function<bool(std::size_t)>& keep) {
    std::vector<std::size_t> v;
    for (std::size_t i = 0; i < 29; ++i)  // provider 29 is not ranked
      if (keep(i)) v.push_back(i);
    return v;
  };
  ExportFilters f;
  EXPECT_EQ(pick(f), all([](std::size_t) { return true; }));
  f.top = 7;
  EXPECT_EQ(pick(f), all([](std::size_t i) { return i < 7; }));
  f = {};
  f.states = {"pa"};  // state of i is by (i / 3) % 3: OH, PA, NY
  EXPECT_EQ(pick(f), all([](std::size_t i) { return (i / 3) % 3 == 1; }));
  f = {};
  f.specialties = {"family medicine"};
  EXPECT_EQ(pick(f), all([](std::size_t i) { return i % 3 == 1; }));
  f = {};
  f.specialties = {"207rc0000x", "Surgery, \"Cardiothoracic\""};  // a taxonomy code and a name
  EXPECT_EQ(pick(f), all([](std::size_t i) { return i % 3 != 1; }));
  f = {};
  f.taxonomy_prefix = "207";
  EXPECT_EQ(pick(f), all([](std::size_t i) { return i % 3 != 2; }));
  f = {};
  f.min_volume = 20;
  EXPECT_EQ(pick(f), all([](std::size_t i) { return i >= 20; }));
  f = {};
  f.trigger_only = true;
  EXPECT_EQ(pick(f), all([](std::size_t i) { return i % 4 == 0; }));
  f = {};
  f.states = {"OH", "NY"};
  f.trigger_only = true;
  f.top = 3;
  EXPECT_EQ(pick(f), (std::vector<std::size_t>{0, 8, 16}));

  // The same through the binary, with every filter at once.
  const std::string universe = (kDir / "filters_universe.h5").string(), snap = (kDir / "filters.h5").string(),
                    csv = (kDir / "filters.csv").string();
  write_test_universe(universe, p);
  s.inputs_json = inputs_json_for(universe);
  write_snapshot(snap, s, [](double) { return std::string("{}"); });
  CommandResult r = run(export_cmd(snap, universe, 10, csv,
                                   "--state OH --state ny --specialty 'Cardiovascular Disease' --specialty 207Q00000X "
                                   "--taxonomy-prefix 207 --min-volume 1 --trigger-only"));
  ASSERT_EQ(r.status, 0) << r.err;
  const auto rows = parse_csv(signalrank::testing::slurp(csv));
  std::vector<std::string> got;
  for (std::size_t k = 1; k < rows.size(); ++k) got.push_back(rows[k][0]);
  // Ranks of providers with trigger (i % 4 == 0), state OH/NY, taxonomy 207*, volume >= 1.
  std::vector<std::string> want;
  for (std::size_t i : all([](std::size_t i) { return i >= 1 && i % 4 == 0 && (i / 3) % 3 != 1 && i % 3 != 2; }))
    want.push_back(std::to_string(i + 1));
  EXPECT_EQ(got, want);

  CommandResult bad = run(export_cmd(snap, universe, 10, csv, "--specialty Dermatology"));
  EXPECT_EQ(bad.status, 3);
  EXPECT_EQ(bad.error_lines(),
            std::vector<std::string>{"error: --specialty: 'Dermatology' is neither a specialty name nor a taxonomy code of the universe"})
      << bad.err;
  CommandResult bad_state = run(export_cmd(snap, universe, 10, csv, "--state Ohio"));
  EXPECT_EQ(bad_state.status, 3);
  EXPECT_EQ(bad_state.error_lines(), std::vector<std::string>{"error: --state: 'Ohio' is not a 2-letter state code"});
}

// ---- reasons -----------------------------------------------------------------------------------

TEST_F(ExportTest, ReasonsNameTheTwoLargestContributions) {
  const ScoreExplainer w;  // SPEC weights 0.2 0.25 0.3 0.15 0.1, trigger_weeks 4
  // Lift over the median provider: weight x (percentile - 0.5); a set trigger lifts by its weight.
  EXPECT_EQ(w.reasons(1, 1, 1, 1, 0), "referral hub;rising volume");          // 0.15, 0.125
  EXPECT_EQ(w.reasons(1, 0.1, 0.1, 1, 0), "high volume;peers adopting");      // 0.1, 0.075
  EXPECT_EQ(w.reasons(0.1, 0.9, 0.2, 0.1, 0), "rising volume");               // 0.1; the rest below the median
  EXPECT_EQ(w.reasons(0.9, 0.9, 0.6, 0.5, 0), "rising volume;high volume");   // 0.1, 0.08, 0.03, 0
  EXPECT_EQ(w.reasons(0.01, 0.01, 0.02, 0.01, 1), "jump in last 4 weeks");    // 0.1; every component below
  EXPECT_EQ(w.reasons(0.01, 0.01, 0.01, 0.9, 2), "new writer;peers adopting");  // 0.1 > 0.06
  EXPECT_EQ(w.reasons(0.01, 0.01, 0.01, 0.99, 2), "new writer;peers adopting");  // 0.1 > 0.0735
  EXPECT_EQ(w.reasons(0.01, 0.01, 0.99, 0.01, 3), "referral hub;new writer");    // 0.147 > 0.1; both bits: new writer
  // Growth is named only for a real rise (growth >= ln 1.2): +3 % at a high percentile is not.
  EXPECT_EQ(w.reasons(1, 1, 1, 1, 0, std::log(1.03)), "referral hub;high volume");
  EXPECT_EQ(w.reasons(1, 1, 1, 1, 0, std::log(1.25)), "referral hub;rising volume");
  EXPECT_EQ(w.reasons(0.1, 0.9, 0.2, 0.1, 0, 0.0), "");
  ScoreExplainer six = ScoreExplainer::from_campaign_toml(test_campaign_toml("tavr", 6), "s.h5");
  EXPECT_EQ(six.trigger_weeks, 6);
  EXPECT_EQ(six.reasons(0, 0, 0, 0, 1), "jump in last 6 weeks");
  // Equal contributions keep the vocabulary order; terms at or below the median are never named.
  ScoreExplainer eq;
  eq.w_volume = eq.w_growth = eq.w_pagerank = eq.w_peer_exposure = 0.25;
  EXPECT_EQ(eq.reasons(0.75, 0.75, 0.75, 0.75, 0), "high volume;rising volume");
  EXPECT_EQ(eq.reasons(0.5, 0.5, 0.5, 0.5, 0), "");
  ScoreExplainer only_growth;
  only_growth.w_volume = only_growth.w_pagerank = only_growth.w_peer_exposure = only_growth.w_trigger = 0;
  only_growth.w_growth = 1;
  EXPECT_EQ(only_growth.reasons(1, 0.7, 1, 1, 1), "rising volume");
  EXPECT_EQ(only_growth.reasons(1, 0.3, 1, 1, 1), "");

  const ScoreExplainer custom = ScoreExplainer::from_campaign_toml(
      "name = \"x\"\ncodes = [\"CPT:1\"]\n[weights]\nvolume = 0.9\ntrigger = 0.0\n", "s.h5");
  EXPECT_DOUBLE_EQ(custom.w_volume, 0.9);
  EXPECT_DOUBLE_EQ(custom.w_growth, 0.25);  // missing: the SPEC default
  EXPECT_DOUBLE_EQ(custom.w_trigger, 0.0);
  EXPECT_EQ(custom.trigger_weeks, 4);
  EXPECT_THROW(ScoreExplainer::from_campaign_toml("name = [", "s.h5"), ConfigError);
}

TEST_F(ExportTest, ReasonsColumnMatchesTheSnapshotsComponents) {
  const std::size_t n = 60;
  const Providers p = make_providers(n, 130000000);
  std::mt19937_64 rng(8);
  SnapshotSpec spec = random_spec(n, rng);
  for (std::size_t i = 3; i < n; i += 6) spec.growth[i] = 0.5;  // real rises: growth can be named
  for (std::size_t i = 0; i < n; i += 6) {  // a trigger with weak components: the trigger is named
    spec.trigger[i] = i % 12 ? 1 : 2;
    spec.pct_volume[i] = spec.pct_growth[i] = spec.pct_pagerank[i] = spec.pct_peer_exposure[i] = 0.05;
  }
  const std::string toml = test_campaign_toml("tavr", 5);
  Snapshot s = make_snapshot(p, spec, toml);
  const std::string universe = (kDir / "reasons_universe.h5").string(), snap = (kDir / "reasons.h5").string(),
                    csv = (kDir / "reasons.csv").string();
  write_test_universe(universe, p);
  s.inputs_json = inputs_json_for(universe);
  write_snapshot(snap, s, [](double) { return std::string("{}"); });
  CommandResult r = run(export_cmd(snap, universe, 60, csv));
  ASSERT_EQ(r.status, 0) << r.err;
  const auto rows = parse_csv(signalrank::testing::slurp(csv));
  ASSERT_GT(rows.size(), 10u);
  std::size_t jumps = 0, new_writers = 0, rising = 0;
  for (std::size_t k = 1; k < rows.size(); ++k) {
    const std::uint64_t npi = std::stoull(rows[k][1]);
    const std::size_t i = static_cast<std::size_t>(std::lower_bound(p.npi.begin(), p.npi.end(), npi) - p.npi.begin());
    // Recompute the largest two contributions from the hand-made percentiles.
    std::vector<std::pair<double, std::string>> terms = {
        {0.2 * (spec.pct_volume[i] - 0.5), "high volume"},
        {spec.growth[i] < std::log(1.2) ? 0.0 : 0.25 * (spec.pct_growth[i] - 0.5), "rising volume"},
        {0.3 * (spec.pct_pagerank[i] - 0.5), "referral hub"},
        {0.15 * (spec.pct_peer_exposure[i] - 0.5), "peers adopting"},
        {spec.trigger[i] ? 0.1 : 0.0, (spec.trigger[i] & 2) ? "new writer" : "jump in last 5 weeks"}};
    std::stable_sort(terms.begin(), terms.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    std::string expect;
    for (std::size_t t = 0, named = 0; t < terms.size() && named < 2 && terms[t].first > 0; ++t, ++named)
      expect += (named ? ";" : "") + terms[t].second;
    EXPECT_EQ(rows[k][10], expect) << "NPI " << npi;
    jumps += rows[k][10].find("jump in last 5 weeks") != std::string::npos;
    new_writers += rows[k][10].find("new writer") != std::string::npos;
    rising += rows[k][10].find("rising volume") != std::string::npos;
    EXPECT_EQ(rows[k][9], std::to_string(spec.trigger[i]));
  }
  EXPECT_GT(jumps, 0u);
  EXPECT_GT(new_writers, 0u);
  EXPECT_GT(rising, 0u);
}

// ---- CSV format --------------------------------------------------------------------------------

TEST_F(ExportTest, Rfc4180QuotingOfASpecialtyWithACommaAndQuotes) {
  const std::size_t n = 9;
  const Providers p = make_providers(n, 140000000);  // provider 2: 'Surgery, "Cardiothoracic"'
  SnapshotSpec spec;
  for (std::size_t i = 0; i < n; ++i) {
    spec.eligible.push_back(1);
    spec.suppressed.push_back(0);
    spec.trigger.push_back(0);
    const double v = i == 2 ? 1.0 : 0.5 - 0.01 * static_cast<double>(i);
    spec.pct_volume.push_back(v);
    spec.pct_growth.push_back(v);
    spec.pct_pagerank.push_back(v);
    spec.pct_peer_exposure.push_back(v);
    spec.volume.push_back(12.5);
    spec.growth.push_back(-0.25);
  }
  Snapshot s = make_snapshot(p, spec, test_campaign_toml());
  const std::string universe = (kDir / "quote_universe.h5").string(), snap = (kDir / "quote.h5").string(),
                    csv = (kDir / "quote.csv").string();
  write_test_universe(universe, p);
  s.inputs_json = inputs_json_for(universe);
  write_snapshot(snap, s, [](double) { return std::string("{}"); });
  CommandResult r = run(export_cmd(snap, universe, 2, csv));
  ASSERT_EQ(r.status, 0) << r.err;
  const std::string text = signalrank::testing::slurp(csv);
  EXPECT_EQ(text.substr(0, text.find("\r\n")),
            "rank,npi,score,specialty,state,volume,growth,pagerank_pct,peer_exposure,trigger,reasons");
  EXPECT_NE(text.find(",\"Surgery, \"\"Cardiothoracic\"\"\",OH,12.5,-0.2500,1.0000,1.0000,0,referral hub;high volume\r\n"),
            std::string::npos)
      << text;
  bool crlf = false;
  const auto rows = parse_csv(text, &crlf);
  EXPECT_TRUE(crlf);
  ASSERT_EQ(rows.size(), 3u);
  for (const auto& row : rows) EXPECT_EQ(row.size(), 11u);
  EXPECT_EQ(rows[1][3], "Surgery, \"Cardiothoracic\"");
  EXPECT_EQ(rows[1][1], std::to_string(p.npi[2]));
  EXPECT_EQ(rows[1][2], "0.900000");
  for (const auto& e : fs::directory_iterator(kDir))  // no temporary file left behind
    EXPECT_EQ(e.path().filename().string().find(".quote.csv.tmp"), std::string::npos);
}

// ---- another universe ----------------------------------------------------------------------------

TEST_F(ExportTest, RefusesASnapshotOfAnotherUniverse) {
  const std::size_t n = 20;
  const Providers p = make_providers(n, 145000000);
  const std::string scored = (kDir / "scored_universe.h5").string(), rebuilt = (kDir / "rebuilt_universe.h5").string(),
                    other = (kDir / "other_universe.h5").string();
  write_test_universe(scored, p);
  write_test_universe(rebuilt, p, {{0, 2900, 0, 3, 1}});  // same providers, other claims
  write_test_universe(other, make_providers(n + 1, 145000000));
  std::mt19937_64 rng(1);
  Snapshot s = make_snapshot(p, random_spec(n, rng), test_campaign_toml());
  s.inputs_json = inputs_json_for(scored);
  const std::string snap = (kDir / "scored.h5").string(), csv = (kDir / "refused.csv").string();
  write_snapshot(snap, s, [](double) { return std::string("{}"); });
  std::ofstream(csv) << "previous export\n";

  CommandResult ok = run(export_cmd(snap, scored, 5, (kDir / "accepted.csv").string()));
  EXPECT_EQ(ok.status, 0) << ok.err;

  CommandResult r = run(export_cmd(snap, rebuilt, 5, csv));
  EXPECT_EQ(r.status, 3);
  ASSERT_EQ(r.error_lines().size(), 1u) << r.err;
  EXPECT_EQ(r.error_lines()[0].rfind("error: " + snap + ": field 'inputs': the snapshot was scored from universe '" +
                                         scored + "'",
                                     0),
            0u)
      << r.error_lines()[0];
  EXPECT_NE(r.error_lines()[0].find("--allow-other-universe"), std::string::npos);
  EXPECT_EQ(signalrank::testing::slurp(csv), "previous export\n");  // untouched

  CommandResult allowed = run(export_cmd(snap, rebuilt, 5, csv, "--allow-other-universe"));
  EXPECT_EQ(allowed.status, 0) << allowed.err;

  CommandResult npis = run(export_cmd(snap, other, 5, csv, "--allow-other-universe"));
  EXPECT_EQ(npis.status, 3);
  ASSERT_EQ(npis.error_lines().size(), 1u) << npis.err;
  EXPECT_NE(npis.error_lines()[0].find("field 'npi': this snapshot is of another universe than universe '" + other +
                                       "': 20 providers here, 21 there, 0 only here, 1 only there"),
            std::string::npos)
      << npis.error_lines()[0];

  // Also under mpirun with extra ranks: one error line, every rank exits 3.
  CommandResult two = run(mpirun(2) + export_cmd(snap, rebuilt, 5, csv));
  EXPECT_EQ(two.status, 3);
  EXPECT_EQ(two.error_lines().size(), 1u) << two.err;
}

// A filter value of any length is shown cut to 80 characters in the error line.
TEST_F(ExportTest, LongFilterValueIsCutInTheErrorLine) {
  const std::string state(5000, 'A');
  const CommandResult r = run(export_cmd((kDir / "none.h5").string(), (kDir / "none-universe.h5").string(), 10,
                                         (kDir / "long.csv").string(), "--state " + state));
  EXPECT_EQ(r.status, 3) << r.err;
  EXPECT_EQ(r.error_lines(), std::vector<std::string>{"error: --state: '" + std::string(80, 'A') +
                                                      "\xE2\x80\xA6' (5000 bytes) is not a 2-letter state code"})
      << r.err;
}
