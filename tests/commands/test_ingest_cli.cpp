// `signalrank ingest` end to end, under mpirun: one test per bad-input mode (the exact `error:`
// line with file, line and field, exit code 2, and nothing left in the output folder), tolerated
// bad rows going to <out>.rejects.csv, unknown NPIs counted not failed, the CMS by-provider-and-
// service file (current and legacy columns), hop-teaming referrals, identical datasets at 1, 2 and
// 4 ranks, and a bad line read by rank 1 reported with its global line number.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "io/dates.hpp"
#include "io/h5.hpp"
#include "io/npi.hpp"
#include "support/subprocess.hpp"

using namespace signalrank;
namespace fs = std::filesystem;
using signalrank::testing::CommandResult;

namespace {

// Valid NPIs used below: 1000000004, 1000000012, 1000000020, 1000000038 (providers) and
// 1003000126, 1234567893 (valid, not providers). 1000000005 fails the check digit.
const std::string kProviders =
    "npi,entity_type,taxonomy,specialty,state,zip5\n"
    "1000000004,1,207RC0000X,Cardiovascular Disease,NY,10001\n"
    "1000000012,1,207Q00000X,Family Medicine,CA,94110\n"
    "1000000020,2,282N00000X,\"General Acute Care Hospital, Main\",TX,75001\n"
    "1000000038,1,207R00000X,Internal Medicine,PR,00901\n";
const std::string kClaims =
    "npi,code_system,code,week,services,patients\n"
    "1000000004,CPT,33361,2024-01-01,5,3\n"
    "1000000004,ICD10,I35.0,2024-01-01,2,2\n"
    "1000000012,HCPCS,C1889,2024-01-08,7,4\n"
    "1000000020,CPT,99213,2024-01-08,9,9\n";
const std::string kReferrals =
    "1000000004,1000000012,25        ,13        ,0\n"
    "1000000012,1000000020,30        ,20        ,1\n"
    "1000000038,1000000004,12        ,11        ,0\n";

class IngestCli : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    const std::string base = "signalrank_ingest_" + name + "_" + std::to_string(::getpid());
    dir_ = fs::temp_directory_path() / base;
    scratch_ = fs::temp_directory_path() / (base + "_io");
    fs::remove_all(dir_);
    fs::remove_all(scratch_);
    fs::create_directories(dir_);
    fs::create_directories(scratch_);
    write("providers.csv", kProviders);
    write("claims.csv", kClaims);
    write("referrals.csv", kReferrals);
  }
  void TearDown() override {
    if (!HasFailure()) fs::remove_all(dir_);
    fs::remove_all(scratch_);
  }

  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  void write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name, std::ios::binary | std::ios::trunc) << text;
    inputs_.insert(name);
  }
  std::string inputs(const std::string& out = "universe.h5") const {
    return " --providers " + path("providers.csv") + " --claims " + path("claims.csv") + " --referrals " +
           path("referrals.csv") + " --out " + path(out);
  }
  // One rank runs as an MPI singleton, without mpirun: the same code path, and mpirun takes two
  // seconds to report a failed job, which the many failure tests would pay each time.
  CommandResult ingest(int ranks, const std::string& extra = "", const std::string& out = "universe.h5") const {
    const std::string launcher = ranks == 1 ? std::string() : signalrank::testing::mpirun(ranks);
    return signalrank::testing::run_command(
        "OMP_NUM_THREADS=2 " + launcher + SIGNALRANK_BINARY + " ingest" + inputs(out) + " " + extra, scratch_.string());
  }
  // Every file in the folder that is not an input (outputs, temporaries).
  std::vector<std::string> leftovers() const {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(dir_))
      if (!inputs_.count(e.path().filename().string())) out.push_back(e.path().filename().string());
    return out;
  }
  // A failed run: exit code 2, `line` among the error lines, nothing written.
  void expect_failure(const CommandResult& r, const std::string& line) const {
    EXPECT_EQ(r.status, 2) << r.err;
    const auto lines = r.error_lines();
    EXPECT_NE(std::find(lines.begin(), lines.end(), line), lines.end()) << "want: " << line << "\nstderr:\n" << r.err;
    EXPECT_EQ(leftovers(), std::vector<std::string>{});
  }
  // Replaces line `n` (1-based) of an input file.
  void replace_line(const std::string& name, std::size_t n, const std::string& text) {
    std::string all = signalrank::testing::slurp(path(name));
    std::size_t begin = 0;
    for (std::size_t i = 1; i < n; ++i) begin = all.find('\n', begin) + 1;
    const std::size_t end = all.find('\n', begin);
    write(name, all.substr(0, begin) + text + all.substr(end));
  }

  fs::path dir_, scratch_;
  std::set<std::string> inputs_;
};

template <class T>
std::vector<T> column(const std::string& file, const std::string& name) {
  return h5::File::open(file, nullptr).read_column<T>(name);
}

std::vector<std::string> strings(const std::string& file, const std::string& name) {
  const h5::File f = h5::File::open(file, nullptr);
  std::size_t width = 0;
  const std::vector<char> raw = f.read_strings(name, 0, f.column_size(name), &width);
  std::vector<std::string> out;
  for (std::size_t at = 0; at + width <= raw.size(); at += width) out.emplace_back(raw.data() + at, strnlen(raw.data() + at, width));
  return out;
}

std::int32_t week_of(const char* monday) {
  std::int32_t w = 0;
  monday_problem(monday, &w);
  return w;
}

}  // namespace

// ---- one test per bad-input mode ---------------------------------------------------------

TEST_F(IngestCli, BadNpiCheckDigit) {
  replace_line("claims.csv", 3, "1000000005,ICD10,I35.0,2024-01-01,2,2");
  expect_failure(ingest(1), "error: " + path("claims.csv") + ":3: field 'npi': '1000000005' fails the NPI check digit");
}

TEST_F(IngestCli, BadDate) {
  replace_line("claims.csv", 4, "1000000012,HCPCS,C1889,2024-02-30,7,4");
  expect_failure(ingest(1),
                 "error: " + path("claims.csv") + ":4: field 'week': '2024-02-30' is not a date (YYYY-MM-DD)");
}

TEST_F(IngestCli, NonMondayDate) {
  replace_line("claims.csv", 2, "1000000004,CPT,33361,2024-01-03,5,3");
  expect_failure(ingest(1), "error: " + path("claims.csv") + ":2: field 'week': '2024-01-03' is not a Monday");
}

TEST_F(IngestCli, NegativeCount) {
  replace_line("referrals.csv", 2, "1000000012,1000000020,30        ,-20       ,1");
  expect_failure(ingest(1), "error: " + path("referrals.csv") + ":2: field 'bene_count': '-20' is negative");
}

TEST_F(IngestCli, NonNumericCount) {
  replace_line("claims.csv", 5, "1000000020,CPT,99213,2024-01-08,9,many");
  expect_failure(ingest(1), "error: " + path("claims.csv") + ":5: field 'patients': 'many' is not a number");
}

TEST_F(IngestCli, OverflowingCount) {
  replace_line("claims.csv", 5, "1000000020,CPT,99213,2024-01-08,4294967296,9");
  expect_failure(ingest(1),
                 "error: " + path("claims.csv") + ":5: field 'services': '4294967296' is larger than 4294967295");
}

TEST_F(IngestCli, WrongFieldCount) {
  replace_line("referrals.csv", 3, "1000000038,1000000004,12,11");
  expect_failure(ingest(1), "error: " + path("referrals.csv") +
                                ":3: field 'same_day_count': missing: the row has 4 fields, expected 5");
}

TEST_F(IngestCli, UnterminatedQuote) {
  replace_line("providers.csv", 3, "1000000012,1,207Q00000X,\"Family Medicine,CA,94110");
  expect_failure(ingest(1), "error: " + path("providers.csv") +
                                ":3: field 'specialty': unterminated quote (a quoted field cannot span lines)");
}

TEST_F(IngestCli, UnknownCodeSystem) {
  replace_line("claims.csv", 2, "1000000004,CPT4,33361,2024-01-01,5,3");
  expect_failure(ingest(1), "error: " + path("claims.csv") +
                                ":2: field 'code_system': unknown code system 'CPT4' (expected CPT, HCPCS, ICD10 or NDC)");
}

TEST_F(IngestCli, UnknownState) {
  replace_line("providers.csv", 5, "1000000038,1,207R00000X,Internal Medicine,ZZ,00901");
  expect_failure(ingest(1), "error: " + path("providers.csv") + ":5: field 'state': 'ZZ' is not a USPS state code");
}

TEST_F(IngestCli, EmptyFile) {
  write("claims.csv", "");
  expect_failure(ingest(1), "error: " + path("claims.csv") + ":1: empty file");
}

TEST_F(IngestCli, BinaryFile) {
  write("referrals.csv", std::string("\x1F\x8B\x08\x00\x00\x00\x00\x00\x00\x03\x55\x8E", 12));
  expect_failure(ingest(1), "error: " + path("referrals.csv") +
                                ":1: binary data (NUL byte), not a CSV text file (gzip-compressed: decompress it first)");
}

TEST_F(IngestCli, MissingHeader) {
  write("claims.csv", kClaims.substr(kClaims.find('\n') + 1));
  expect_failure(ingest(1), "error: " + path("claims.csv") +
                                ":1: field 'npi': missing header line: expected "
                                "'npi,code_system,code,week,services,patients', found a data row");
}

TEST_F(IngestCli, WrongHeader) {
  replace_line("providers.csv", 1, "npi,entity_type,taxonomy,specialty,state,zip");
  expect_failure(ingest(1), "error: " + path("providers.csv") +
                                ":1: field 'zip5': wrong header: column 6 is 'zip' (expected "
                                "'npi,entity_type,taxonomy,specialty,state,zip5')");
}

TEST_F(IngestCli, DuplicateNpi) {
  write("providers.csv", kProviders + "1000000012,1,207R00000X,Internal Medicine,NY,10001\n");
  expect_failure(ingest(1), "error: " + path("providers.csv") + ":6: field 'npi': duplicate NPI 1000000012 (first on line 3)");
}

TEST_F(IngestCli, MissingFile) {
  fs::remove(dir_ / "referrals.csv");
  inputs_.erase("referrals.csv");
  expect_failure(ingest(2), "error: " + path("referrals.csv") + ": cannot open: No such file or directory");
}

// ---- many bad rows, tolerated bad rows ---------------------------------------------------

TEST_F(IngestCli, EveryBadRowIsReportedInFileOrderOnAnyRankCount) {
  replace_line("providers.csv", 4, "1000000020,2,282N00000X,Hospital,XX,75001");
  replace_line("claims.csv", 5, "1000000020,CPT,99213,2024-01-08,9.5,9");
  replace_line("referrals.csv", 1, "1000000004,1000000013,25,13,0");
  for (int ranks : {1, 3}) {
    const CommandResult r = ingest(ranks, "--chunk-bytes 16");
    EXPECT_EQ(r.status, 2);
    const std::vector<std::string> want = {
        "error: " + path("providers.csv") + ":4: field 'state': 'XX' is not a USPS state code",
        "error: " + path("claims.csv") + ":5: field 'services': '9.5' is not a whole number",
        "error: " + path("referrals.csv") + ":1: field 'npi_to': '1000000013' fails the NPI check digit",
        "error: " + path("universe.h5") + ": not written: 3 bad rows, more than --max-bad-rows 0",
    };
    EXPECT_EQ(r.error_lines(), want) << r.err;
    EXPECT_EQ(leftovers(), std::vector<std::string>{});
  }
}

TEST_F(IngestCli, MaxBadRowsWritesTheRejectsFile) {
  replace_line("claims.csv", 3, "1000000004,ICD10,\"I35,0\",2024-01-01,2,2");
  replace_line("referrals.csv", 2, "1000000012,1000000020,30,twenty,1");
  // One too few tolerated: fails, writes nothing.
  expect_failure(ingest(2, "--max-bad-rows 1"),
                 "error: " + path("universe.h5") + ": not written: 2 bad rows, more than --max-bad-rows 1");

  const CommandResult r = ingest(2, "--max-bad-rows 2");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(fs::exists(dir_ / "universe.h5"));
  EXPECT_NE(r.err.find("warning: " + path("claims.csv") + ":3: field 'code': 'I35,0' holds characters other than "
                       "letters, digits, '.' and '-'"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.out.find("2 bad rows rejected"), std::string::npos) << r.out;
  const std::string want = "file,line,field,reason,row\n" + path("claims.csv") +
                           ",3,code,\"'I35,0' holds characters other than letters, digits, '.' and '-'\","
                           "\"1000000004,ICD10,\"\"I35,0\"\",2024-01-01,2,2\"\n" +
                           path("referrals.csv") + ",2,bene_count,'twenty' is not a number,\"1000000012,1000000020,30,twenty,1\"\n";
  EXPECT_EQ(signalrank::testing::slurp(path("universe.h5.rejects.csv")), want);
  EXPECT_EQ(column<std::uint32_t>(path("universe.h5"), "/claims/services").size(), 3u);
  EXPECT_EQ(h5::File::open(path("universe.h5"), nullptr).attr_int("/meta", "bad_rows"), 2);
  // A clean run afterwards leaves no stale rejects list.
  write("claims.csv", kClaims);
  write("referrals.csv", kReferrals);
  ASSERT_EQ(ingest(1).status, 0);
  EXPECT_FALSE(fs::exists(dir_ / "universe.h5.rejects.csv"));
}

TEST_F(IngestCli, UnknownNpisAndSelfLoopsAreCountedNotFailed) {
  write("claims.csv", kClaims + "1003000126,CPT,99213,2024-01-08,7,4\n1234567893,CPT,99213,2024-01-08,7,4\n");
  write("referrals.csv", kReferrals + "1000000004,1234567893,20,15,0\n1000000020,1000000020,40,30,2\n"
                                      "1000000004,1000000012,5,2,1\n");
  const CommandResult r = ingest(2);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(r.error_lines().empty());
  EXPECT_NE(r.out.find("6 rows, 2 unknown NPI skipped"), std::string::npos) << r.out;
  const h5::File f = h5::File::open(path("universe.h5"), nullptr);
  EXPECT_EQ(f.attr_int("/meta", "claims_rows"), 6);
  EXPECT_EQ(f.attr_int("/meta", "claims_unknown_npi"), 2);
  EXPECT_EQ(f.attr_int("/meta", "edge_rows"), 6);
  EXPECT_EQ(f.attr_int("/meta", "edges_unknown_npi"), 1);
  EXPECT_EQ(f.attr_int("/meta", "edges_self_loops"), 1);
  EXPECT_EQ(f.attr_int("/meta", "edges_merged"), 1);
  EXPECT_EQ(f.attr_int("/meta", "bad_rows"), 0);
  // 1000000004 -> 1000000012 appears twice: summed.
  EXPECT_EQ(column<std::uint32_t>(path("universe.h5"), "/referrals/out_bene_count"),
            (std::vector<std::uint32_t>{15, 20, 11}));
  EXPECT_EQ(column<std::uint32_t>(path("universe.h5"), "/referrals/out_pair_count"),
            (std::vector<std::uint32_t>{30, 30, 12}));
}

// ---- formats -----------------------------------------------------------------------------

TEST_F(IngestCli, QuotesCrlfAndIcdCodesWithOrWithoutTheDot) {
  write("providers.csv",
        "npi,entity_type,taxonomy,specialty,state,zip5\r\n"
        "1000000004,1,207RC0000X,\"Cardiology, \"\"Interventional\"\"\",NY,10001\r\n"
        "1000000012,1,207Q00000X,Family Medicine,CA,94110\r\n"
        "1000000020,2,282N00000X,Hospital,TX,75001\r\n"
        "1000000038,1,207R00000X,Internal Medicine,PR,00901\r\n\r\n");
  write("claims.csv",
        "npi,code_system,code,week,services,patients\r\n"
        "1000000004,ICD10,I35.0,2024-01-01,2,2\r\n"
        "1000000004,ICD10,i350,2024-01-01,3,1\r\n"
        "\"1000000012\",\"CPT\",\"33361\",\"2024-01-08\",\"7\",\"4\"\r\n");
  const CommandResult r = ingest(1);
  ASSERT_EQ(r.status, 0) << r.err;
  const std::string u = path("universe.h5");
  EXPECT_EQ(strings(u, "/providers/specialty_names"),
            (std::vector<std::string>{"Cardiology, \"Interventional\"", "Family Medicine", "Hospital", "Internal Medicine"}));
  EXPECT_EQ(strings(u, "/codes/code"), (std::vector<std::string>{"33361", "I350"}));
  EXPECT_EQ(column<std::uint32_t>(u, "/claims/services"), (std::vector<std::uint32_t>{5, 7}));  // I35.0 + i350 summed
  EXPECT_EQ(h5::File::open(u, nullptr).attr_int("/meta", "claims_merged"), 1);
}

TEST_F(IngestCli, CmsPufCurrentColumns) {
  write("claims.csv",
        "Rndrng_NPI,Rndrng_Prvdr_Last_Org_Name,Rndrng_Prvdr_State_Abrvtn,HCPCS_Cd,HCPCS_Desc,Place_Of_Srvc,Tot_Benes,"
        "Tot_Srvcs,Tot_Bene_Day_Srvcs\n"
        "1000000004,\"Smith, Jr.\",NY,99213,\"Office visit, established\",F,11,20.5,20\n"
        "1000000004,\"Smith, Jr.\",NY,99213,\"Office visit, established\",O,12.5,1.4,1\n"
        "1000000004,\"Smith, Jr.\",NY,0001U,Test,O,13,3,3\n"
        "1000000020,General,TX,J1100,\"Injection, dexamethasone\",F,14,2.5,2\n"
        "1003000126,Gone,ZZ,99213,x,O,15,2,2\n");
  const CommandResult bad = ingest(1, "--claims-format cms-puf");
  EXPECT_EQ(bad.status, 3);
  EXPECT_EQ(bad.error_lines(),
            std::vector<std::string>{"error: --period: required with --claims-format cms-puf (a Monday, YYYY-MM-DD)"});
  const CommandResult r = ingest(2, "--claims-format cms-puf --period 2023-01-02");
  ASSERT_EQ(r.status, 0) << r.err;
  const std::string u = path("universe.h5");
  EXPECT_EQ(strings(u, "/codes/code"), (std::vector<std::string>{"0001U", "99213", "J1100"}));
  EXPECT_EQ(column<std::uint8_t>(u, "/codes/system"), (std::vector<std::uint8_t>{0, 0, 1}));  // CPT, CPT, HCPCS
  // Provider 0: 0001U (3 services), 99213 (21 + 1, the two places of service summed); provider 2: J1100.
  EXPECT_EQ(column<std::uint32_t>(u, "/claims/code"), (std::vector<std::uint32_t>{0, 1, 2}));
  EXPECT_EQ(column<std::uint32_t>(u, "/claims/services"), (std::vector<std::uint32_t>{3, 22, 3}));
  EXPECT_EQ(column<std::uint32_t>(u, "/claims/patients"), (std::vector<std::uint32_t>{13, 24, 14}));
  EXPECT_EQ(column<std::int32_t>(u, "/claims/week"), (std::vector<std::int32_t>(3, week_of("2023-01-02"))));
  EXPECT_EQ(column<std::uint64_t>(u, "/claims/offsets"), (std::vector<std::uint64_t>{0, 2, 2, 3, 3}));
  const h5::File f = h5::File::open(u, nullptr);
  EXPECT_EQ(f.attr_int("/meta", "claims_unknown_npi"), 1);
  EXPECT_EQ(f.attr_int("/meta", "claims_merged"), 1);
}

TEST_F(IngestCli, CmsPufLegacyTabSeparated) {
  write("claims.csv",
        "npi\tnppes_provider_last_org_name\tnppes_entity_code\tnppes_provider_state\tprovider_type\tplace_of_service\t"
        "hcpcs_code\thcpcs_description\tline_srvc_cnt\tbene_unique_cnt\tbene_day_srvc_cnt\n"
        "0000000001\tCPT copyright 2011 American Medical Association.  All Rights Reserved.\t\t\t\t\t\t\t\t\t\n"
        "1000000012\tDOE, JANE\tI\tCA\tFamily Practice\tO\t99214\tOffice visit\t31.0\t17.0\t31.0\n"
        "1000000012\tDOE, JANE\tI\tCA\tFamily Practice\tF\t99214\tOffice visit\t4.5\t2.0\t4.0\n");
  const CommandResult r = ingest(1, "--claims-format cms-puf --period 2013-01-07");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("1 copyright pseudo-records skipped"), std::string::npos) << r.out;
  const std::string u = path("universe.h5");
  EXPECT_EQ(strings(u, "/codes/code"), (std::vector<std::string>{"99214"}));
  EXPECT_EQ(column<std::uint32_t>(u, "/claims/services"), (std::vector<std::uint32_t>{36}));  // 31 + round(4.5)
  EXPECT_EQ(column<std::uint32_t>(u, "/claims/patients"), (std::vector<std::uint32_t>{19}));
}

TEST_F(IngestCli, HopTeaming) {
  write("referrals.csv",
        "from_npi,to_npi,patient_count,transaction_count,average_day_wait,std_day_wait\n"
        "1000000004,1000000012,40,95,12.75,30.125\n"
        "1000000012,1000000004,11,13,0,0\n");
  const CommandResult wrong = ingest(1);  // read as CMS: its header is not the CMS one
  expect_failure(wrong, "error: " + path("referrals.csv") +
                            ":1: field 'npi_from': wrong header: column 1 is 'from_npi' (expected "
                            "'npi_from,npi_to,pair_count,bene_count,same_day_count')");
  const CommandResult r = ingest(2, "--referrals-format hop-teaming");
  ASSERT_EQ(r.status, 0) << r.err;
  const std::string u = path("universe.h5");
  EXPECT_EQ(column<std::uint32_t>(u, "/referrals/out_bene_count"), (std::vector<std::uint32_t>{40, 11}));
  EXPECT_EQ(column<std::uint32_t>(u, "/referrals/out_pair_count"), (std::vector<std::uint32_t>{95, 13}));
  EXPECT_EQ(column<std::uint32_t>(u, "/referrals/out_same_day"), (std::vector<std::uint32_t>{0, 0}));
}

// ---- parallel reading --------------------------------------------------------------------

namespace {

// A universe of 300 providers with claims and edges in random order, duplicates included.
void write_random_universe(const std::function<void(const std::string&, const std::string&)>& write) {
  std::mt19937_64 rng(7);
  std::vector<std::uint64_t> npis;
  for (std::uint64_t b = 123000000; npis.size() < 300; b += 1 + rng() % 50) npis.push_back(npi_from_body(b));
  std::shuffle(npis.begin(), npis.end(), rng);
  const char* states[] = {"NY", "CA", "TX", "PR", "AE"};
  const char* specialties[] = {"Cardiovascular Disease", "\"Hospital, General\"", "Family Medicine", ""};
  std::string p = "npi,entity_type,taxonomy,specialty,state,zip5\n";
  for (auto n : npis)
    p += std::to_string(n) + "," + std::to_string(1 + rng() % 2) + ",207RC0000X," + specialties[rng() % 4] + "," +
         states[rng() % 5] + "," + std::to_string(10000 + rng() % 89999) + "\n";
  write("providers.csv", p);
  const char* codes[] = {"CPT,33361", "CPT,99213", "ICD10,I35.0", "ICD10,I350", "HCPCS,C1889", "NDC,12345-6789-01"};
  std::string c = "npi,code_system,code,week,services,patients\r\n";
  for (int i = 0; i < 6000; ++i) {
    const std::uint64_t n = rng() % 10 == 0 ? 1003000126 : npis[rng() % npis.size()];
    c += std::to_string(n) + "," + codes[rng() % 6] + "," + format_week(week_of("2024-01-01") + static_cast<int>(rng() % 30)) +
         "," + std::to_string(rng() % 50) + "," + std::to_string(rng() % 20) + "\r\n";
  }
  write("claims.csv", c);
  std::string r;
  for (int i = 0; i < 4000; ++i) {
    const auto a = npis[rng() % 40], b = npis[rng() % npis.size()];
    r += std::to_string(a) + "," + std::to_string(b) + "," + std::to_string(11 + rng() % 90) + "        ," +
         std::to_string(11 + rng() % 30) + "        ," + std::to_string(rng() % 3) + "\n";
  }
  write("referrals.csv", r);
}

// Every dataset of a universe file, as bytes.
std::map<std::string, std::vector<char>> datasets(const std::string& file) {
  const h5::File f = h5::File::open(file, nullptr);
  std::map<std::string, std::vector<char>> out;
  auto add = [&](const std::string& name, auto tag) {
    using T = decltype(tag);
    const auto v = f.read_column<T>(name);
    out[name].assign(reinterpret_cast<const char*>(v.data()), reinterpret_cast<const char*>(v.data() + v.size()));
  };
  for (const char* n : {"/providers/npi", "/providers/out_weight", "/claims/offsets", "/referrals/out_offsets",
                        "/referrals/in_offsets"})
    add(n, std::uint64_t{});
  for (const char* n : {"/claims/code", "/claims/services", "/claims/patients", "/referrals/out_dst",
                        "/referrals/out_pair_count", "/referrals/out_bene_count", "/referrals/out_same_day",
                        "/referrals/in_src", "/referrals/in_bene_count"})
    add(n, std::uint32_t{});
  add("/claims/week", std::int32_t{});
  add("/providers/specialty", std::uint16_t{});
  add("/providers/entity_type", std::uint8_t{});
  add("/codes/system", std::uint8_t{});
  for (const char* n : {"/providers/taxonomy", "/providers/state", "/providers/zip5", "/providers/specialty_names", "/codes/code"}) {
    std::size_t width = 0;
    out[n] = f.read_strings(n, 0, f.column_size(n), &width);
  }
  for (const char* a : {"claims_rows", "claims_unknown_npi", "claims_merged", "edge_rows", "edges_unknown_npi",
                        "edges_self_loops", "edges_merged"}) {
    const std::string v = std::to_string(f.attr_int("/meta", a));
    out[std::string("attr ") + a].assign(v.begin(), v.end());
  }
  return out;
}

}  // namespace

TEST_F(IngestCli, SameDatasetsOnOneTwoAndFourRanks) {
  write_random_universe([&](const std::string& n, const std::string& t) { write(n, t); });
  std::map<std::string, std::vector<char>> first;
  for (int ranks : {1, 2, 4}) {
    for (const char* chunk : {"", "--chunk-bytes 700"}) {
      const CommandResult r = ingest(ranks, chunk, "u" + std::to_string(ranks) + ".h5");
      ASSERT_EQ(r.status, 0) << r.err;
      const auto d = datasets(path("u" + std::to_string(ranks) + ".h5"));
      EXPECT_GT(d.at("/claims/services").size(), 1000u);
      if (first.empty()) {
        first = d;
        EXPECT_EQ(std::string(d.at("attr claims_rows").begin(), d.at("attr claims_rows").end()), "6000");
      } else {
        for (const auto& [name, bytes] : first) EXPECT_EQ(d.at(name), bytes) << name << " at " << ranks << " ranks " << chunk;
      }
    }
  }
}

TEST_F(IngestCli, ErrorOnALineReadByRankOneHasItsGlobalNumber) {
  std::string c = "npi,code_system,code,week,services,patients\n";
  for (int i = 0; i < 400; ++i) c += "1000000004,CPT,33361,2024-01-01," + std::to_string(i) + ",1\n";
  c += "1000000004,CPT,33361,2024-01-01,x,1\n";  // line 402, in the second half of the bytes
  for (int i = 0; i < 20; ++i) c += "1000000004,CPT,33361,2024-01-01,1,1\n";
  write("claims.csv", c);
  for (const char* chunk : {"", "--chunk-bytes 64"}) {
    expect_failure(ingest(2, chunk), "error: " + path("claims.csv") + ":402: field 'services': 'x' is not a number");
  }
}

// ---- hostile inputs: huge fields, invalid UTF-8, future weeks, overflowing sums -----------

namespace {
const std::string kCut10MB = std::string(80, '9') + "\u2026' (10000000 bytes)";
}  // namespace

TEST_F(IngestCli, HugeFieldIsCutTo80CharactersInTheErrorLine) {
  const std::string huge(10'000'000, '9');
  replace_line("claims.csv", 3, "1000000004,ICD10,I35.0,2024-01-01," + huge + ",2");
  const std::string line = "error: " + path("claims.csv") + ":3: field 'services': '" + kCut10MB + " is larger than 4294967295";
  for (int ranks : {1, 2}) {
    const CommandResult r = ingest(ranks);
    EXPECT_EQ(r.status, 2);
    EXPECT_EQ(r.error_lines(), std::vector<std::string>{line}) << r.err.substr(0, 1000);
    EXPECT_LT(r.err.size(), 2000u);
    EXPECT_EQ(leftovers(), std::vector<std::string>{});
  }
  // Tolerated: the rejects file's reason is cut the same way, its row is the line as read.
  const CommandResult r = ingest(2, "--max-bad-rows 1");
  ASSERT_EQ(r.status, 0) << r.err.substr(0, 1000);
  EXPECT_LT(r.err.size(), 2000u);
  EXPECT_EQ(signalrank::testing::slurp(path("universe.h5.rejects.csv")),
            "file,line,field,reason,row\n" + path("claims.csv") + ",3,services,'" + kCut10MB +
                " is larger than 4294967295,\"1000000004,ICD10,I35.0,2024-01-01," + huge + ",2\"\n");
}

TEST_F(IngestCli, HugeSpecialtyIsABadRow) {
  replace_line("providers.csv", 3, "1000000012,1,207Q00000X," + std::string(10'000'000, 'F') + ",CA,94110");
  const std::string line = "error: " + path("providers.csv") + ":3: field 'specialty': '" + std::string(80, 'F') +
                           "\u2026' (10000000 bytes) is longer than 256 bytes";
  for (int ranks : {1, 2}) {
    const CommandResult r = ingest(ranks);
    EXPECT_EQ(r.status, 2);
    EXPECT_EQ(r.error_lines(), std::vector<std::string>{line}) << r.err.substr(0, 1000);
    EXPECT_EQ(leftovers(), std::vector<std::string>{});
  }
  // Tolerated, the row is left out: the names are stored at the width of the longest one kept.
  const CommandResult r = ingest(2, "--max-bad-rows 1");
  ASSERT_EQ(r.status, 0) << r.err.substr(0, 1000);
  const h5::File f = h5::File::open(path("universe.h5"), nullptr);
  std::size_t width = 0;
  f.read_strings("/providers/specialty_names", 0, f.column_size("/providers/specialty_names"), &width);
  EXPECT_EQ(width, std::string("General Acute Care Hospital, Main").size());
  EXPECT_EQ(column<std::uint64_t>(path("universe.h5"), "/providers/npi"),
            (std::vector<std::uint64_t>{1000000004, 1000000020, 1000000038}));
}

TEST_F(IngestCli, SpecialtyMustBeUtf8WithoutControlCharacters) {
  replace_line("providers.csv", 2, "1000000004,1,207RC0000X,Cardiolog\xE9,NY,10001");
  replace_line("providers.csv", 5, "1000000038,1,207R00000X,\"Internal\x1B]0;owned\x07 Medicine\",PR,00901");
  for (int ranks : {1, 2}) {
    const CommandResult r = ingest(ranks);
    EXPECT_EQ(r.status, 2);
    EXPECT_EQ(r.error_lines(),
              (std::vector<std::string>{
                  "error: " + path("providers.csv") + ":2: field 'specialty': 'Cardiolog\\xE9' is not valid UTF-8 (byte 10)",
                  "error: " + path("providers.csv") +
                      ":5: field 'specialty': 'Internal\\x1B]0;owned\\x07 Medicine' holds a control character (byte 9)",
                  "error: " + path("universe.h5") + ": not written: 2 bad rows, more than --max-bad-rows 0"}))
        << r.err;
    EXPECT_EQ(leftovers(), std::vector<std::string>{});
  }
  // Any valid UTF-8 is kept byte for byte.
  replace_line("providers.csv", 2, "1000000004,1,207RC0000X,Cardiolog\xC3\xAD" "a \xF0\x9F\xAB\x80,NY,10001");
  replace_line("providers.csv", 5, "1000000038,1,207R00000X,Internal Medicine,PR,00901");
  const CommandResult r = ingest(1);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(strings(path("universe.h5"), "/providers/specialty_names")[0], "Cardiolog\xC3\xAD" "a \xF0\x9F\xAB\x80");
}

TEST_F(IngestCli, WeekInTheFutureIsABadRow) {
  const std::string limit = " is in the future: the limit is 2026-12-08 (today 2026-12-01 + 7 days; --today sets today)";
  replace_line("claims.csv", 3, "1000000004,ICD10,I35.0,9999-12-06,2,2");
  replace_line("claims.csv", 5, "1000000020,CPT,99213,2099-12-07,9,9");
  for (int ranks : {1, 2}) {
    const CommandResult r = ingest(ranks, "--today 2026-12-01");
    EXPECT_EQ(r.status, 2);
    EXPECT_EQ(r.error_lines(), (std::vector<std::string>{
                                   "error: " + path("claims.csv") + ":3: field 'week': '9999-12-06'" + limit,
                                   "error: " + path("claims.csv") + ":5: field 'week': '2099-12-07'" + limit,
                                   "error: " + path("universe.h5") + ": not written: 2 bad rows, more than --max-bad-rows 0"}))
        << r.err;
    EXPECT_EQ(leftovers(), std::vector<std::string>{});
  }
  // By the clock (the date is taken before and after, in case the run straddles midnight).
  write("claims.csv", kClaims);
  replace_line("claims.csv", 3, "1000000004,ICD10,I35.0,9999-12-06,2,2");
  const std::int64_t before = std::time(nullptr) / 86400;
  const CommandResult r = ingest(1);
  const std::int64_t after = std::time(nullptr) / 86400;
  auto clock_line = [&](std::int64_t today) {
    return "error: " + path("claims.csv") + ":3: field 'week': '9999-12-06' is in the future: the limit is " +
           format_date(today + 7) + " (today " + format_date(today) + " + 7 days; --today sets today)";
  };
  EXPECT_EQ(r.status, 2);
  ASSERT_EQ(r.error_lines().size(), 1u) << r.err;
  EXPECT_TRUE(r.error_lines()[0] == clock_line(before) || r.error_lines()[0] == clock_line(after)) << r.err;
  EXPECT_EQ(leftovers(), std::vector<std::string>{});
  // The last Monday before the limit is accepted; a replay moves today back.
  replace_line("claims.csv", 3, "1000000004,ICD10,I35.0,2026-12-07,2,2");
  ASSERT_EQ(ingest(2, "--today 2026-12-01").status, 0);
  EXPECT_EQ(ingest(1, "--today 2026-11-29").status, 2);
}

TEST_F(IngestCli, FuturePeriodAndBadTodayAreConfigErrors) {
  write("claims.csv", "Rndrng_NPI,HCPCS_Cd,Tot_Benes,Tot_Srvcs\n1000000004,99213,11,20\n");
  const CommandResult future = ingest(2, "--claims-format cms-puf --period 2099-12-07 --today 2026-12-01");
  EXPECT_EQ(future.status, 3);
  EXPECT_EQ(future.error_lines(),
            std::vector<std::string>{"error: --period: '2099-12-07' is in the future: the limit is 2026-12-08 (today "
                                     "2026-12-01 + 7 days; --today sets today)"})
      << future.err;
  EXPECT_EQ(leftovers(), std::vector<std::string>{});
  const CommandResult bad = ingest(1, "--today 2026-13-01");
  EXPECT_EQ(bad.status, 3);
  EXPECT_EQ(bad.error_lines(), std::vector<std::string>{"error: --today: '2026-13-01' is not a date (YYYY-MM-DD)"});
  EXPECT_EQ(leftovers(), std::vector<std::string>{});
  EXPECT_EQ(ingest(1, "--claims-format cms-puf --period 2026-12-07 --today 2026-12-01").status, 0);
}

TEST_F(IngestCli, DuplicateClaimsWhoseSumOverflowsNameTheLine) {
  // The key's rows are on lines 3 (rank 0's half), 404 and 405 (rank 1's); their services reach
  // 4294967295 exactly on line 404, and one more on line 405.
  std::string c = "npi,code_system,code,week,services,patients\n"
                  "1000000004,CPT,33361,2024-01-01,5,3\n"
                  "1000000012,HCPCS,C1889,2024-01-08,4000000000,4\n";
  for (int i = 0; i < 400; ++i) c += "1000000004,CPT,33361,2024-01-01,1,1\n";
  c += "1000000012,hcpcs,c1889,2024-01-08,294967295,1\n1000000012,HCPCS,C1889,2024-01-08,1,1\n";
  for (int i = 0; i < 20; ++i) c += "1000000020,CPT,99213,2024-01-08,9,9\n";
  write("claims.csv", c);
  const std::string line = "error: " + path("claims.csv") +
                           ":405: field 'services': duplicate rows (NPI 1000000012, HCPCS C1889, week 2024-01-08) sum "
                           "to 4294967296 here, more than 4294967295 (the first of them is on line 3)";
  for (int ranks : {1, 2}) {
    for (const char* extra : {"", "--chunk-bytes 64 --max-bad-rows 5"}) {
      const CommandResult r = ingest(ranks, extra);
      EXPECT_EQ(r.status, 2) << ranks << " ranks " << extra;
      EXPECT_EQ(r.error_lines(), std::vector<std::string>{line}) << r.err;
      EXPECT_EQ(leftovers(), std::vector<std::string>{});
    }
  }
  // Patients overflow alone, in the CMS file (its columns as named in the file).
  write("claims.csv", "Rndrng_NPI,HCPCS_Cd,Tot_Benes,Tot_Srvcs\n1000000004,99213,4294967295,1\n"
                      "1000000012,99213,5,5\n1000000004,99213,0.5,1\n");
  const CommandResult r = ingest(2, "--claims-format cms-puf --period 2024-01-01");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.error_lines(), std::vector<std::string>{"error: " + path("claims.csv") +
                                                      ":4: field 'Tot_Benes': duplicate rows (NPI 1000000004, CPT 99213, "
                                                      "week 2024-01-01) sum to 4294967296 here, more than 4294967295 "
                                                      "(the first of them is on line 2)"})
      << r.err;
  EXPECT_EQ(leftovers(), std::vector<std::string>{});
}

TEST_F(IngestCli, DuplicateEdgesWhoseSumOverflowsNameTheLine) {
  std::string e = kReferrals;  // 1000000004 -> 1000000012 with bene_count 13 on line 1
  for (int i = 0; i < 300; ++i) e += "1000000038,1000000004,12        ,11        ,0\n";
  e += "1000000004,1000000012,25        ,4294967282,0\n";  // line 304: 4294967295, still fits
  e += "1000000004,1000000012,25        ,1         ,0\n";  // line 305
  write("referrals.csv", e);
  const std::string line = "error: " + path("referrals.csv") +
                           ":305: field 'bene_count': duplicate rows (NPI 1000000004 to 1000000012) sum to 4294967296 "
                           "here, more than 4294967295 (the first of them is on line 1)";
  for (int ranks : {1, 2}) {
    const CommandResult r = ingest(ranks, "--chunk-bytes 100");
    EXPECT_EQ(r.status, 2);
    EXPECT_EQ(r.error_lines(), std::vector<std::string>{line}) << r.err;
    EXPECT_EQ(leftovers(), std::vector<std::string>{});
  }
  // One value too large for a count is a bad row of its own (no sum needed).
  write("referrals.csv", "1000000004,1000000012,4294967296,13,0\n");
  expect_failure(ingest(2), "error: " + path("referrals.csv") + ":1: field 'pair_count': '4294967296' is larger than 4294967295");
  write("referrals.csv", kReferrals);
  write("claims.csv", "Rndrng_NPI,HCPCS_Cd,Tot_Benes,Tot_Srvcs\n1000000004,99213,11,4294967295.5\n");
  expect_failure(ingest(1, "--claims-format cms-puf --period 2024-01-01"),
                 "error: " + path("claims.csv") + ":2: field 'Tot_Srvcs': '4294967295.5' is larger than 4294967295");
}

// ---- the write: long paths, failing writes on any rank -------------------------------------------

// Open MPI's sharedfp/lockedfile component aborted the job for an --out over ~200 characters
// (universe.h5 was written with MPI-IO); a name the file system cannot hold is refused up front.
TEST_F(IngestCli, LongOutPathWorksAndTooLongNameIsRefused) {
  std::string folder = dir_.string();
  while (folder.size() < 400) folder += "/" + std::string(50, 'p');
  fs::create_directories(folder);
  const std::string out = folder.substr(dir_.string().size() + 1) + "/universe.h5";
  for (int ranks : {1, 2}) {
    const CommandResult r = ingest(ranks, "", out);
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(column<std::uint64_t>(path(out), "/providers/npi").size(), 4u);
  }
  const std::string too_long(256, 'u');
  const CommandResult r = ingest(2, "", too_long);
  EXPECT_EQ(r.status, 3) << r.err;
  EXPECT_EQ(r.error_lines(), std::vector<std::string>{"error: --out: the name '" + std::string(60, 'u') +
                                                      "...' is 256 bytes long; the file system holds names of at most "
                                                      "255 bytes (with room for the hidden temporary name it is "
                                                      "first written as)"})
      << r.err;
}

// A write that fails on one rank (or on all) stops every rank with the same error, promptly, and
// leaves no universe and no temporary file (it hung, or crashed in HDF5's close, before).
TEST_F(IngestCli, FailingWritesOnAnyRankLeaveNothing) {
  // Rank 0 writes the provider table and the dictionary (~3.5 KB here), rank 1 less than 1 KB.
  const std::pair<const char*, int> cases[] = {{"", 0}, {"", 3000}, {"0", 0}, {"0", 3000}, {"1", 0}};
  for (const auto& [rank, after] : cases) {
    {
      SCOPED_TRACE(std::string("rank '") + rank + "' after " + std::to_string(after));
      const CommandResult r = signalrank::testing::run_command(
          std::string("LD_PRELOAD=") + SIGNALRANK_FAIL_WRITES_LIBRARY + " SIGNALRANK_TEST_FAIL_WRITES=.universe.h5.tmp." +
              " SIGNALRANK_TEST_FAIL_AFTER=" + std::to_string(after) + " SIGNALRANK_TEST_FAIL_RANK=" + rank +
              " timeout 120 " + signalrank::testing::mpirun(2) + SIGNALRANK_BINARY + " ingest" + inputs(),
          scratch_.string());
      EXPECT_EQ(r.status, 70) << r.err;
      ASSERT_EQ(r.error_lines().size(), 1u) << r.err;
      EXPECT_EQ(r.error_lines()[0].rfind("error: " + path("universe.h5") + ": cannot write the universe: ", 0), 0u)
          << r.error_lines()[0];
      EXPECT_NE(r.error_lines()[0].find("No space left on device"), std::string::npos) << r.error_lines()[0];
      EXPECT_EQ(leftovers(), std::vector<std::string>{});
    }
  }
}
