// End to end: `signalrank score` under mpirun at 1, 2, 3 and 4 ranks (and 1 or 2 threads) on a
// hand-built universe gives the same snapshot, which an independent numpy re-computation of SPEC
// section 4 confirms column by column. Bad campaigns and as-of dates fail with one exact error
// line and no snapshot; a rank killed mid-PageRank leaves no snapshot and an earlier one intact.
#include <gtest/gtest.h>
#include <sched.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "io/dates.hpp"
#include "io/npi.hpp"
#include "io/snapshot.hpp"
#include "io/universe.hpp"
#include "support/score_universe.hpp"
#include "support/subprocess.hpp"

using namespace signalrank;
namespace fs = std::filesystem;

namespace {

const fs::path kDir = fs::temp_directory_path() / "signalrank_score_e2e";
using signalrank::testing::kLastMonday;

using signalrank::testing::CommandResult;
using signalrank::testing::mpirun;

CommandResult run(const std::string& cmd) { return signalrank::testing::run_command(cmd, kDir.string()); }

std::string score_cmd(int ranks, const std::string& campaign, const std::string& as_of, const std::string& out,
                      const std::string& binary = SIGNALRANK_BINARY) {
  return mpirun(ranks) + binary + " score --universe " + (kDir / "universe.h5").string() + " --campaign " + campaign +
         " --as-of " + as_of + " --out " + out;
}
// The same with the test observers attached (tests/support/observed_main.cpp): a killed rank or a
// stop signal at a chosen PageRank iteration, from environment variables.
std::string observed_score_cmd(int ranks, const std::string& campaign, const std::string& as_of, const std::string& out) {
  return score_cmd(ranks, campaign, as_of, out, SIGNALRANK_OBSERVED_BINARY);
}

void build_universe() { signalrank::testing::build_score_universe(kDir); }

std::string write_campaign(const std::string& name, const std::string& extra) {
  return signalrank::testing::write_score_campaign(kDir, name, extra);
}

class ScoreE2E : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    fs::remove_all(kDir);
    build_universe();
  }
};

}  // namespace

TEST_F(ScoreE2E, SameSnapshotForOneToFourRanksAndMatchesIndependentRecomputation) {
  const std::string campaign = write_campaign("tavr.toml", "entity_types = [1]\n");
  std::vector<Snapshot> snaps;
  for (int ranks : {1, 2, 3, 4}) {
    const std::string out = (kDir / ("out" + std::to_string(ranks))).string();
    const std::string threads = ranks == 1 ? "OMP_NUM_THREADS=2 " : "OMP_NUM_THREADS=1 ";
    CommandResult r = run(threads + score_cmd(ranks, campaign, kLastMonday, out));
    ASSERT_EQ(r.status, 0) << r.err << r.out;
    EXPECT_NE(r.out.find("[score] done: providers 3000"), std::string::npos) << r.out;
    snaps.push_back(read_snapshot(out + "/tavr/" + kLastMonday + ".h5"));
  }
  const Snapshot& a = snaps[0];
  ASSERT_EQ(a.size(), 3000u);
  for (std::size_t k = 1; k < snaps.size(); ++k) {
    const Snapshot& b = snaps[k];
    EXPECT_EQ(b.npi, a.npi) << "ranks " << k + 1;
    EXPECT_EQ(b.rank, a.rank);
    EXPECT_EQ(b.score, a.score);  // bit-identical: deterministic block sums
    EXPECT_EQ(b.pagerank, a.pagerank);
    EXPECT_EQ(b.peer_exposure, a.peer_exposure);
    EXPECT_EQ(b.volume, a.volume);
    EXPECT_EQ(b.trigger, a.trigger);
    EXPECT_EQ(b.iterations, a.iterations);
    EXPECT_EQ(b.mpi_ranks, static_cast<std::int64_t>(k + 1));
  }
  // Sanity of the content: ranks 1..n_eligible then zeros, suppressed never ranked, both flags seen.
  std::size_t eligible = 0, suppressed = 0, jumps = 0, new_writers = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a.rank[i] != 0) {
      EXPECT_EQ(a.rank[i], ++eligible);
    }
    if (a.suppressed[i]) {
      ++suppressed;
      EXPECT_EQ(a.rank[i], 0u);
    }
    jumps += (a.trigger[i] & 1) != 0;
    new_writers += (a.trigger[i] & 2) != 0;
  }
  EXPECT_EQ(suppressed, 2u);
  EXPECT_EQ(eligible, 3000u - 300u - 2u);  // organizations and suppressed are ineligible
  EXPECT_GT(jumps, 0u);
  EXPECT_GT(new_writers, 0u);
  double sum = 0;
  for (double x : a.pagerank) sum += x;
  EXPECT_NEAR(sum, 1.0, 1e-9);
  EXPECT_NE(a.timings_json.find("\"pagerank\":"), std::string::npos);
  EXPECT_NE(a.timings_json.find("\"write\":"), std::string::npos);
  EXPECT_NE(a.inputs_json.find("\"universe\":{\"role\":\"universe\""), std::string::npos);

  CommandResult v = run(std::string("/usr/bin/python3 ") + SIGNALRANK_SOURCE_DIR + "/scripts/verify_snapshot.py " +
              (kDir / "universe.h5").string() + " " + campaign + " " + (kDir / "out2" / "tavr" / (kLastMonday + ".h5")).string());
  EXPECT_EQ(v.status, 0) << v.out << v.err;
  EXPECT_NE(v.out.find("Verification: PASS"), std::string::npos) << v.out;
}

// `--metrics` writes the run's figures as JSON; they agree with the snapshot written by the same run.
TEST_F(ScoreE2E, MetricsJsonAgreesWithTheSnapshot) {
  const std::string campaign = write_campaign("metrics.toml", "entity_types = [1]\n");
  const std::string out = (kDir / "out-metrics").string(), metrics = (kDir / "metrics.json").string();
  CommandResult r = run("OMP_NUM_THREADS=1 " + score_cmd(2, campaign, kLastMonday, out) + " --metrics " + metrics);
  ASSERT_EQ(r.status, 0) << r.err << r.out;
  const std::string snapshot = out + "/tavr/" + kLastMonday + ".h5";
  const std::string check = R"PY(
import json, sys, h5py
m = json.load(open(sys.argv[1])); s = h5py.File(sys.argv[2], "r")
pr = m["pagerank"]
assert m["ranks"] == 2 and m["providers"] == 3000 and m["eligible"] == int((s["rank"][:] > 0).sum()), m
assert pr["iterations"] == int(s.attrs["iterations"]) == len(pr["residuals"]), pr["iterations"]
assert pr["residuals"][-1] < 1e-10 <= pr["residuals"][-2], pr["residuals"][-2:]
assert abs(pr["residuals"][-1] - float(s.attrs["residual"])) <= 1e-6 * pr["residuals"][-1]
phases = ["read", "redistribute", "trends", "graph", "halo_setup", "pagerank", "peer_exposure", "rank", "write", "total"]
assert list(m["phases"]) == phases, list(m["phases"])
assert all(len(v) == 2 for v in m["phases_per_rank"].values()) and list(m["phases_per_rank"]) == phases[:-2]
assert len(m["peak_rss_bytes"]) == 2 and min(m["peak_rss_bytes"]) > 1e6
assert pr["halo_values_per_iteration"] * 8 == pr["halo_bytes_per_iteration"] > 0
print("metrics ok")
)PY";
  std::ofstream(kDir / "check_metrics.py") << check;
  CommandResult v = run("/usr/bin/python3 " + (kDir / "check_metrics.py").string() + " " + metrics + " " + snapshot);
  EXPECT_EQ(v.status, 0) << v.out << v.err;
  EXPECT_NE(v.out.find("metrics ok"), std::string::npos) << v.out << v.err;
}

TEST_F(ScoreE2E, AsOfNotAMonday) {
  const std::string campaign = write_campaign("tavr.toml", "");
  CommandResult r = run(score_cmd(2, campaign, "2026-11-17", (kDir / "bad").string()));
  EXPECT_EQ(r.status, 3);
  EXPECT_EQ(r.error_lines(), std::vector<std::string>{"error: --as-of: '2026-11-17' is not a Monday"}) << r.err;
  EXPECT_FALSE(fs::exists(kDir / "bad"));
}

TEST_F(ScoreE2E, AsOfOutsideTheData) {
  const std::string campaign = write_campaign("tavr.toml", "");
  CommandResult r = run(score_cmd(2, campaign, "2027-01-04", (kDir / "bad").string()));
  EXPECT_EQ(r.status, 3);
  EXPECT_EQ(r.error_lines(),
            std::vector<std::string>{"error: --as-of: 2027-01-04 is outside the data (2025-05-05 to 2026-11-16)"})
      << r.err;
  EXPECT_FALSE(fs::exists(kDir / "bad"));
}

TEST_F(ScoreE2E, BadCampaignGivesOneErrorLine) {
  const std::string campaign = write_campaign("typo.toml", "[weights]\npagerank = \"lots\"\n");
  CommandResult r = run(score_cmd(3, campaign, kLastMonday, (kDir / "bad").string()));
  EXPECT_EQ(r.status, 3);
  EXPECT_EQ(r.error_lines(),
            std::vector<std::string>{"error: " + campaign + ":6: field 'weights.pagerank': must be a number"})
      << r.err;
  EXPECT_FALSE(fs::exists(kDir / "bad"));
}

// A missing suppression list stops the run before any heavy reading, on every rank, with one line.
TEST_F(ScoreE2E, MissingSuppressionListFailsFirstWithOneErrorLine) {
  const std::string campaign = (kDir / "nosupp.toml").string();
  std::ofstream(campaign) << "name = \"tavr\"\ncodes = [\"CPT:33361-33369\"]\nsuppression = \"missing.csv\"\n";
  CommandResult r = run(score_cmd(3, campaign, kLastMonday, (kDir / "bad").string()));
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.error_lines(),
            std::vector<std::string>{"error: " + (kDir / "missing.csv").string() + ": cannot open: No such file or directory"})
      << r.err;
  EXPECT_EQ(r.out.find("[score] read"), std::string::npos) << r.out;  // nothing heavy was read
  EXPECT_FALSE(fs::exists(kDir / "bad"));
}

// An --out folder that some rank does not see (node-local storage on a multi-node job) is refused
// before any heavy reading, with one line naming that rank, and the probe file is gone again.
// Rank 2 runs in a mount namespace of its own with an empty tmpfs over the folder: a real
// node-local folder, as a second node would have it (skipped where mounting is refused).
TEST_F(ScoreE2E, OutFolderNotSharedByAllRanksIsRefusedFirst) {
  if (std::system("unshare -m sh -c 'mount -t tmpfs none /tmp' >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "cannot mount a private tmpfs here (needs root and unshare -m)";
  const std::string campaign = write_campaign("tavr.toml", "");
  const fs::path private_dir = kDir / "private";
  fs::create_directories(private_dir);
  const std::string out = (private_dir / "out").string(), folder = out + "/tavr";
  const std::string args = std::string(" score --universe ") + (kDir / "universe.h5").string() + " --campaign " +
                           campaign + " --as-of " + kLastMonday + " --out " + out;
  // MPMD: ranks 0 and 1 as usual, rank 2 behind its own mount of the folder.
  CommandResult r = run(mpirun(2) + SIGNALRANK_BINARY + args + " : -n 1 unshare -m sh -c 'mount -t tmpfs none " +
                        private_dir.string() + " && exec " + SIGNALRANK_BINARY + args + "'");
  EXPECT_EQ(r.status, 3);
  const std::vector<std::string> lines = r.error_lines();
  ASSERT_EQ(lines.size(), 1u) << r.err;
  EXPECT_EQ(lines[0].rfind("error: --out: '" + folder + "' is not shared by all ranks: rank 2 on ", 0), 0u) << lines[0];
  EXPECT_NE(lines[0].find("(1 of 3 ranks do not)"), std::string::npos) << lines[0];
  EXPECT_EQ(r.out.find("[score] read"), std::string::npos) << r.out;  // nothing heavy was read
  EXPECT_TRUE(fs::is_empty(private_dir)) << "the probe is removed and nothing is created";
  // Where every rank sees it (one node, one mount), the same folder is fine.
  EXPECT_EQ(run(score_cmd(3, campaign, kLastMonday, out)).status, 0);
}

TEST_F(ScoreE2E, KilledRankLeavesNoSnapshotAndKeepsTheEarlierOne) {
  const std::string campaign = write_campaign("tavr.toml", "");
  const std::string out = (kDir / "fault").string();
  const std::string earlier = out + "/tavr/2026-11-09.h5", target = out + "/tavr/" + kLastMonday + ".h5";
  ASSERT_EQ(run(score_cmd(2, campaign, "2026-11-09", out)).status, 0);
  const auto before = fs::last_write_time(earlier);
  const auto size = fs::file_size(earlier);
  CommandResult r = run("SIGNALRANK_FAULT_RANK=1 SIGNALRANK_FAULT_ITERATION=3 " + observed_score_cmd(2, campaign, kLastMonday, out));
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find("injected fault on rank 1 at PageRank iteration 3"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(target));
  EXPECT_EQ(fs::last_write_time(earlier), before);
  EXPECT_EQ(fs::file_size(earlier), size);
  std::size_t files = 0;
  for (auto& e : fs::directory_iterator(out + "/tavr")) files += e.is_regular_file();
  EXPECT_EQ(files, 1u);  // no temporary left either
  EXPECT_NO_THROW(read_snapshot(earlier));
}

TEST_F(ScoreE2E, SignalWritesCheckpointAndResumeGivesTheSameSnapshot) {
  const std::string campaign = write_campaign("tavr.toml", "");
  const std::string plain = (kDir / "plain").string(), resumed = (kDir / "resumed").string();
  ASSERT_EQ(run(score_cmd(2, campaign, kLastMonday, plain)).status, 0);
  CommandResult stop = run("SIGNALRANK_SIGNAL_AT_ITERATION=4 " + observed_score_cmd(2, campaign, kLastMonday, resumed));
  EXPECT_EQ(stop.status, 4) << stop.err;
  EXPECT_NE(stop.err.find("stopped by a signal after PageRank iteration 4"), std::string::npos) << stop.err;
  const fs::path ckpt = fs::path(resumed) / "tavr" / (".checkpoint-" + kLastMonday);
  EXPECT_TRUE(fs::exists(ckpt / "rank-0.bin"));
  EXPECT_TRUE(fs::exists(ckpt / "rank-1.bin"));
  EXPECT_FALSE(fs::exists(fs::path(resumed) / "tavr" / (kLastMonday + ".h5")));

  // Another rank count is refused, and the checkpoint is kept.
  CommandResult refused = run(score_cmd(3, campaign, kLastMonday, resumed));
  EXPECT_EQ(refused.status, 3);
  EXPECT_EQ(refused.error_lines(),
            std::vector<std::string>{"error: " + ckpt.string() +
                                     ": the checkpoint cannot be resumed: it holds 2 rank files and this run has 3 "
                                     "ranks; rerun with --discard-checkpoint to start over, or delete " + ckpt.string()})
      << refused.err;
  EXPECT_TRUE(fs::exists(ckpt / "rank-0.bin"));

  CommandResult again = run(score_cmd(2, campaign, kLastMonday, resumed));
  ASSERT_EQ(again.status, 0) << again.err;
  EXPECT_NE(again.out.find("resuming PageRank from the checkpoint after iteration 4"), std::string::npos) << again.out;
  EXPECT_FALSE(fs::exists(ckpt));  // removed after success
  Snapshot a = read_snapshot(plain + "/tavr/" + kLastMonday + ".h5");
  Snapshot b = read_snapshot(resumed + "/tavr/" + kLastMonday + ".h5");
  EXPECT_EQ(a.npi, b.npi);
  EXPECT_EQ(a.rank, b.rank);
  EXPECT_EQ(a.score, b.score);
  EXPECT_EQ(a.pagerank, b.pagerank);
  EXPECT_EQ(a.iterations, b.iterations);
  EXPECT_EQ(a.residual, b.residual);
}

TEST_F(ScoreE2E, CheckpointOfAnotherCampaignIsRefused) {
  const std::string campaign = write_campaign("tavr.toml", "");
  const std::string out = (kDir / "changed").string();
  ASSERT_EQ(run("SIGNALRANK_SIGNAL_AT_ITERATION=2 " + observed_score_cmd(2, campaign, kLastMonday, out)).status, 4);
  const std::string changed = write_campaign("tavr.toml", "damping = 0.8\n");
  CommandResult r = run(score_cmd(2, changed, kLastMonday, out));
  EXPECT_EQ(r.status, 3);
  ASSERT_EQ(r.error_lines().size(), 1u) << r.err;
  EXPECT_NE(r.error_lines()[0].find("/rank-0.bin: the checkpoint cannot be resumed: the campaign file changed since"),
            std::string::npos)
      << r.error_lines()[0];
}

// Without OMP_NUM_THREADS, each rank runs as many threads as it has cores to itself: 4 ranks on
// a 2-core machine run 1 thread each (OpenMP's own default gave each rank every core: 4 x 2).
TEST_F(ScoreE2E, DefaultThreadsShareTheCoresAmongTheRanks) {
  const std::string campaign = write_campaign("tavr.toml", "");
  cpu_set_t mask;
  ASSERT_EQ(sched_getaffinity(0, sizeof mask, &mask), 0);
  const int cores = CPU_COUNT(&mask);
  auto count = [](int n, const char* one, const char* many) { return std::to_string(n) + " " + (n == 1 ? one : many); };
  for (int ranks : {1, 2, 4}) {
    CommandResult r = run("env -u OMP_NUM_THREADS " + score_cmd(ranks, campaign, kLastMonday, (kDir / "threads").string()));
    ASSERT_EQ(r.status, 0) << r.err;
    const int threads = std::max(1, cores / ranks);
    EXPECT_EQ(r.out.substr(0, r.out.find('\n')), "[score] " + count(ranks, "rank", "ranks") + " x " +
                                                     count(threads, "thread", "threads") + " (" +
                                                     count(cores, "core", "cores") + " shared by " +
                                                     count(ranks, "rank", "ranks") + " on this node)");
    EXPECT_NE(r.out.find("ranks " + std::to_string(ranks) + "  threads " + std::to_string(threads)), std::string::npos)
        << r.out;
  }
  CommandResult set = run("OMP_NUM_THREADS=3 " + score_cmd(2, campaign, kLastMonday, (kDir / "threads").string()));
  ASSERT_EQ(set.status, 0) << set.err;
  EXPECT_EQ(set.out.substr(0, set.out.find('\n')), "[score] 2 ranks x 3 threads (OMP_NUM_THREADS=3)");
}

TEST_F(ScoreE2E, DryRunPrintsThePlanAndWritesNothing) {
  const std::string campaign = write_campaign("tavr.toml", "");
  const std::string out = (kDir / "dry").string();
  CommandResult r = run(score_cmd(2, campaign, kLastMonday, out) + " --dry-run");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("plan: 2 ranks"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("3000 providers"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("peak memory"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("dry run: inputs and campaign are valid"), std::string::npos) << r.out;
  EXPECT_FALSE(fs::exists(out));
}

TEST_F(ScoreE2E, RefusesWhenTheEstimateExceedsMemoryAndSaysWhatFits) {
  const std::string campaign = write_campaign("tavr.toml", "");
  const std::string out = (kDir / "small").string();
  // The plan's largest per-rank estimate at 2 ranks, from --dry-run ("... 71.1 MiB" per row).
  CommandResult plan = run(score_cmd(2, campaign, kLastMonday, out) + " --dry-run");
  ASSERT_EQ(plan.status, 0) << plan.err;
  double peak_mib = 0;
  std::istringstream lines(plan.out);
  for (std::string line; std::getline(lines, line);) {
    if (line.size() > 4 && line.compare(line.size() - 4, 4, " MiB") == 0 && line.find("available") == std::string::npos) {
      const std::size_t start = line.find_last_of(' ', line.size() - 5);
      peak_mib = std::max(peak_mib, std::stod(line.substr(start + 1)));
    }
  }
  ASSERT_GT(peak_mib, 1.0) << plan.out;
  // Just below the estimate: refused, and more ranks (each with less to hold) would fit.
  const auto limit = static_cast<long long>((peak_mib - 0.3) * 1024 * 1024);
  CommandResult r = run("SIGNALRANK_MEMORY_PER_RANK=" + std::to_string(limit) + " " +
                        score_cmd(2, campaign, kLastMonday, out));
  EXPECT_EQ(r.status, 3);
  ASSERT_EQ(r.error_lines().size(), 1u) << r.err;
  EXPECT_NE(r.error_lines()[0].find("available to each of the 2 ranks; "), std::string::npos) << r.err;
  EXPECT_NE(r.error_lines()[0].find(" each would fit"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(out));
  // Far too little for any rank count.
  CommandResult none = run("SIGNALRANK_MEMORY_PER_RANK=1M " + score_cmd(2, campaign, kLastMonday, out));
  EXPECT_EQ(none.status, 3);
  ASSERT_EQ(none.error_lines().size(), 1u) << none.err;
  EXPECT_NE(none.error_lines()[0].find("exceeds the 1.0 MiB available to each of the 2 ranks; no rank count fits in "
                                       "that memory"),
            std::string::npos)
      << none.err;
}

// `--partition hash` and `--partition graph` (a METIS assignment stored by `partition --store`)
// move providers to other ranks than the block layout does; the snapshot stays the same bits,
// because each vertex's in-edges are added in one global order and the global sums are exact.
// Without a stored assignment for the rank count, graph is refused with one line naming the fix.
TEST_F(ScoreE2E, HashAndGraphPartitionsGiveTheBlockSnapshotBitForBit) {
  const std::string campaign = write_campaign("tavr.toml", "entity_types = [1]\n");
  const std::string universe = (kDir / "universe-partitioned.h5").string();
  fs::copy_file(kDir / "universe.h5", universe, fs::copy_options::overwrite_existing);
  auto score = [&](int ranks, const std::string& method, const std::string& out) {
    return run((ranks == 1 ? "OMP_NUM_THREADS=2 " : "OMP_NUM_THREADS=1 ") + mpirun(ranks) + SIGNALRANK_BINARY +
               " score --universe " + universe + " --campaign " + campaign + " --as-of " + kLastMonday + " --out " +
               out + " --partition " + method);
  };
  // Before any store: refused, nothing written.
  const std::string refused_out = (kDir / "part-refused").string();
  CommandResult refused = score(2, "graph", refused_out);
  EXPECT_EQ(refused.status, 3);
  EXPECT_EQ(refused.error_lines(),
            std::vector<std::string>{"error: " + universe +
                                     ": --partition graph needs /partition/graph_2 in the universe and there is none; "
                                     "store one first with signalrank partition --universe " + universe +
                                     " --method graph --parts 2 --store"})
      << refused.err;
  EXPECT_FALSE(fs::exists(refused_out));

  CommandResult stored = run(mpirun(2) + SIGNALRANK_BINARY + " partition --universe " + universe +
                             " --method graph --parts 2,3,4 --store");
  ASSERT_EQ(stored.status, 0) << stored.err << stored.out;

  // The dry run plans with the owners' loads.
  CommandResult plan = run(mpirun(2) + SIGNALRANK_BINARY + " score --universe " + universe + " --campaign " + campaign +
                           " --as-of " + kLastMonday + " --out " + (kDir / "part-dry").string() +
                           " --partition graph --dry-run");
  ASSERT_EQ(plan.status, 0) << plan.err;
  EXPECT_NE(plan.out.find("partition graph_2"), std::string::npos) << plan.out;

  CommandResult base = score(1, "block", (kDir / "part-block").string());
  ASSERT_EQ(base.status, 0) << base.err << base.out;
  const Snapshot a = read_snapshot((kDir / "part-block" / "tavr" / (kLastMonday + ".h5")).string());
  for (int ranks : {2, 3, 4}) {
    for (const std::string method : {"hash", "graph"}) {
      SCOPED_TRACE(method + " partition, " + std::to_string(ranks) + " ranks");
      const std::string out = (kDir / ("part-" + method + std::to_string(ranks))).string();
      CommandResult r = score(ranks, method, out);
      ASSERT_EQ(r.status, 0) << r.err << r.out;
      const std::string name = method == "graph" ? "graph_" + std::to_string(ranks) : method;
      EXPECT_NE(r.out.find("partition " + name), std::string::npos) << r.out;
      const Snapshot b = read_snapshot(out + "/tavr/" + kLastMonday + ".h5");
      EXPECT_EQ(b.npi, a.npi);
      EXPECT_EQ(b.rank, a.rank);
      EXPECT_EQ(b.score, a.score);
      EXPECT_EQ(b.pagerank, a.pagerank);
      EXPECT_EQ(b.peer_exposure, a.peer_exposure);
      EXPECT_EQ(b.volume, a.volume);
      EXPECT_EQ(b.prior_volume, a.prior_volume);
      EXPECT_EQ(b.growth, a.growth);
      EXPECT_EQ(b.slope, a.slope);
      EXPECT_EQ(b.trigger_z, a.trigger_z);
      EXPECT_EQ(b.trigger, a.trigger);
      EXPECT_EQ(b.pct_pagerank, a.pct_pagerank);
      EXPECT_EQ(b.iterations, a.iterations);
      EXPECT_EQ(b.residual, a.residual);
    }
  }
  // A damaged stored assignment (a part beyond the rank count) is refused, naming the provider.
  CommandResult damage = run("/usr/bin/python3 -c \"import h5py; f = h5py.File('" + universe +
                             "', 'r+'); f['/partition/graph_2/part'][5] = 7\"");
  ASSERT_EQ(damage.status, 0) << damage.err;
  CommandResult bad = score(2, "graph", (kDir / "part-bad").string());
  EXPECT_EQ(bad.status, 3);
  EXPECT_EQ(bad.error_lines(),
            std::vector<std::string>{"error: " + universe + ": /partition/graph_2/part: provider " +
                                     std::to_string(npi_from_body(123400000 + 37 * 5)) +
                                     " (index 5) is in part 7, beyond the 2 parts it claims"})
      << bad.err;
  EXPECT_FALSE(fs::exists(kDir / "part-bad"));
}
