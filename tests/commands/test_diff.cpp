// signalrank diff: two hand-made snapshots with known entrants, drop-outs, movers and trigger
// changes (library and binary); providers joining and leaving the universe (one each way, many,
// disjoint universes), checked against a plain per-NPI recomputation; refusal of snapshots of
// another campaign or with a repeated NPI.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>

#include "actions_support.hpp"
#include "io/error.hpp"
#include "src/commands/diff.hpp"

using namespace signalrank;
using namespace signalrank::testing;
namespace fs = std::filesystem;

namespace {

const fs::path kDir = fs::temp_directory_path() / "signalrank_test_diff";

CommandResult run(const std::string& cmd) { return run_command(cmd, kDir.string()); }

// A snapshot whose ranked providers (indices into `p`) are `ranked`, in rank order; the others
// are unranked. trigger[i] per provider index.
Snapshot ranked_snapshot(const Providers& p, const std::vector<std::size_t>& ranked, const std::vector<std::uint8_t>& trigger,
                         const std::string& as_of, const std::string& campaign = "tavr",
                         const std::string& toml = test_campaign_toml()) {
  SnapshotSpec spec;
  const std::size_t n = p.size();
  spec.eligible.assign(n, 0);
  spec.suppressed.assign(n, 0);
  spec.trigger = trigger;
  spec.pct_volume.assign(n, 0);
  spec.pct_growth.assign(n, 0);
  spec.pct_pagerank.assign(n, 0);
  spec.pct_peer_exposure.assign(n, 0);
  spec.volume.assign(n, 0);
  spec.growth.assign(n, 0);
  for (std::size_t k = 0; k < ranked.size(); ++k) {
    const std::size_t i = ranked[k];
    spec.eligible[i] = 1;
    // Percentiles that make rank k + 1 whatever the trigger term adds.
    spec.pct_volume[i] = spec.pct_growth[i] = spec.pct_pagerank[i] = spec.pct_peer_exposure[i] =
        1.0 - static_cast<double>(k) / static_cast<double>(ranked.size());
  }
  Snapshot s = make_snapshot(p, spec, toml, campaign, as_of);
  // Re-impose the intended order (the trigger term may have swapped neighbours).
  std::vector<std::size_t> order = ranked;
  for (std::size_t i = 0; i < n; ++i)
    if (!spec.eligible[i]) order.push_back(i);
  Snapshot t = s;
  for (std::size_t row = 0; row < n; ++row) {
    const std::size_t i = order[row];
    t.npi[row] = p.npi[i];
    t.rank[row] = row < ranked.size() ? static_cast<std::uint32_t>(row + 1) : 0;
    t.score[row] = row < ranked.size() ? 1.0 - 0.01 * static_cast<double>(row) : 0;
    t.trigger[row] = trigger[i];
    t.eligible[row] = spec.eligible[i];
  }
  return t;
}

struct Case {
  Providers p = make_providers(30, 170000000);
  Snapshot from, to;
  Case() {
    std::vector<std::size_t> a, b = {5, 0, 2, 1, 9, 3, 4, 6, 7, 8};
    for (std::size_t i = 0; i < 28; ++i) a.push_back(i);
    for (std::size_t i = 10; i < 29; ++i) b.push_back(i);  // 28 becomes ranked, 29 stays unranked
    std::vector<std::uint8_t> ta(30, 0), tb(30, 0);
    ta[2] = 1;            // trigger off, in the top 5
    tb[0] = 2;            // trigger on, in the top 5
    tb[5] = 1;            // enters the top 5 with a trigger
    tb[20] = 1;           // trigger on outside the top 5
    tb[28] = 1;           // newly ranked, trigger on, outside the top 5
    ta[29] = 1;           // never ranked: never reported
    from = ranked_snapshot(p, a, ta, "2026-11-09");
    to = ranked_snapshot(p, b, tb, "2026-11-16");
  }
};

std::string npi(const Case& c, std::size_t i) { return std::to_string(c.p.npi[i]); }

// A snapshot of the providers `members` (indices into `p`, its universe): `ranked` (some of them,
// in rank order) get ranks 1, 2, ... and score 1 − 0.01·(rank − 1); the other members are
// unranked (rank 0, score 0) and follow by NPI. trigger: by provider index (size p.size()).
Snapshot member_snapshot(const Providers& p, const std::vector<std::size_t>& members, const std::vector<std::size_t>& ranked,
                         const std::vector<std::uint8_t>& trigger, const std::string& as_of) {
  std::vector<std::size_t> order = ranked;
  std::vector<std::size_t> rest;
  for (std::size_t i : members)
    if (std::find(ranked.begin(), ranked.end(), i) == ranked.end()) rest.push_back(i);
  std::sort(rest.begin(), rest.end());
  order.insert(order.end(), rest.begin(), rest.end());
  Snapshot s;
  for (std::size_t row = 0; row < order.size(); ++row) {
    const std::size_t i = order[row];
    const bool el = row < ranked.size();
    s.npi.push_back(p.npi[i]);
    s.rank.push_back(el ? static_cast<std::uint32_t>(row + 1) : 0);
    s.score.push_back(el ? 1.0 - 0.01 * static_cast<double>(row) : 0);
    for (auto* c : {&s.volume, &s.prior_volume, &s.growth, &s.slope, &s.trigger_z, &s.pagerank, &s.peer_exposure,
                    &s.pct_volume, &s.pct_growth, &s.pct_pagerank, &s.pct_peer_exposure})
      c->push_back(0);
    s.trigger.push_back(trigger[i]);
    s.suppressed.push_back(0);
    s.eligible.push_back(el);
  }
  s.campaign = "tavr";
  s.as_of = as_of;
  s.campaign_toml = test_campaign_toml();
  s.inputs_json = "{}";
  s.version = "test";
  s.created_utc = "2026-11-16T00:00:00Z";
  return s;
}

std::vector<std::size_t> range(std::size_t first, std::size_t end) {
  std::vector<std::size_t> v(end - first);
  std::iota(v.begin(), v.end(), first);
  return v;
}

std::string csv_line(const std::vector<std::string>& fields) {
  std::string line;
  for (const auto& f : fields) line += (line.empty() ? "" : ",") + f;
  return line;
}

// The CSV rows (header and CRLF dropped) of `text`, each joined by ','.
std::vector<std::string> csv_lines(const std::string& text) {
  std::vector<std::string> lines;
  const auto rows = parse_csv(text);
  for (std::size_t k = 1; k < rows.size(); ++k) lines.push_back(csv_line(rows[k]));
  return lines;
}

// Plain per-NPI recomputation of the kinds (README's table, literally), for the larger cases.
std::map<std::uint64_t, std::string> reference_kinds(const Snapshot& from, const Snapshot& to, const DiffSettings& st) {
  struct Side {
    bool present = false;
    std::uint32_t rank = 0;
    std::uint8_t trigger = 0;
  };
  std::map<std::uint64_t, std::pair<Side, Side>> by_npi;
  for (std::size_t r = 0; r < from.size(); ++r) by_npi[from.npi[r]].first = {true, from.rank[r], from.trigger[r]};
  for (std::size_t r = 0; r < to.size(); ++r) by_npi[to.npi[r]].second = {true, to.rank[r], to.trigger[r]};
  std::map<std::uint64_t, std::string> out;
  for (const auto& [npi, sides] : by_npi) {
    const auto& [f, t] = sides;
    const bool top_f = f.rank >= 1 && f.rank <= st.top, top_t = t.rank >= 1 && t.rank <= st.top;
    std::vector<std::string> kinds;
    if (top_t && !top_f) kinds.push_back("entered");
    if (top_f && !top_t) kinds.push_back("dropped");
    if (top_f && top_t && std::abs(std::int64_t{f.rank} - std::int64_t{t.rank}) >= std::int64_t{st.min_move})
      kinds.push_back("mover");
    const bool scope = top_f || top_t || st.triggers_everywhere;
    if (f.present && t.present && scope && f.trigger == 0 && t.trigger != 0 && t.rank != 0) kinds.push_back("trigger_on");
    if (f.present && t.present && scope && f.trigger != 0 && t.trigger == 0 && f.rank != 0) kinds.push_back("trigger_off");
    if (!f.present) kinds.push_back("joined_universe");
    if (!t.present) kinds.push_back("left_universe");
    std::string text;
    for (const auto& k : kinds) text += (text.empty() ? "" : ";") + k;
    if (!text.empty()) out[npi] = text;
  }
  return out;
}

class DiffTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    fs::remove_all(kDir);
    fs::create_directories(kDir);
  }
};

}  // namespace

TEST_F(DiffTest, KnownMoversEntrantsDropOutsAndTriggerChanges) {
  const Case c;
  const DiffResult d = compute_diff(c.from, c.to, {5, 2, false});
  std::vector<std::string> got;
  for (const auto& r : d.rows)
    got.push_back(std::to_string(r.npi) + " " + std::to_string(r.from_rank) + "->" + std::to_string(r.to_rank) + " " +
                  diff_kinds_text(r.kinds));
  const std::vector<std::string> want = {
      npi(c, 5) + " 6->1 entered;trigger_on", npi(c, 9) + " 10->5 entered",  npi(c, 3) + " 4->6 dropped",
      npi(c, 4) + " 5->7 dropped",            npi(c, 1) + " 2->4 mover",     npi(c, 0) + " 1->2 trigger_on",
      npi(c, 2) + " 3->3 trigger_off"};
  EXPECT_EQ(got, want);
  EXPECT_EQ(d.entered, 2u);
  EXPECT_EQ(d.dropped, 2u);
  EXPECT_EQ(d.movers, 1u);
  EXPECT_EQ(d.movers_up, 0u);
  EXPECT_EQ(d.trigger_on, 2u);
  EXPECT_EQ(d.trigger_off, 1u);

  // A larger threshold: no mover; provider 1 (moved 2) is no longer listed.
  EXPECT_EQ(compute_diff(c.from, c.to, {5, 3, false}).movers, 0u);
  EXPECT_EQ(compute_diff(c.from, c.to, {5, 3, false}).rows.size(), 6u);
  // Triggers everywhere: providers 20 and 28 too, never the unranked 29.
  const DiffResult all = compute_diff(c.from, c.to, {5, 2, true});
  EXPECT_EQ(all.trigger_on, 4u);
  EXPECT_EQ(all.rows.back().npi, c.p.npi[2]);  // trigger_off group last
  bool saw28 = false;
  for (const auto& r : all.rows) {
    EXPECT_NE(r.npi, c.p.npi[29]);
    if (r.npi == c.p.npi[28]) {
      saw28 = true;
      EXPECT_EQ(r.from_rank, 0u);
      EXPECT_FALSE(r.has_change());
    }
  }
  EXPECT_TRUE(saw28);
  // Identical snapshots: nothing.
  EXPECT_TRUE(compute_diff(c.to, c.to, {5, 1, true}).rows.empty());
}

TEST_F(DiffTest, BinaryWritesTheCsvAndASummary) {
  const Case c;
  const std::string a = (kDir / "a.h5").string(), b = (kDir / "b.h5").string(), out = (kDir / "movers.csv").string();
  write_snapshot(a, c.from, [](double) { return std::string("{}"); });
  write_snapshot(b, c.to, [](double) { return std::string("{}"); });
  CommandResult r = run(std::string(SIGNALRANK_BINARY) + " diff --from " + a + " --to " + b + " --out " + out +
                        " --top 5 --min-move 2 --trigger-scope all");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("diff: tavr 2026-11-09 -> 2026-11-16, top 5, movers by 2+ ranks\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("entered 2  dropped 2  movers 1 (up 0, down 1)  trigger on 4  trigger off 1"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("biggest fall: NPI " + npi(c, 1) + " from 2 to 4"), std::string::npos) << r.out;
  bool crlf = false;
  const auto rows = parse_csv(signalrank::testing::slurp(out), &crlf);
  EXPECT_TRUE(crlf);
  ASSERT_EQ(rows.size(), 10u);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"npi", "from_rank", "to_rank", "change", "kind", "from_score", "to_score",
                                               "from_trigger", "to_trigger"}));
  EXPECT_EQ(rows[1], (std::vector<std::string>{npi(c, 5), "6", "1", "5", "entered;trigger_on", "0.950000", "1.000000", "0", "1"}));
  EXPECT_EQ(rows[5][4], "mover");
  EXPECT_EQ(rows[5][3], "-2");
  // Newly ranked provider 28: from_rank and change empty.
  bool found = false;
  for (const auto& row : rows)
    if (row[0] == npi(c, 28)) {
      found = true;
      EXPECT_EQ(row[1], "");
      EXPECT_EQ(row[2], "29");
      EXPECT_EQ(row[3], "");
      EXPECT_EQ(row[4], "trigger_on");
    }
  EXPECT_TRUE(found);
  // Default --top 100 --min-move 10 with 30 providers: every ranked provider is in both lists but
  // 28 (newly ranked: entered), nobody moved 10 ranks; trigger changes of all of them count.
  CommandResult d = run(std::string(SIGNALRANK_BINARY) + " diff --from " + a + " --to " + b + " --out " + out);
  ASSERT_EQ(d.status, 0) << d.err;
  EXPECT_NE(d.out.find("entered 1  dropped 0  movers 0 (up 0, down 0)  trigger on 4  trigger off 1"), std::string::npos)
      << d.out;
}

TEST_F(DiffTest, RefusesAnotherCampaignOrUniverse) {
  const Case c;
  const std::string a = (kDir / "ra.h5").string(), out = (kDir / "refused.csv").string();
  write_snapshot(a, c.from, [](double) { return std::string("{}"); });
  auto diff = [&](const Snapshot& to, const std::string& name, const std::string& extra = "") {
    const std::string b = (kDir / name).string();
    write_snapshot(b, to, [](double) { return std::string("{}"); });
    return run(std::string(SIGNALRANK_BINARY) + " diff --from " + a + " --to " + b + " --out " + out + " " + extra);
  };
  Snapshot other = c.to;
  other.campaign = "statins";
  CommandResult r = diff(other, "other_campaign.h5");
  EXPECT_EQ(r.status, 3);
  EXPECT_EQ(r.error_lines(), std::vector<std::string>{"error: " + (kDir / "other_campaign.h5").string() +
                                                      ": field 'campaign': snapshot of campaign 'statins', but --from '" +
                                                      a + "' is of campaign 'tavr'; diff compares two snapshots of one campaign"})
      << r.err;

  Snapshot changed = c.to;
  changed.campaign_toml = test_campaign_toml("tavr", 6);
  CommandResult t = diff(changed, "changed_settings.h5");
  EXPECT_EQ(t.status, 3);
  ASSERT_EQ(t.error_lines().size(), 1u) << t.err;
  EXPECT_NE(t.error_lines()[0].find("field 'campaign_toml': campaign 'tavr' was scored with other settings than in "
                                    "--from '" + a + "' (the stored campaign files differ from line 3); pass "
                                    "--allow-campaign-change"),
            std::string::npos)
      << t.error_lines()[0];
  EXPECT_FALSE(fs::exists(out));
  EXPECT_EQ(diff(changed, "changed_settings.h5", "--allow-campaign-change").status, 0);
  fs::remove(out);

  // Another universe is no refusal: providers are matched by NPI (DiffTest.ProviderJoinsAndLeaves...).
  const Providers q = make_providers(31, 170000000);  // one provider more
  std::vector<std::size_t> ranked(28);
  std::iota(ranked.begin(), ranked.end(), 0u);
  CommandResult u = diff(ranked_snapshot(q, ranked, std::vector<std::uint8_t>(31, 0), "2026-11-16"), "other_universe.h5");
  EXPECT_EQ(u.status, 0) << u.err;
  EXPECT_NE(u.out.find("joined universe 1  left universe 0\n"), std::string::npos) << u.out;
  fs::remove(out);

  CommandResult missing = run(std::string(SIGNALRANK_BINARY) + " diff --from " + a + " --to /nonexistent.h5 --out " + out);
  EXPECT_EQ(missing.status, 3);
  EXPECT_EQ(missing.error_lines(), std::vector<std::string>{"error: --to: cannot open '/nonexistent.h5': no such file"});
}

// ---- universes that differ -----------------------------------------------------------------------

// One provider leaves and one joins, ranked and unranked each: exact rows (library and CSV).
TEST_F(DiffTest, ProvidersJoinAndLeaveTheUniverse) {
  const Providers p = make_providers(12, 170000000);
  std::vector<std::uint8_t> ta(12, 0), tb(12, 0);
  ta[9] = 1;   // left with a trigger: no trigger_off (it is not in `to`)
  tb[11] = 1;  // joined with a trigger: no trigger_on (it was not in `from`)
  ta[4] = 1;   // trigger off, ranked 5 both weeks
  std::vector<std::size_t> to_members = range(1, 9);
  to_members.push_back(10);
  to_members.push_back(11);
  const Snapshot from = member_snapshot(p, range(0, 10), {0, 1, 2, 3, 4, 5, 6, 7}, ta, "2026-11-09");
  const Snapshot to = member_snapshot(p, to_members, {10, 2, 1, 3, 4, 5, 6, 7}, tb, "2026-11-16");
  const DiffSettings st{3, 1, true};
  const DiffResult d = compute_diff(from, to, st);
  std::vector<std::string> got;
  for (const auto& r : d.rows)
    got.push_back(std::to_string(r.npi) + " " + std::to_string(r.from_rank) + "->" + std::to_string(r.to_rank) + " " +
                  diff_kinds_text(r.kinds));
  auto n = [&](std::size_t i) { return std::to_string(p.npi[i]); };
  EXPECT_EQ(got, (std::vector<std::string>{n(10) + " 0->1 entered;joined_universe", n(0) + " 1->0 dropped;left_universe",
                                           n(2) + " 3->2 mover", n(1) + " 2->3 mover", n(4) + " 5->5 trigger_off",
                                           n(11) + " 0->0 joined_universe", n(9) + " 0->0 left_universe"}));
  EXPECT_EQ(d.entered, 1u);
  EXPECT_EQ(d.dropped, 1u);
  EXPECT_EQ(d.movers, 2u);
  EXPECT_EQ(d.movers_up, 1u);
  EXPECT_EQ(d.trigger_on, 0u);
  EXPECT_EQ(d.trigger_off, 1u);
  EXPECT_EQ(d.joined_universe, 2u);
  EXPECT_EQ(d.left_universe, 2u);
  EXPECT_EQ(d.in_both, 8u);
  // The CSV leaves rank, score and trigger empty on the side a provider is absent from (an
  // unranked provider present there shows score 0 and its trigger).
  EXPECT_EQ(csv_lines(diff_csv(d.rows)),
            (std::vector<std::string>{n(10) + ",,1,,entered;joined_universe,,1.000000,,0",
                                      n(0) + ",1,,,dropped;left_universe,1.000000,,0,",
                                      n(2) + ",3,2,1,mover,0.980000,0.990000,0,0",
                                      n(1) + ",2,3,-1,mover,0.990000,0.980000,0,0",
                                      n(4) + ",5,5,0,trigger_off,0.960000,0.960000,1,0",
                                      n(11) + ",,,,joined_universe,,0.000000,,1",
                                      n(9) + ",,,,left_universe,0.000000,,1,"}));

  // Through the binary: the same rows, and the summary counts them.
  const std::string a = (kDir / "ja.h5").string(), b = (kDir / "jb.h5").string(), out = (kDir / "joined.csv").string();
  write_snapshot(a, from, [](double) { return std::string("{}"); });
  write_snapshot(b, to, [](double) { return std::string("{}"); });
  CommandResult r = run(std::string(SIGNALRANK_BINARY) + " diff --from " + a + " --to " + b + " --out " + out +
                        " --top 3 --min-move 1 --trigger-scope all");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "diff: tavr 2026-11-09 -> 2026-11-16, top 3, movers by 1+ ranks\n"
                   "diff: entered 1  dropped 1  movers 2 (up 1, down 1)  trigger on 0  trigger off 1  joined universe 2  "
                   "left universe 2\n"
                   "diff: providers 10 -> 10, 8 in both\n"
                   "diff: biggest rise: NPI " + n(2) + " from 3 to 2\n"
                   "diff: biggest fall: NPI " + n(1) + " from 2 to 3\n"
                   "diff: wrote 7 rows to " + out + "\n");
  EXPECT_EQ(csv_lines(signalrank::testing::slurp(out)), csv_lines(diff_csv(d.rows)));
}

// Many providers change (a third leave, a third join, random ranks and triggers): every row
// agrees with the plain per-NPI recomputation, at several settings.
TEST_F(DiffTest, ManyJoinAndLeaveAgreesWithPerNpiRecomputation) {
  const Providers p = make_providers(3000, 170000000);
  std::mt19937_64 rng(12);
  auto snapshot = [&](std::vector<std::size_t> members, const std::string& as_of) {
    std::shuffle(members.begin(), members.end(), rng);
    std::vector<std::size_t> ranked(members.begin(), members.begin() + static_cast<std::ptrdiff_t>(members.size() * 4 / 5));
    std::vector<std::uint8_t> trig(p.size());
    for (auto& t : trig) t = rng() % 4 == 0 ? static_cast<std::uint8_t>(1 + rng() % 3) : 0;
    return member_snapshot(p, members, ranked, trig, as_of);
  };
  const Snapshot from = snapshot(range(0, 2000), "2026-11-09"), to = snapshot(range(1000, 3000), "2026-11-16");
  for (const DiffSettings st : {DiffSettings{100, 10, false}, DiffSettings{500, 1, true}, DiffSettings{2000, 50, false}}) {
    const DiffResult d = compute_diff(from, to, st);
    std::map<std::uint64_t, std::string> got;
    for (const auto& r : d.rows) EXPECT_TRUE(got.emplace(r.npi, diff_kinds_text(r.kinds)).second) << r.npi;
    EXPECT_EQ(got, reference_kinds(from, to, st)) << st.top;
    EXPECT_EQ(d.joined_universe, 1000u);
    EXPECT_EQ(d.left_universe, 1000u);
    EXPECT_EQ(d.in_both, 1000u);
  }
}

// Universes with no provider in common: everyone joined or left; the summary says so.
TEST_F(DiffTest, DisjointUniverses) {
  const Providers p = make_providers(10, 170000000);
  const std::vector<std::uint8_t> none(10, 0);
  const Snapshot from = member_snapshot(p, range(0, 5), {3, 0, 1}, none, "2026-11-09");
  const Snapshot to = member_snapshot(p, range(5, 10), {9, 5, 6, 7}, none, "2026-11-16");
  auto n = [&](std::size_t i) { return std::to_string(p.npi[i]); };
  const std::string a = (kDir / "da.h5").string(), b = (kDir / "db.h5").string(), out = (kDir / "disjoint.csv").string();
  write_snapshot(a, from, [](double) { return std::string("{}"); });
  write_snapshot(b, to, [](double) { return std::string("{}"); });
  CommandResult r = run(std::string(SIGNALRANK_BINARY) + " diff --from " + a + " --to " + b + " --out " + out + " --top 2");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "diff: tavr 2026-11-09 -> 2026-11-16, top 2, movers by 10+ ranks\n"
                   "diff: entered 2  dropped 2  movers 0 (up 0, down 0)  trigger on 0  trigger off 0  joined universe 5  "
                   "left universe 5\n"
                   "diff: providers 5 -> 5, 0 in both (note: no provider in common)\n"
                   "diff: wrote 10 rows to " + out + "\n");
  EXPECT_EQ(csv_lines(signalrank::testing::slurp(out)),
            (std::vector<std::string>{
                n(9) + ",,1,,entered;joined_universe,,1.000000,,0", n(5) + ",,2,,entered;joined_universe,,0.990000,,0",
                n(3) + ",1,,,dropped;left_universe,1.000000,,0,", n(0) + ",2,,,dropped;left_universe,0.990000,,0,",
                n(6) + ",,3,,joined_universe,,0.980000,,0", n(7) + ",,4,,joined_universe,,0.970000,,0",
                n(8) + ",,,,joined_universe,,0.000000,,0", n(1) + ",3,,,left_universe,0.980000,,0,",
                n(2) + ",,,,left_universe,0.000000,,0,", n(4) + ",,,,left_universe,0.000000,,0,"}));
  // An empty `from` (a campaign's first week, say): everyone joined.
  const Snapshot empty = member_snapshot(p, {}, {}, none, "2026-11-09");
  const DiffResult e = compute_diff(empty, to, {2, 10, false});
  EXPECT_EQ(e.joined_universe, 5u);
  EXPECT_EQ(e.entered, 2u);
  EXPECT_TRUE(compute_diff(empty, empty, {2, 10, false}).rows.empty());
}

// A crafted snapshot holding one NPI twice is bad data (exit 2) naming the file, the NPI and both
// rows, on either side; no CSV is written.
TEST_F(DiffTest, CraftedSnapshotsAreRefused) {
  const Case c;
  const std::string good = (kDir / "good.h5").string(), bad = (kDir / "repeated.h5").string(),
                    out = (kDir / "repeated.csv").string();
  Snapshot twice = c.to;
  twice.npi[7] = twice.npi[2];
  write_snapshot(good, c.from, [](double) { return std::string("{}"); });
  write_snapshot(bad, twice, [](double) { return std::string("{}"); });
  const std::string error = "error: " + bad + ": field 'npi': NPI " + std::to_string(twice.npi[2]) +
                            " is in rows 2 and 7 (counting from 0); a snapshot holds each provider once";
  for (const auto& [from, to] : {std::pair{good, bad}, std::pair{bad, good}}) {
    CommandResult r = run(std::string(SIGNALRANK_BINARY) + " diff --from " + from + " --to " + to + " --out " + out);
    EXPECT_EQ(r.status, 2);
    EXPECT_EQ(r.error_lines(), std::vector<std::string>{error}) << r.err;
    EXPECT_FALSE(fs::exists(out));
  }
  EXPECT_THROW(compute_diff(c.from, twice, {5, 2, false}), InputError);

  // A column shorter than `npi` is refused too, naming it (never read past its end).
  Snapshot short_rank = c.to;
  short_rank.rank.pop_back();
  try {
    compute_diff(c.from, short_rank, {5, 2, false}, "a.h5", "b.h5");
    ADD_FAILURE() << "no error";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), "b.h5: field 'rank': 29 rows, but 'npi' has 30; a snapshot has one row per provider");
    EXPECT_EQ(e.exit_code(), 2);
  }
}
