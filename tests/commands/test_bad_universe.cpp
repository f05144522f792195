// Damaged and crafted universe files (tests/commands/damage_universe.py changes one thing in a copy of
// a good universe with h5py, as an attacker would): every command that reads one refuses it with
// exit 2 and one `error:` line naming the file, the dataset and the first bad row, on every rank
// count (the bad row lies in the last rank's slice, so the rank that finds it is not rank 0), and
// writes nothing. Before, these segfaulted (out-of-range edge indices), scored a universe one NPI
// short with exit 0, passed `score` and crashed `export` (a specialty past the dictionary), or
// were exit 70 (a deleted dataset).
#include <gtest/gtest.h>

#include <filesystem>
#include <initializer_list>
#include <map>
#include <sstream>
#include <string>

#include "support/score_universe.hpp"
#include "support/subprocess.hpp"

using namespace signalrank;
namespace fs = std::filesystem;
using signalrank::testing::CommandResult;
using signalrank::testing::kLastMonday;

namespace {

const fs::path kDir = fs::temp_directory_path() / "signalrank_bad_universe";

CommandResult run(const std::string& cmd) { return signalrank::testing::run_command(cmd, kDir.string()); }

std::string good() { return (kDir / "universe.h5").string(); }

// A damaged copy of the good universe, KDIR/CASE.h5, and the facts the script printed.
struct Damaged {
  std::string path;
  std::map<std::string, std::string> facts;
  const std::string& operator[](const std::string& key) const { return facts.at(key); }
};

Damaged damage(const std::string& which) {
  Damaged d;
  d.path = (kDir / (which + ".h5")).string();
  const CommandResult r = run(std::string("/usr/bin/python3 ") + SIGNALRANK_SOURCE_DIR +
                              "/tests/commands/damage_universe.py " + good() + " " + d.path + " " + which);
  EXPECT_EQ(r.status, 0) << r.err;
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);)
    if (const auto eq = line.find('='); eq != std::string::npos) d.facts[line.substr(0, eq)] = line.substr(eq + 1);
  return d;
}

// Every command runs under `timeout`: a hang fails the test (status 124) instead of stopping it.
std::string score_cmd(int ranks, const std::string& universe, const std::string& out) {
  return "timeout 120 " + signalrank::testing::mpirun(ranks) + SIGNALRANK_BINARY + " score --universe " + universe +
         " --campaign " + (kDir / "tavr.toml").string() + " --as-of " + kLastMonday + " --out " + out;
}

std::string plain_snapshot() { return (kDir / "plain" / "tavr" / (kLastMonday + ".h5")).string(); }

class BadUniverse : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    fs::remove_all(kDir);
    signalrank::testing::build_score_universe(kDir);
    signalrank::testing::write_score_campaign(kDir, "tavr.toml", "");
    const CommandResult r = run(score_cmd(2, good(), (kDir / "plain").string()));
    ASSERT_EQ(r.status, 0) << r.err;
  }

  // `score` of `universe` at each of `rank_counts`: exit 2, exactly `error` (one line), no output.
  // Damage found in a rank's own slice is tried at 1, 2 and 3 ranks; damage every rank sees alike
  // (on open, in the provider table) at 1 and 3.
  static void expect_score_refuses(const std::string& universe, const std::string& error,
                                   std::initializer_list<int> rank_counts = {1, 2, 3}) {
    for (int ranks : rank_counts) {
      const std::string out = (kDir / ("out-" + std::to_string(ranks))).string();
      fs::remove_all(out);
      const CommandResult r = run(score_cmd(ranks, universe, out));
      EXPECT_EQ(r.status, 2) << ranks << " ranks\n" << r.err << r.out;
      EXPECT_EQ(r.error_lines(), std::vector<std::string>{"error: " + error}) << ranks << " ranks\n" << r.err;
      EXPECT_EQ(r.err.find("MPI_ABORT"), std::string::npos) << "a rank failed alone: " << r.err;
      EXPECT_FALSE(fs::exists(out)) << ranks << " ranks";
    }
  }

  // `export` of the good run's snapshot against `universe`: exit 2, exactly `error`, no CSV.
  static void expect_export_refuses(const std::string& universe, const std::string& error) {
    const std::string csv = (kDir / "targets.csv").string();
    fs::remove(csv);
    const CommandResult r = run(std::string("timeout 60 ") + SIGNALRANK_BINARY + " export --snapshot " +
                                plain_snapshot() + " --universe " + universe + " --top 10 --out " + csv);
    EXPECT_EQ(r.status, 2) << r.err;
    EXPECT_EQ(r.error_lines(), std::vector<std::string>{"error: " + error}) << r.err;
    EXPECT_FALSE(fs::exists(csv));
  }
};

}  // namespace

// ---- indices past their tables: found in the slice of the rank that reads them ----------------

TEST_F(BadUniverse, InEdgeSourcePastTheProvidersIsRefused) {
  const Damaged d = damage("in_src");
  expect_score_refuses(d.path, d.path + ": dataset /referrals/in_src, row " + d["row"] + ": provider index " +
                                   d["value"] + " is not below the " + d["providers"] + " providers");
  // partition reads the edges too (the METIS graph on rank 0, the metrics on every rank).
  const CommandResult r = run("timeout 120 " + signalrank::testing::mpirun(2) + SIGNALRANK_BINARY +
                              " partition --universe " + d.path + " --method hash --parts 2");
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_EQ(r.error_lines(), std::vector<std::string>{"error: " + d.path + ": dataset /referrals/in_src, row " +
                                                      d["row"] + ": provider index " + d["value"] +
                                                      " is not below the " + d["providers"] + " providers"})
      << r.err;
}

TEST_F(BadUniverse, OutEdgeTargetPastTheProvidersIsRefused) {
  const Damaged d = damage("out_dst");
  expect_score_refuses(d.path, d.path + ": dataset /referrals/out_dst, row " + d["row"] + ": provider index " +
                                   d["value"] + " is not below the " + d["providers"] + " providers");
}

TEST_F(BadUniverse, ClaimCodePastTheDictionaryIsRefused) {
  const Damaged d = damage("code");
  const std::string error = d.path + ": dataset /claims/code, row " + d["row"] + ": code index " + d["codes"] +
                            " is not below the " + d["codes"] + " codes";
  expect_score_refuses(d.path, error);
  // backtest reads the claims of every provider too.
  const CommandResult r = run("timeout 120 " + signalrank::testing::mpirun(2) + SIGNALRANK_BINARY +
                              " backtest --universe " + d.path + " --campaign " + (kDir / "tavr.toml").string() +
                              " --as-of 2026-08-03 --horizon 8");
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_EQ(r.error_lines(), std::vector<std::string>{"error: " + error}) << r.err;
}

TEST_F(BadUniverse, CodeSystemOutOfRangeIsRefused) {
  const Damaged d = damage("system");
  expect_score_refuses(d.path, d.path + ": dataset /codes/system, row 2: 9 is not a code system (0 CPT, 1 HCPCS, "
                                        "2 ICD10, 3 NDC)", {1, 3});
}

TEST_F(BadUniverse, SpecialtyPastTheDictionaryIsRefusedByScoreAndExport) {
  const Damaged d = damage("specialty");
  const std::string error = d.path + ": dataset /providers/specialty, row " + d["row"] + ": " + d["names"] +
                            " is not below the " + d["names"] + " names of /providers/specialty_names";
  expect_score_refuses(d.path, error, {1, 3});
  expect_export_refuses(d.path, error);
}

TEST_F(BadUniverse, EdgesByDestinationThatAreNotThoseBySourceAreRefused) {
  const Damaged d = damage("in_bene");
  expect_score_refuses(d.path, d.path + ": datasets /referrals/in_src and /referrals/in_bene_count do not hold the "
                                        "edges of /referrals/out_dst and /referrals/out_bene_count (every edge is "
                                        "stored by source and by destination, alike)");
}

TEST_F(BadUniverse, SelfLoopIsRefused) {
  const Damaged d = damage("self_loop");
  expect_score_refuses(d.path, d.path + ": dataset /referrals/in_src, row " + d["row"] + ": an edge from provider " +
                                   d["provider"] + " to itself (a universe holds no self-loops)");
}

// A row of a campaign code (one that the run reads) outside the weeks /claims says it holds.
TEST_F(BadUniverse, ClaimWeekOutsideTheStatedRangeIsRefused) {
  const Damaged d = damage("week");
  expect_score_refuses(d.path, d.path + ": dataset /claims/week, row " + d["row"] + ": week " + d["week"] +
                                   " is outside /claims' first_week " + d["first"] + " to last_week " + d["last"]);
}

// ---- lengths, order and offsets ----------------------------------------------------------------

TEST_F(BadUniverse, NpiColumnOneShortIsRefused) {
  const Damaged d = damage("npi_short");
  const std::string P = d["providers"], short_by_one = std::to_string(std::stoull(P) - 1);
  const std::string error = d.path + ": dataset /providers/entity_type has " + P + " rows and /providers/npi has " +
                            short_by_one + ": they hold one row per provider";
  expect_score_refuses(d.path, error, {1, 3});
  expect_export_refuses(d.path, error);
}

TEST_F(BadUniverse, UnsortedNpisAreRefused) {
  const Damaged d = damage("unsorted");
  const std::string error = d.path + ": dataset /providers/npi, row 11: " + d["value"] + " is not above row 10's " +
                            d["previous"] + " (NPIs are strictly ascending)";
  expect_score_refuses(d.path, error, {1, 3});
  expect_export_refuses(d.path, error);
}

TEST_F(BadUniverse, DecreasingOffsetsAreRefused) {
  const Damaged d = damage("claim_offsets");
  expect_score_refuses(d.path, d.path + ": dataset /claims/offsets, row " + d["row"] + ": " + d["value"] +
                                   " is below row " + std::to_string(std::stoull(d["row"]) - 1) + "'s " +
                                   d["previous"] + " (offsets never decrease)");
}

TEST_F(BadUniverse, OffsetsNotEndingAtTheRowCountAreRefused) {
  const Damaged d = damage("in_offsets_end");
  expect_score_refuses(d.path, d.path + ": dataset /referrals/in_offsets, row " + d["row"] + ": " + d["value"] +
                                   "; the offsets end at /referrals/in_src's " + d["edges"] + " rows", {1, 3});
}

TEST_F(BadUniverse, OutWeightThatIsNotTheEdgesSumIsRefused) {
  const Damaged d = damage("out_weight");
  expect_score_refuses(d.path, d.path + ": dataset /providers/out_weight, row " + d["row"] + ": " + d["value"] +
                                   " is not the " + d["sum"] + " that the provider's out-edges' bene_count add up to");
}

// ---- missing parts and values outside their domain -------------------------------------------

TEST_F(BadUniverse, DeletedDatasetIsExit2NamingIt) {
  const Damaged d = damage("missing_dataset");
  expect_score_refuses(d.path, d.path + ": dataset /claims/services is missing", {1, 3});
}

TEST_F(BadUniverse, DeletedAttributeIsExit2NamingIt) {
  const Damaged d = damage("missing_attribute");
  expect_score_refuses(d.path, d.path + ": attribute first_week of /claims is missing", {1, 3});
}

TEST_F(BadUniverse, UnknownStateAndInvalidUtf8NeverReachAnExport) {
  const Damaged state = damage("state");
  expect_export_refuses(state.path, state.path + ": dataset /providers/state, row 5: 'ZZ' is not a USPS state code");
  const Damaged utf8 = damage("utf8");
  expect_export_refuses(utf8.path, utf8.path + ": dataset /providers/specialty_names, row 0: 'Cardi\\xFF' is not "
                                               "valid UTF-8 (byte 6)");
}

// A universe path that is a loop of symbolic links, or a folder: exit 2 (score) or 3 (the
// commands that check --universe first), never exit 70.
TEST_F(BadUniverse, LinkLoopAndFolderAreRefusedClearly) {
  fs::remove(kDir / "loop-a.h5");
  fs::remove(kDir / "loop-b.h5");
  fs::create_symlink("loop-b.h5", kDir / "loop-a.h5");
  fs::create_symlink("loop-a.h5", kDir / "loop-b.h5");
  const std::string loop = (kDir / "loop-a.h5").string();
  expect_score_refuses(loop, loop + ": Too many levels of symbolic links", {1, 2});
  fs::create_directories(kDir / "folder.h5");
  const std::string folder = (kDir / "folder.h5").string();
  const CommandResult r = run("timeout 120 " + signalrank::testing::mpirun(2) + SIGNALRANK_BINARY +
                              " partition --universe " + folder + " --method hash --parts 2");
  EXPECT_EQ(r.status, 3) << r.err;
  EXPECT_EQ(r.error_lines(),
            std::vector<std::string>{"error: --universe: cannot open '" + folder + "': a directory, not a file"})
      << r.err;
  const CommandResult b = run(std::string("timeout 60 ") + SIGNALRANK_BINARY + " backtest --universe " + loop +
                              " --campaign " + (kDir / "tavr.toml").string() + " --as-of 2026-08-03 --horizon 8");
  EXPECT_EQ(b.status, 3) << b.err;
  EXPECT_EQ(b.error_lines(), std::vector<std::string>{"error: --universe: cannot open '" + loop +
                                                      "': Too many levels of symbolic links"})
      << b.err;
}

// The checks do not refuse a good universe, read by every command above at every rank count.
TEST_F(BadUniverse, TheGoodUniversePasses) {
  for (int ranks : {1, 3}) {
    const std::string out = (kDir / ("good-" + std::to_string(ranks))).string();
    const CommandResult r = run(score_cmd(ranks, good(), out));
    EXPECT_EQ(r.status, 0) << r.err;
  }
  const CommandResult r = run(std::string("timeout 60 ") + SIGNALRANK_BINARY + " export --snapshot " +
                              plain_snapshot() + " --universe " + good() + " --top 10 --out " +
                              (kDir / "good.csv").string());
  EXPECT_EQ(r.status, 0) << r.err;
}

// A snapshot with a column one row short (h5py) is refused by export, not read past its end.
TEST_F(BadUniverse, SnapshotColumnOfAnotherLengthIsRefusedByExport) {
  const std::string snapshot = (kDir / "short-column.h5").string();
  fs::copy_file(plain_snapshot(), snapshot, fs::copy_options::overwrite_existing);
  const CommandResult damaged = run("/usr/bin/python3 -c \"import h5py; f = h5py.File('" + snapshot +
                                    "', 'r+'); s = f['/score'][:-1]; del f['/score']; f['/score'] = s\"");
  ASSERT_EQ(damaged.status, 0) << damaged.err;
  const std::string csv = (kDir / "short.csv").string();
  const CommandResult r = run(std::string("timeout 60 ") + SIGNALRANK_BINARY + " export --snapshot " + snapshot +
                              " --universe " + good() + " --top 10 --out " + csv);
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_EQ(r.error_lines(), std::vector<std::string>{"error: " + snapshot + ": dataset /score has 2999 rows and "
                                                      "/npi has 3000: a snapshot holds one row per provider in "
                                                      "every column"})
      << r.err;
  EXPECT_FALSE(fs::exists(csv));
}
