// `signalrank partition` end to end on the tiny universe: --store round trip (the stored parts are
// the methods' assignments, the same at 1, 2 and 3 ranks, with their attributes), a second store
// replacing the first while a crashed store's leftover stays invisible, the CSV report, and the
// exact `error:` line and exit code of each bad command line.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "io/h5.hpp"
#include "io/universe.hpp"
#include "partition/partitioner/assign.hpp"
#include "partition/partitioner/metis_partition.hpp"
#include "partition/partitioner/store.hpp"
#include "partition/partitioner/universe_graph.hpp"
#include "support/subprocess.hpp"

using namespace signalrank;
namespace fs = std::filesystem;
using signalrank::testing::CommandResult;

namespace {

// The tiny universe, generated once for the whole suite.
fs::path g_dir;
fs::path g_universe;

class PartitionCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    g_dir = fs::temp_directory_path() / ("signalrank_partition_cli_" + std::to_string(::getpid()));
    fs::remove_all(g_dir);
    fs::create_directories(g_dir / "io");
    const CommandResult r = signalrank::testing::run_command(
        std::string(SIGNALRANK_BINARY) + " generate --scale tiny --seed 7 --format h5 --out " + (g_dir / "tiny").string(),
        (g_dir / "io").string());
    ASSERT_EQ(r.status, 0) << r.err;
    g_universe = g_dir / "tiny" / "universe.h5";
  }
  static void TearDownTestSuite() { fs::remove_all(g_dir); }

  void SetUp() override {
    const std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    dir_ = g_dir / name;
    fs::create_directories(dir_);
  }

  // A private copy of the universe (a store modifies it).
  std::string copy_universe(const std::string& name) const {
    const fs::path p = dir_ / name;
    fs::copy_file(g_universe, p, fs::copy_options::overwrite_existing);
    return p.string();
  }
  // One rank runs as an MPI singleton (no mpirun), more under mpirun.
  CommandResult partition(int ranks, const std::string& args) const {
    const std::string launcher = ranks == 1 ? std::string() : signalrank::testing::mpirun(ranks);
    return signalrank::testing::run_command(
        "OMP_NUM_THREADS=1 " + launcher + SIGNALRANK_BINARY + " partition " + args, dir_.string());
  }
  void expect_error(const CommandResult& r, int code, const std::string& line) const {
    EXPECT_EQ(r.status, code) << r.err;
    const auto lines = r.error_lines();
    EXPECT_EQ(lines, std::vector<std::string>{line}) << "stderr:\n" << r.err;
  }

  fs::path dir_;
};

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

// The report without its last column (seconds, which differ between runs).
std::vector<std::string> report_without_seconds(const std::string& path) {
  std::vector<std::string> out;
  for (std::string l : lines_of(signalrank::testing::slurp(path))) out.push_back(l.substr(0, l.rfind(',')));
  return out;
}

// The field `column` of the report row for (method, parts).
std::string report_field(const std::string& path, const std::string& method, std::uint32_t parts,
                         const std::string& column) {
  const auto lines = lines_of(signalrank::testing::slurp(path));
  auto split = [](std::string l) {
    if (!l.empty() && l.back() == '\r') l.pop_back();
    std::vector<std::string> f;
    std::istringstream in(l);
    for (std::string x; std::getline(in, x, ',');) f.push_back(x);
    return f;
  };
  const auto header = split(lines.at(0));
  const std::size_t col = static_cast<std::size_t>(std::find(header.begin(), header.end(), column) - header.begin());
  for (std::size_t i = 1; i < lines.size(); ++i) {
    const auto f = split(lines[i]);
    if (f.at(0) == method && f.at(1) == std::to_string(parts)) return f.at(col);
  }
  return "";
}

// A hand-made stored assignment of the tiny universe's 2,000 providers, every one in part `value`.
StoredPartition uniform_partition(const std::string& method, std::uint32_t parts, std::uint32_t value) {
  StoredPartition p;
  p.method = method;
  p.parts = parts;
  p.providers = 2000;
  p.part.assign(2000, value);
  return p;
}

}  // namespace

TEST_F(PartitionCli, StoreRoundTripIsTheSameOnOneTwoAndThreeRanks) {
  const std::vector<std::uint32_t> parts{2, 5, 16};
  std::vector<std::string> universes;
  for (int ranks : {1, 2, 3}) {
    universes.push_back(copy_universe("u" + std::to_string(ranks) + ".h5"));
    const std::string report = (dir_ / ("r" + std::to_string(ranks) + ".csv")).string();
    const CommandResult r = partition(ranks, "--universe " + universes.back() +
                                                 " --method block,hash,graph --parts 2,5,16 --store --report " + report);
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("stored /partition/graph_16"), std::string::npos) << r.out;
  }
  // The report: CRLF lines, a header, 9 rows, identical at every rank count but for the seconds.
  const std::string r1 = (dir_ / "r1.csv").string();
  const std::string text = signalrank::testing::slurp(r1);
  EXPECT_EQ(text.rfind("method,parts,providers,edges,cut_edges,", 0), 0u);
  EXPECT_NE(text.find("\r\n"), std::string::npos);
  EXPECT_EQ(lines_of(text).size(), 10u);
  EXPECT_EQ(report_without_seconds(r1), report_without_seconds((dir_ / "r2.csv").string()));
  EXPECT_EQ(report_without_seconds(r1), report_without_seconds((dir_ / "r3.csv").string()));

  // What each method gives, computed here from the universe.
  Comm comm;
  UniverseReader u(comm, universes[0]);
  const ProviderShape shape = read_provider_shape(u);
  const std::vector<std::uint64_t> npi = u.read_providers().npi;
  const SymmetricGraph graph = read_symmetric_graph(u, shape);
  for (std::uint32_t p : parts) {
    for (const std::string method : {"block", "hash", "graph"}) {
      const std::string name = stored_partition_name(method, p);
      const StoredPartition s1 = load_partition(universes[0], name);
      EXPECT_EQ(load_partition(universes[1], name).part, s1.part) << name;
      EXPECT_EQ(load_partition(universes[2], name).part, s1.part) << name;
      std::vector<std::uint32_t> expected;
      if (method == std::string("block")) expected = parts_of(block_layout(shape.work, p));
      if (method == std::string("hash")) expected = hash_partition(npi, p);
      if (method == std::string("graph")) expected = metis_partition(graph, p).part;
      EXPECT_EQ(s1.part, expected) << name;
      // Attributes.
      EXPECT_EQ(s1.method, method);
      EXPECT_EQ(s1.parts, p);
      EXPECT_EQ(s1.providers, npi.size());
      EXPECT_EQ(std::to_string(s1.edge_cut), report_field(r1, method, p, "cut_edges")) << name;
      EXPECT_EQ(std::to_string(s1.halo_values), report_field(r1, method, p, "halo_values")) << name;
      EXPECT_GE(s1.imbalance, 1.0);
      EXPECT_EQ(s1.created_utc.size(), 20u) << s1.created_utc;  // YYYY-MM-DDTHH:MM:SSZ
      EXPECT_EQ(s1.graph_fingerprint, graph_fingerprint(shape));
      EXPECT_FALSE(s1.settings.empty());
      EXPECT_FALSE(h5::File::open(universes[0], nullptr).exists("/partition/.tmp-" + name));
    }
  }
}

TEST_F(PartitionCli, SecondStoreReplacesTheFirstAndACrashLeftoverStaysHidden) {
  const std::string path = copy_universe("u.h5");
  // An earlier store of hash_4 (all zeros), another partition, and the hidden group a store that
  // died before its rename would leave.
  StoredPartition old = uniform_partition("hash", 4, 0);
  old.created_utc = "2026-01-01T00:00:00Z";
  store_partition(path, old);
  StoredPartition other = old;
  other.method = "block";
  other.parts = 2;
  store_partition(path, other);
  {
    h5::File f = h5::File::open(path, nullptr, true);
    f.create_group("/partition/.tmp-hash_4");
    f.write_column<std::uint32_t>("/partition/.tmp-hash_4/part", std::vector<std::uint32_t>(7, 9));
  }
  EXPECT_EQ(load_partition(path, "hash_4").part, old.part);  // the leftover is not what readers see

  const CommandResult r = partition(2, "--universe " + path + " --method hash --parts 4 --store");
  ASSERT_EQ(r.status, 0) << r.err;
  const StoredPartition now = load_partition(path, "hash_4");
  Comm comm;
  EXPECT_EQ(now.part, hash_partition(UniverseReader(comm, path).read_providers().npi, 4));
  EXPECT_NE(now.created_utc, old.created_utc);
  EXPECT_FALSE(h5::File::open(path, nullptr).exists("/partition/.tmp-hash_4"));
  EXPECT_EQ(load_partition(path, "block_2").part, other.part);  // untouched
  // The universe itself is still readable as before.
  EXPECT_EQ(UniverseReader(comm, path).num_providers(), 2000u);
}

TEST_F(PartitionCli, BadCommandLines) {
  const std::string u = g_universe.string();
  expect_error(partition(1, "--universe " + u + " --method block,metis --parts 2"), 3,
               "error: --method: 'metis' is not a partitioning method (block, hash or graph)");
  expect_error(partition(1, "--universe " + u + " --method hash --parts 2,0"), 3,
               "error: --parts: '0' is not a part count (a whole number, at least 1)");
  expect_error(partition(1, "--universe " + u + " --method hash --parts -4"), 3,
               "error: --parts: '-4' is not a part count (a whole number, at least 1)");
  expect_error(partition(1, "--universe " + u + " --method hash --parts 2x"), 3,
               "error: --parts: '2x' is not a part count (a whole number, at least 1)");
  // Printed once however many ranks see it.
  expect_error(partition(2, "--universe " + u + " --method graph --parts 16,2001"), 3,
               "error: --parts: 2001 parts is more than the 2000 providers of '" + u + "'");
  const std::string missing = (dir_ / "missing.h5").string();
  expect_error(partition(1, "--universe " + missing + " --method hash --parts 2"), 3,
               "error: --universe: cannot open '" + missing + "': no such file");
  const std::string text = (dir_ / "not.h5").string();
  std::ofstream(text) << "npi\n1000000004\n";
  expect_error(partition(1, "--universe " + text + " --method hash --parts 2"), 2,
               "error: " + text + ": not an HDF5 file, or it cannot be opened");
  expect_error(partition(1, "--universe " + u + " --parts 2"), 3,
               "error: --method: is required (block, hash and/or graph), unless --list");
  expect_error(partition(1, "--universe " + u + " --method hash"), 3,
               "error: --parts: is required (part counts, e.g. 2,4,16), unless --list");
  expect_error(partition(1, "--universe " + u + " --method hash --parts 2 --if-missing"), 3,
               "error: --if-missing: only applies with --store");
  expect_error(partition(1, "--universe " + u + " --method hash --parts 2 --report " + (dir_ / "no/r.csv").string()), 3,
               "error: --report: the folder '" + (dir_ / "no").string() + "' for '" + (dir_ / "no/r.csv").string() +
                   "' does not exist");
}

TEST_F(PartitionCli, StoreRefusesAFileItCannotWrite) {
  const std::string path = copy_universe("locked.h5");
  // chmod is enough for other users; root writes through it, but not through the immutable flag.
  std::string reason;
  if (::geteuid() != 0) {
    ASSERT_EQ(::chmod(path.c_str(), 0444), 0);
    reason = "Permission denied";
  } else if (std::system(("chattr +i " + path + " 2>/dev/null").c_str()) == 0) {
    reason = "Operation not permitted";
  } else {
    GTEST_SKIP() << "cannot make a file unwritable for root here (no chattr +i)";
  }
  const CommandResult r = partition(2, "--universe " + path + " --method hash --parts 2 --store");
  if (::geteuid() == 0) std::system(("chattr -i " + path).c_str());
  expect_error(r, 3, "error: --store: cannot write to '" + path + "': " + reason);
  // Without --store the same file is fine.
  EXPECT_EQ(partition(1, "--universe " + path + " --method hash --parts 2").status, 0);
}

TEST_F(PartitionCli, StoreRefusesAFileAnotherProcessHasOpen) {
  const std::string path = copy_universe("busy.h5");
  if (const char* locking = std::getenv("HDF5_USE_FILE_LOCKING"); locking && std::string(locking) == "FALSE")
    GTEST_SKIP() << "HDF5 file locking is switched off";
  const h5::File reader = h5::File::open(path, nullptr);  // a reader in another process, as `score` would be
  expect_error(partition(1, "--universe " + path + " --method hash --parts 2 --store"), 3,
               "error: --store: cannot write to '" + path +
                   "': HDF5 cannot open it for writing (is another process reading it? HDF5 locks open files)");
}

// --list shows what a universe holds and whether it fits the graph; --store --if-missing keeps an
// assignment already stored for this graph (a pipeline can run it before every score) and
// recomputes one stored for another graph.
TEST_F(PartitionCli, ListAndStoreIfMissing) {
  const std::string path = copy_universe("u.h5");
  CommandResult none = partition(2, "--universe " + path + " --list");
  ASSERT_EQ(none.status, 0) << none.err;
  EXPECT_NE(none.out.find("\nnone; store one with signalrank partition --universe " + path), std::string::npos)
      << none.out;

  // A stale hash_2 (computed for another graph) beside nothing else.
  StoredPartition stale = uniform_partition("hash", 2, 1);
  stale.graph_fingerprint = "providers=2000 edges=1 out_offsets_xxh3=0";
  store_partition(path, stale);
  CommandResult listed = partition(1, "--universe " + path + " --list");
  ASSERT_EQ(listed.status, 0) << listed.err;
  EXPECT_NE(listed.out.find("no (stale)\n"), std::string::npos) << listed.out;

  CommandResult first = partition(2, "--universe " + path + " --method hash,block --parts 2,3 --store --if-missing");
  ASSERT_EQ(first.status, 0) << first.err;
  EXPECT_EQ(first.out.find("kept (--if-missing)"), std::string::npos) << first.out;  // the stale one is replaced
  Comm comm;
  EXPECT_EQ(load_partition(path, "hash_2").part, hash_partition(UniverseReader(comm, path).read_providers().npi, 2));
  const std::string created = load_partition(path, "block_3").created_utc;

  CommandResult second = partition(2, "--universe " + path + " --method hash,block --parts 2,3,4 --store --if-missing");
  ASSERT_EQ(second.status, 0) << second.err;
  for (const char* name : {"hash_2", "hash_3", "block_2", "block_3"})
    EXPECT_NE(second.out.find(std::string("[partition] ") + name + " is already stored for this graph: kept"),
              std::string::npos)
        << name << "\n" << second.out;
  EXPECT_NE(second.out.find("[partition] stored /partition/hash_4"), std::string::npos) << second.out;
  EXPECT_EQ(second.out.find("[partition] stored /partition/hash_2"), std::string::npos) << second.out;
  EXPECT_EQ(load_partition(path, "block_3").created_utc, created);

  CommandResult list = partition(1, "--universe " + path + " --list");
  ASSERT_EQ(list.status, 0) << list.err;
  for (const char* name : {"block_2", "block_3", "block_4", "hash_2", "hash_3", "hash_4"}) {
    const std::size_t at = list.out.find(std::string("\n") + name + " ");
    ASSERT_NE(at, std::string::npos) << name << "\n" << list.out;
    const std::string line = list.out.substr(at + 1, list.out.find('\n', at + 1) - at - 1);
    EXPECT_EQ(line.substr(line.size() - 3), "yes") << line;
  }
}
