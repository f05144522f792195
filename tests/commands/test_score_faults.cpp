// `signalrank score` when the environment fails or was tampered with: corrupted, truncated and
// mixed checkpoints, a full disk (a small tmpfs) and writes that fail on one rank or on all (an
// LD_PRELOAD library, tests/support/fail_writes.c), very long paths, leftovers of killed runs,
// and the OpenMP threads a rank gets by default. Each case asserts the exit code, the one `error:`
// line, that no rank hangs (every command runs under `timeout`) and which files exist afterwards:
// an earlier snapshot is never touched and no temporary file is left.
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>

#include "io/checkpoint.hpp"
#include "io/snapshot.hpp"
#include "io/temp_files.hpp"
#include "support/score_universe.hpp"
#include "support/subprocess.hpp"

using namespace signalrank;
namespace fs = std::filesystem;
using signalrank::testing::CommandResult;
using signalrank::testing::kLastMonday;

namespace {

const fs::path kDir = fs::temp_directory_path() / "signalrank_score_faults";

CommandResult run(const std::string& cmd) { return signalrank::testing::run_command(cmd, kDir.string()); }

// Every score runs under `timeout`: a hang fails the test (status 124) instead of stopping it.
std::string score_cmd_of(const std::string& binary, int ranks, const std::string& out, const std::string& extra) {
  return "timeout 120 " + signalrank::testing::mpirun(ranks) + binary + " score --universe " +
         (kDir / "universe.h5").string() + " --campaign " + (kDir / "tavr.toml").string() + " --as-of " + kLastMonday +
         " --out " + out + extra;
}
std::string score_cmd(int ranks, const std::string& out, const std::string& extra = "") {
  return score_cmd_of(SIGNALRANK_BINARY, ranks, out, extra);
}
// The same with the test observers attached (tests/support/observed_main.cpp): stop signals and
// delays at chosen PageRank iterations, from the SIGNALRANK_SIGNAL_AT_ITERATION and
// SIGNALRANK_ITERATION_DELAY_MS variables.
std::string observed_score_cmd(int ranks, const std::string& out, const std::string& extra = "") {
  return score_cmd_of(SIGNALRANK_OBSERVED_BINARY, ranks, out, extra);
}

// The environment for mpirun to pass the fault library to every rank.
std::string failing_writes(const std::string& pattern, long after_bytes, const std::string& rank = "") {
  return std::string("LD_PRELOAD=") + SIGNALRANK_FAIL_WRITES_LIBRARY + " SIGNALRANK_TEST_FAIL_WRITES=" + pattern +
         " SIGNALRANK_TEST_FAIL_AFTER=" + std::to_string(after_bytes) + " SIGNALRANK_TEST_FAIL_RANK=" + rank + " ";
}

std::vector<std::string> entries(const fs::path& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

std::string snapshot_of(const std::string& out) { return out + "/tavr/" + kLastMonday + ".h5"; }
std::string checkpoint_of(const std::string& out) { return out + "/tavr/.checkpoint-" + kLastMonday; }

class ScoreFaults : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    fs::remove_all(kDir);
    signalrank::testing::build_score_universe(kDir);
    signalrank::testing::write_score_campaign(kDir, "tavr.toml", "");
    ASSERT_EQ(run(score_cmd(2, (kDir / "plain").string())).status, 0);
  }
  static Snapshot plain() { return read_snapshot(snapshot_of((kDir / "plain").string())); }

  // A folder holding a good snapshot of the week (a copy of the plain run's) and a checkpoint of a
  // later run of the same week, stopped after iteration `at`.
  static std::string stopped_run(const std::string& name, int at, int ranks = 2) {
    const std::string out = (kDir / name).string();
    fs::remove_all(out);
    fs::create_directories(out + "/tavr");
    fs::copy_file(snapshot_of((kDir / "plain").string()), snapshot_of(out));
    CommandResult stop = run("SIGNALRANK_SIGNAL_AT_ITERATION=" + std::to_string(at) + " " + observed_score_cmd(ranks, out));
    EXPECT_EQ(stop.status, 4) << stop.err;
    return out;
  }
};

void expect_same_bits(const Snapshot& a, const Snapshot& b) {
  EXPECT_EQ(a.npi, b.npi);
  EXPECT_EQ(a.rank, b.rank);
  EXPECT_EQ(a.score, b.score);
  EXPECT_EQ(a.pagerank, b.pagerank);
  EXPECT_EQ(a.iterations, b.iterations);
}

}  // namespace

// ---- checkpoints -------------------------------------------------------------------------------

TEST_F(ScoreFaults, CorruptedCheckpointIsRefusedAndTheGoodSnapshotKept) {
  const std::string out = stopped_run("corrupt", 5);
  const std::string rank1 = checkpoint_of(out) + "/rank-1.bin";
  EXPECT_TRUE(fs::exists(checkpoint_of(out) + "/stop.txt"));
  {
    std::fstream f(rank1, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(200);
    f.put('\x5a');  // one byte of the PageRank vector
  }
  CommandResult r = run(score_cmd(2, out));
  EXPECT_EQ(r.status, 3) << r.err;
  EXPECT_EQ(r.error_lines(),
            std::vector<std::string>{"error: " + rank1 +
                                     ": the checkpoint cannot be resumed: it is corrupted: its payload does not match "
                                     "the checksum in its header; rerun with --discard-checkpoint to start over, or "
                                     "delete " + checkpoint_of(out)})
      << r.err;
  expect_same_bits(read_snapshot(snapshot_of(out)), plain());  // the week's good snapshot is untouched
  EXPECT_TRUE(fs::exists(rank1));                              // nothing is deleted without being asked

  CommandResult fresh = run(score_cmd(2, out, " --discard-checkpoint"));
  ASSERT_EQ(fresh.status, 0) << fresh.err;
  EXPECT_NE(fresh.out.find("[score] discarded the checkpoint " + checkpoint_of(out)), std::string::npos) << fresh.out;
  EXPECT_EQ(fresh.out.find("resuming"), std::string::npos);
  expect_same_bits(read_snapshot(snapshot_of(out)), plain());
  EXPECT_EQ(entries(out + "/tavr"), std::vector<std::string>{kLastMonday + ".h5"});
}

TEST_F(ScoreFaults, TruncatedCheckpointIsRefused) {
  const std::string out = stopped_run("truncated", 3);
  const std::string rank0 = checkpoint_of(out) + "/rank-0.bin";
  const auto bytes = fs::file_size(rank0);
  fs::resize_file(rank0, 50);
  CommandResult r = run(score_cmd(2, out));
  EXPECT_EQ(r.status, 3) << r.err;
  EXPECT_EQ(r.error_lines(),
            std::vector<std::string>{"error: " + rank0 + ": the checkpoint cannot be resumed: it is truncated or "
                                     "extended: its header announces " + std::to_string(bytes) +
                                     " bytes, the file has 50; rerun with --discard-checkpoint to start over, or "
                                     "delete " + checkpoint_of(out)})
      << r.err;
  expect_same_bits(read_snapshot(snapshot_of(out)), plain());
}

// Rank files of different iterations used to make the ranks resume at different iterations and
// wait for each other forever.
TEST_F(ScoreFaults, RankFilesOfDifferentIterationsAreRefusedNotHung) {
  for (int ranks : {2, 3}) {
    SCOPED_TRACE(ranks);
    const std::string out = stopped_run("mixed" + std::to_string(ranks), 3, ranks);
    const std::string last = checkpoint_of(out) + "/rank-" + std::to_string(ranks - 1) + ".bin";
    fs::copy_file(last, kDir / "older.bin", fs::copy_options::overwrite_existing);
    CommandResult again = run("SIGNALRANK_SIGNAL_AT_ITERATION=6 " + observed_score_cmd(ranks, out));
    ASSERT_EQ(again.status, 4) << again.err;
    fs::copy_file(kDir / "older.bin", last, fs::copy_options::overwrite_existing);
    CommandResult r = run(score_cmd(ranks, out));
    EXPECT_EQ(r.status, 3) << r.err;
    std::string files = ranks == 2 ? "rank-0.bin after iteration 6, rank-1.bin after iteration 3"
                                   : "rank-0.bin after iteration 6, rank-1.bin after iteration 6, rank-2.bin after "
                                     "iteration 3";
    EXPECT_EQ(r.error_lines(),
              std::vector<std::string>{"error: " + checkpoint_of(out) +
                                       ": the checkpoint cannot be resumed: its rank files are of different PageRank "
                                       "iterations (" + files + "); rerun with --discard-checkpoint to start over, "
                                       "or delete " + checkpoint_of(out)})
        << r.err;
    expect_same_bits(read_snapshot(snapshot_of(out)), plain());
  }
}

// A file with a valid checksum (made with the project's own writer) whose vector holds a NaN.
TEST_F(ScoreFaults, CraftedCheckpointWithANanIsRefused) {
  const std::string out = stopped_run("nan", 4);
  const std::string rank1 = checkpoint_of(out) + "/rank-1.bin";
  PageRankCheckpoint c = load_checkpoint(rank1);
  c.x.at(7) = std::numeric_limits<double>::quiet_NaN();
  save_checkpoint(rank1, c);
  CommandResult r = run(score_cmd(2, out));
  EXPECT_EQ(r.status, 3) << r.err;
  ASSERT_EQ(r.error_lines().size(), 1u) << r.err;
  EXPECT_EQ(r.error_lines()[0], "error: " + rank1 + ": the checkpoint cannot be resumed: it holds a value that is not "
                                "finite, or no iteration; rerun with --discard-checkpoint to start over, or delete " +
                                checkpoint_of(out));
  expect_same_bits(read_snapshot(snapshot_of(out)), plain());
}

TEST_F(ScoreFaults, CheckpointThatCannotBeWrittenIsReportedByEveryRank) {
  const std::string out = (kDir / "ckpt-fail").string();
  fs::remove_all(out);
  CommandResult r = run("SIGNALRANK_SIGNAL_AT_ITERATION=3 " + failing_writes(".checkpoint-", 0, "1") + observed_score_cmd(2, out));
  EXPECT_EQ(r.status, 70) << r.err;
  ASSERT_EQ(r.error_lines().size(), 1u) << r.err;
  EXPECT_EQ(r.error_lines()[0].rfind("error: stopped by a signal after PageRank iteration 3 but the checkpoint could not "
                                     "be written: ", 0),
            0u)
      << r.error_lines()[0];
  EXPECT_NE(r.error_lines()[0].find("No space left on device; the checkpoint folder was removed"), std::string::npos);
  EXPECT_FALSE(fs::exists(checkpoint_of(out)));
  EXPECT_FALSE(fs::exists(snapshot_of(out)));
}

// ---- a snapshot never carries a value that is not finite -------------------------------------

TEST_F(ScoreFaults, SnapshotWithANonFiniteValueIsNeverWritten) {
  const std::string path = (kDir / "nonfinite" / "tavr" / (kLastMonday + ".h5")).string();
  fs::create_directories(fs::path(path).parent_path());
  fs::copy_file(snapshot_of((kDir / "plain").string()), path, fs::copy_options::overwrite_existing);
  for (double bad : {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity()}) {
    Snapshot s = plain();
    s.slope.at(11) = bad;
    try {
      write_snapshot(path, s, [](double) { return std::string("{}"); });
      FAIL() << "written";
    } catch (const std::runtime_error& e) {
      EXPECT_EQ(std::string(e.what()), path + ": cannot write the snapshot: column 'slope' holds " +
                                           (std::isnan(bad) ? "nan" : "inf") + " at NPI " + std::to_string(s.npi[11]));
    }
    expect_same_bits(read_snapshot(path), plain());
    EXPECT_EQ(entries(fs::path(path).parent_path()), std::vector<std::string>{kLastMonday + ".h5"});
  }
}

// ---- disk full and failing writes --------------------------------------------------------------

// A real full disk: a tmpfs of 256 KiB (the snapshot needs ~400 KiB). Skipped where this process
// may not mount (not root, or in a container without the capability).
TEST_F(ScoreFaults, FullDiskFailsAtOnceOnEveryRankAndLeavesNothing) {
  const fs::path mnt = kDir / "tmpfs";
  fs::create_directories(mnt);
  if (::mount("tmpfs", mnt.c_str(), "tmpfs", 0, "size=256k") != 0)
    GTEST_SKIP() << "cannot mount a tmpfs here (" << std::strerror(errno) << "): the full-disk case is not tested";
  const std::string out = (mnt / "out").string();
  for (int ranks : {1, 2, 3}) {
    SCOPED_TRACE(ranks);
    CommandResult r = run(score_cmd(ranks, out));
    EXPECT_EQ(r.status, 70) << r.err;
    ASSERT_EQ(r.error_lines().size(), 1u) << r.err;
    EXPECT_EQ(r.error_lines()[0].rfind("error: " + snapshot_of(out) + ": cannot write the snapshot: No space left on "
                                       "device (the snapshot needs about ", 0),
              0u)
        << r.error_lines()[0];
    EXPECT_EQ(entries(out + "/tavr"), std::vector<std::string>{});
  }
  ::umount(mnt.c_str());
}

// Writes that fail partway, on every rank or on one only: every rank stops within seconds with the
// same error, the temporary file is removed and the earlier snapshot stays.
TEST_F(ScoreFaults, FailingWritesOnAnyRankStopEveryRankAndKeepTheEarlierSnapshot) {
  const std::string out = (kDir / "failing").string();
  fs::remove_all(out);
  fs::create_directories(out + "/tavr");
  fs::copy_file(snapshot_of((kDir / "plain").string()), snapshot_of(out));
  struct Case {
    int ranks;
    long after;
    std::string rank;
  };
  for (const Case& c : {Case{1, 0, ""}, Case{2, 0, ""}, Case{2, 0, "1"}, Case{2, 0, "0"}, Case{2, 20000, "1"},
                        Case{3, 100000, "2"}, Case{3, 5000, ""}}) {
    SCOPED_TRACE(std::to_string(c.ranks) + " ranks, after " + std::to_string(c.after) + " bytes, rank '" + c.rank + "'");
    CommandResult r = run(failing_writes("." + kLastMonday + ".h5.tmp.", c.after, c.rank) + score_cmd(c.ranks, out));
    EXPECT_EQ(r.status, 70) << r.err;
    ASSERT_EQ(r.error_lines().size(), 1u) << r.err;
    const std::string line = r.error_lines()[0];
    EXPECT_EQ(line.rfind("error: " + snapshot_of(out) + ": cannot write the snapshot: ", 0), 0u) << line;
    EXPECT_NE(line.find("No space left on device"), std::string::npos) << line;
    EXPECT_EQ(entries(out + "/tavr"), std::vector<std::string>{kLastMonday + ".h5"});
    expect_same_bits(read_snapshot(snapshot_of(out)), plain());
  }
}

// ---- paths ---------------------------------------------------------------------------------------

// Open MPI's sharedfp/lockedfile component overflowed a buffer (abort) on paths over ~200 bytes.
TEST_F(ScoreFaults, LongPathsWorkAndNamesTooLongAreRefused) {
  std::string out = kDir.string();
  while (out.size() < 600) out += "/" + std::string(60, 'd');
  CommandResult ok = run(score_cmd(2, out));
  ASSERT_EQ(ok.status, 0) << ok.err;
  expect_same_bits(read_snapshot(snapshot_of(out)), plain());

  const std::string too_long = (kDir / std::string(300, 'n')).string();
  CommandResult r = run(score_cmd(2, too_long));
  EXPECT_EQ(r.status, 3) << r.err;
  EXPECT_EQ(r.error_lines(), std::vector<std::string>{"error: --out: the name '" + std::string(60, 'n') +
                                                      "...' is 300 bytes long; the file system holds names of at most "
                                                      "255 bytes"})
      << r.err;
  std::error_code ec;
  EXPECT_FALSE(fs::exists(too_long, ec));
}

// ---- stop signals: every checkpointing stop is exit 4 ---------------------------------------------

// SIGTERM to the ranks themselves (what Slurm's scancel and a preemption do to every process of a
// step) gives exit 4 through mpirun, as SIGUSR1 does, and the checkpoint resumes.
TEST_F(ScoreFaults, TermToTheRanksIsACheckpointedStop) {
  const std::string out = (kDir / "term-ranks").string();
  fs::remove_all(out);
  // score_cmd runs `timeout mpirun ...`: the ranks are the grandchildren of the shell's child.
  CommandResult r = run("(SIGNALRANK_ITERATION_DELAY_MS=150 " + observed_score_cmd(2, out) +
                        " & t=$!; sleep 3; pkill -TERM -P $(pgrep -P $t -x mpirun); wait $t)");
  EXPECT_EQ(r.status, 4) << r.err;
  EXPECT_NE(r.err.find("stopped by a signal after PageRank iteration"), std::string::npos) << r.err;
  EXPECT_TRUE(fs::exists(checkpoint_of(out) + "/stop.txt"));
  CommandResult again = run(score_cmd(2, out));
  ASSERT_EQ(again.status, 0) << again.err;
  EXPECT_NE(again.out.find("resuming PageRank from the checkpoint"), std::string::npos) << again.out;
  expect_same_bits(read_snapshot(snapshot_of(out)), plain());
}

// SIGTERM to mpirun: Open MPI's mpirun then exits 1 whatever its ranks return (and cannot forward
// SIGTERM), though the ranks checkpoint and exit 4. weekly.sbatch, launching with mpirun outside
// Slurm here, receives the TERM with mpirun, as under scancel, and still reports the checkpointed
// stop (exit 4) from the ranks' stop.txt.
TEST_F(ScoreFaults, TermToTheBatchScriptAndMpirunIsACheckpointedStop) {
  const std::string out = (kDir / "term-script").string();
  fs::remove_all(out);
  const std::string script = std::string(SIGNALRANK_SOURCE_DIR) + "/slurm/weekly.sbatch";
  CommandResult r = run("(SIGNALRANK_ITERATION_DELAY_MS=150 SIGNALRANK_USE_MPIRUN=1 SIGNALRANK_BIN=" +
                        std::string(SIGNALRANK_OBSERVED_BINARY) + " OMPI_MCA_rmaps_base_oversubscribe=1 " +
                        "OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 bash " + script +
                        " --universe " + (kDir / "universe.h5").string() + " --campaign " +
                        (kDir / "tavr.toml").string() + " --as-of " + kLastMonday + " --out " + out +
                        " & s=$!; sleep 3; kill -TERM $(pgrep -P $s -x mpirun) $s; wait $s)");
  EXPECT_EQ(r.status, 4) << r.out << r.err;
  EXPECT_NE(r.out.find("the launcher returned 1 after the TERM, but the ranks wrote a complete checkpoint"),
            std::string::npos)
      << r.out;
  EXPECT_TRUE(fs::exists(checkpoint_of(out) + "/stop.txt"));
}

// ---- leftovers of killed runs --------------------------------------------------------------------

TEST_F(ScoreFaults, StaleTemporaryFilesOfEndedRunsAreRemovedAndSaid) {
  const std::string out = (kDir / "stale").string();
  fs::remove_all(out);
  fs::create_directories(out + "/tavr");
  // PIDs that do not exist here (beyond pid_max), this process (alive), and another host's.
  const std::string dead = temporary_name(snapshot_of(out), this_host(), 99999999);
  const std::string legacy = out + "/tavr/." + kLastMonday + ".h5.tmp.99999998";
  const std::string alive = temporary_name(snapshot_of(out), this_host(), ::getpid());
  const std::string other = temporary_name(snapshot_of(out), "another-node", 99999999);
  const std::string not_ours = out + "/tavr/.notes.tmp";
  for (const std::string& f : {dead, legacy, alive, other, not_ours}) std::ofstream(f) << "partial";
  CommandResult r = run(score_cmd(2, out));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("removed stale temporary file " + dead + " (left by process 99999999, which has ended)"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("removed stale temporary file " + legacy + " (left by process 99999998, which has ended)"),
            std::string::npos)
      << r.out;
  EXPECT_FALSE(fs::exists(dead));
  EXPECT_FALSE(fs::exists(legacy));
  EXPECT_TRUE(fs::exists(alive));
  EXPECT_TRUE(fs::exists(other));
  EXPECT_TRUE(fs::exists(not_ours));
}
