// The collective steps of ingest at 1, 2 and 4 ranks: a file split over ranks and threads gets
// exact global line numbers; bad rows reach rank 0 in file/line order; the code dictionary is the
// same on every rank and every rank's codes map into it; duplicate sums that overflow stop every
// rank before anything is written.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "io/csv.hpp"
#include "io/ingest_common.hpp"
#include "io/ingest_referrals.hpp"
#include "io/npi.hpp"
#include "io/universe.hpp"
#include "partition/comm.hpp"

using namespace signalrank;
using namespace signalrank::ingest;
namespace fs = std::filesystem;

namespace {

// A headerless CMS referral file of `n` lines where every 37th line is bad and every 11th blank.
std::string referral_file(int n, std::vector<std::uint64_t>* bad_lines, std::vector<std::uint64_t>* npis) {
  for (std::uint64_t b = 100000000; b < 100000020; ++b) npis->push_back(npi_from_body(b));
  std::string s;
  for (int line = 1; line <= n; ++line) {
    if (line % 11 == 0) {
      s += "\r\n";
    } else if (line % 37 == 0) {
      s += std::to_string((*npis)[line % 20]) + ",1000000005,30,20,1\n";
      bad_lines->push_back(static_cast<std::uint64_t>(line));
    } else {
      s += std::to_string((*npis)[line % 20]) + "," + std::to_string((*npis)[(line * 7 + 3) % 20]) + ",30        ,20 ,1\n";
    }
  }
  return s;
}

}  // namespace

TEST(IngestMpi, LineNumbersAreGlobalWhateverTheSplit) {
  const Comm comm;
  std::vector<std::uint64_t> want, npis;
  const std::string data = referral_file(5000, &want, &npis);
  const NpiIndex index(npis);
  const ReferralsLayout layout = read_referrals_header("r.csv", data, ReferralsFormat::cms);
  ASSERT_EQ(layout.header_lines, 0u);
  for (std::size_t chunk_bytes : {std::size_t{1} << 20, std::size_t{997}, std::size_t{40}}) {
    const auto plan = plan_chunks(data, layout.data_begin, comm.rank(), comm.size(), chunk_bytes, 3);
    std::vector<EdgesChunk> chunks(plan.size());
    for (std::size_t i = 0; i < plan.size(); ++i) {
      chunks[i].bad = BadRows(2, 1000);
      parse_referrals(layout, index, std::string_view(data).substr(plan[i].begin, plan[i].size()), chunks[i]);
    }
    number_lines(&comm, layout.header_lines, chunks);
    std::vector<BadRow> local;
    std::uint64_t count = 0, rows = 0, lines = 0;
    for (auto& c : chunks) {
      count += c.bad.count();
      rows += c.rows.size() + c.self_loops;
      lines += c.lines;
      local.insert(local.end(), c.bad.rows().begin(), c.bad.rows().end());
    }
    EXPECT_EQ(comm.sum(lines), 5000u);
    EXPECT_EQ(comm.sum(rows) + comm.sum(count), 5000u - 5000u / 11);
    const BadRowReport report = gather_bad_rows(comm, local, count, 1000, 20);
    EXPECT_EQ(report.total, want.size());
    if (comm.root()) {
      ASSERT_EQ(report.rows.size(), want.size());
      for (std::size_t i = 0; i < want.size(); ++i) {
        EXPECT_EQ(report.rows[i].line, want[i]) << chunk_bytes;
        EXPECT_EQ(report.rows[i].field, "npi_to");
        EXPECT_EQ(report.rows[i].file, 2);
      }
    }
  }
}

TEST(IngestMpi, OnlyTheFirstRowsTravelWhenTheRunFails) {
  const Comm comm;
  std::vector<BadRow> local;
  // Rank r holds lines r+1, r+1+size, ... of file 1 and one row of file 0, unsorted.
  for (int k = 9; k >= 0; --k)
    local.push_back({1, static_cast<std::uint64_t>(comm.rank() + 1 + k * comm.size()), "f", "r", "t"});
  local.push_back({0, static_cast<std::uint64_t>(100 + comm.rank()), "g", "r", "t"});
  BadRowReport all = gather_bad_rows(comm, local, local.size(), 1000, 5);
  EXPECT_EQ(all.total, 11u * static_cast<std::uint64_t>(comm.size()));
  BadRowReport first = gather_bad_rows(comm, local, local.size(), 0, 5);
  if (comm.root()) {
    ASSERT_EQ(all.rows.size(), all.total);
    EXPECT_TRUE(std::is_sorted(all.rows.begin(), all.rows.end(), [](const BadRow& a, const BadRow& b) {
      return a.file != b.file ? a.file < b.file : a.line < b.line;
    }));
    ASSERT_EQ(first.rows.size(), 5u);
    for (int i = 0; i < std::min(comm.size(), 5); ++i) EXPECT_EQ(first.rows[i].file, 0);
    if (comm.size() < 5) {
      EXPECT_EQ(first.rows[comm.size()].line, 1u);
    }
  } else {
    EXPECT_TRUE(all.rows.empty());
  }
}

TEST(IngestMpi, CodeDictionaryIsTheSameEverywhere) {
  const Comm comm;
  std::vector<csv::CodeKey> local;
  auto add = [&](CodeSystem s, const std::string& code) {
    csv::CodeKey k;
    ASSERT_EQ(csv::make_code_key(s, code, &k), csv::CodeError::none);
    local.push_back(k);
  };
  add(CodeSystem::ICD10, "I35.0");
  add(CodeSystem::CPT, "9936" + std::to_string(comm.rank()));
  if (comm.rank() % 2 == 1) add(CodeSystem::HCPCS, "C1889");
  std::vector<std::uint32_t> to_global;
  const std::vector<Code> codes = merge_codes(comm, local, &to_global);
  std::vector<Code> want;
  for (int r = 0; r < comm.size(); ++r) want.push_back({CodeSystem::CPT, "9936" + std::to_string(r)});
  if (comm.size() > 1) want.push_back({CodeSystem::HCPCS, "C1889"});
  want.push_back({CodeSystem::ICD10, "I350"});
  EXPECT_EQ(codes, want);
  for (std::size_t i = 0; i < local.size(); ++i) {
    EXPECT_EQ(codes[to_global[i]].code, local[i].code());
    EXPECT_EQ(static_cast<std::uint8_t>(codes[to_global[i]].system), local[i].system);
  }
}

// write_universe sums duplicate rows after routing them to their owners. A sum that does not fit
// in 32 bits stops every rank together, before the file exists, naming the first key in key
// order (claims before edges) whichever rank owns it.
TEST(IngestMpi, OverflowingDuplicateSumsStopEveryRankBeforeWriting) {
  const Comm comm;
  Providers p;
  for (std::uint64_t b = 100000000; b < 100000008; ++b) {
    p.npi.push_back(npi_from_body(b));
    p.entity_type.push_back(1);
    p.taxonomy.push_back({'2', '0', '7', 'R', '0', '0', '0', '0', '0', 'X'});
    p.specialty.push_back(0);
    p.state.push_back({'N', 'Y'});
    p.zip5.push_back({'1', '0', '0', '0', '1'});
  }
  p.specialty_names = {"Internal Medicine"};
  const std::vector<Code> codes = {{CodeSystem::CPT, "99213"}, {CodeSystem::CPT, "99214"}};
  std::string dir = comm.root() ? (fs::temp_directory_path() / ("signalrank_overflow_" + std::to_string(::getpid()))).string()
                                : std::string();
  comm.bcast(dir);
  if (comm.root()) fs::create_directories(dir);
  comm.barrier();
  const std::string out = dir + "/universe.h5";
  const std::uint32_t half = 1u << 31;  // two of them overflow
  // Every rank holds one row of each key: the sums overflow at 2 ranks and more; at 1 rank the
  // rows are doubled.
  const int copies = comm.size() == 1 ? 2 : 1;
  auto run = [&](bool claims_overflow) -> std::string {
    std::vector<ClaimRow> claims;
    std::vector<EdgeRow> edges;
    for (int k = 0; k < copies; ++k) {
      claims.push_back({7, 2800, 1, claims_overflow ? half : 1, 1});  // the last provider's key
      claims.push_back({2, 2801, 0, 5, claims_overflow ? half : 1});  // the first key that overflows
      claims.push_back({2, 2800, 1, 1, 1});                            // fits
      edges.push_back({6, 5, half, 1, 1});
      edges.push_back({1, 3, 1, half, 0});
    }
    try {
      write_universe(comm, out, p, codes, claims, edges, UniverseMeta{});
    } catch (const DuplicateSumOverflow& e) {
      return e.in_claims ? "claim " + std::to_string(e.claim.provider) + " " + std::to_string(e.claim.week) + " " +
                               std::to_string(e.claim.code)
                         : "edge " + std::to_string(e.edge.src) + " " + std::to_string(e.edge.dst);
    }
    return "written";
  };
  const std::string first = run(true);
  EXPECT_EQ(first, "claim 2 2801 0");
  const std::string second = run(false);
  EXPECT_EQ(second, "edge 1 3");
  EXPECT_TRUE(comm.all(first == "claim 2 2801 0" && second == "edge 1 3"));
  EXPECT_FALSE(fs::exists(out));
  comm.barrier();
  if (comm.root()) {
    EXPECT_TRUE(fs::is_empty(dir));  // no temporary left either
    fs::remove_all(dir);
  }
}
