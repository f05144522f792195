// signalrank diff: two hand-made snapshots with known entrants, drop-outs, movers and trigger
// changes (library and binary), and refusal of snapshots of another campaign or universe.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "actions_support.hpp"
#include "src/diff.hpp"

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

  const Providers q = make_providers(31, 170000000);  // one provider more
  std::vector<std::size_t> ranked(28);
  std::iota(ranked.begin(), ranked.end(), 0u);
  CommandResult u = diff(ranked_snapshot(q, ranked, std::vector<std::uint8_t>(31, 0), "2026-11-16"), "other_universe.h5");
  EXPECT_EQ(u.status, 3);
  ASSERT_EQ(u.error_lines().size(), 1u) << u.err;
  EXPECT_NE(u.error_lines()[0].find("field 'npi': this snapshot is of another universe than --from '" + a +
                                    "': 31 providers here, 30 there, 1 only here, 0 only there; e.g. NPI " +
                                    std::to_string(q.npi[30]) + " is only in this snapshot"),
            std::string::npos)
      << u.error_lines()[0];
  EXPECT_FALSE(fs::exists(out));

  CommandResult missing = run(std::string(SIGNALRANK_BINARY) + " diff --from " + a + " --to /nonexistent.h5 --out " + out);
  EXPECT_EQ(missing.status, 3);
  EXPECT_EQ(missing.error_lines(), std::vector<std::string>{"error: --to: cannot open '/nonexistent.h5': no such file"});
}
