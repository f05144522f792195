// The ingest readers on in-memory files: providers, weekly claims, the CMS by-provider-and-service
// file (current and legacy columns), CMS and hop-teaming referrals, and suppression lists. Each
// file is also read cut into many chunks, which must give the same rows and line numbers.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <functional>
#include <fstream>
#include <string>
#include <vector>

#include "io/csv.hpp"
#include "io/dates.hpp"
#include "io/error.hpp"
#include "io/ingest_claims.hpp"
#include "io/ingest_common.hpp"
#include "io/ingest_providers.hpp"
#include "io/ingest_referrals.hpp"
#include "io/ingest_suppression.hpp"
#include "io/npi.hpp"

using namespace signalrank;
using namespace signalrank::ingest;
namespace fs = std::filesystem;

namespace {

// Valid NPIs: 1000000004, 1000000012, 1000000020, 1000000038, 1234567893 (and 1003000126, which
// the test providers leave out).
const std::string kProviders =
    "npi,entity_type,taxonomy,specialty,state,zip5\n"
    "1000000004,1,207RC0000X,Cardiovascular Disease,NY,10001\n"
    "1000000012,1,207q00000x,Family Medicine,ca,94110\r\n"
    "1000000020,2,282N00000X,\"General Acute Care Hospital, \"\"Main\"\"\",TX,75001\n"
    "1000000038,1,207R00000X,Internal Medicine,AE,09001\n"
    "1234567893,1,207R00000X,,PR,00901\n";

// Reads `data` from `begin` cut into `parts` chunks, numbering lines as ingest does.
template <class Chunk, class Parse>
std::vector<Chunk> read_in_parts(std::string_view data, std::size_t begin, std::uint64_t header_lines, std::size_t parts,
                                 Parse parse) {
  const auto plan = csv::split_at_lines(data, {begin, data.size()}, parts);
  std::vector<Chunk> chunks(plan.size());
  for (auto& c : chunks) c.bad = BadRows(1, 1000);
  for (std::size_t i = 0; i < plan.size(); ++i) parse(data.substr(plan[i].begin, plan[i].size()), chunks[i]);
  number_lines<Chunk>(nullptr, header_lines, chunks);
  return chunks;
}

template <class Chunk>
std::vector<BadRow> bad_rows(const std::vector<Chunk>& chunks) {
  std::vector<BadRow> out;
  for (const auto& c : chunks) out.insert(out.end(), c.bad.rows().begin(), c.bad.rows().end());
  return out;
}

Providers providers_from(const std::string& text, std::size_t parts, std::vector<BadRow>* bad = nullptr) {
  const ProvidersLayout layout = read_providers_header("providers.csv", text);
  auto chunks = read_in_parts<ProvidersChunk>(text, layout.data_begin, 1, parts, [&](std::string_view t, ProvidersChunk& c) {
    parse_providers(layout, t, c);
  });
  BadRows dups(0, 100);
  Providers p = build_providers("providers.csv", chunks, dups);
  if (bad) {
    *bad = bad_rows(chunks);
    bad->insert(bad->end(), dups.rows().begin(), dups.rows().end());
  }
  return p;
}

std::string thrown(const std::function<void()>& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

// ---- providers ---------------------------------------------------------------------------

TEST(Providers, ParsesSortsAndNormalizes) {
  for (std::size_t parts : {1, 2, 5}) {
    std::vector<BadRow> bad;
    const Providers p = providers_from(kProviders, parts, &bad);
    EXPECT_TRUE(bad.empty());
    ASSERT_EQ(p.size(), 5u);
    EXPECT_EQ(p.npi, (std::vector<std::uint64_t>{1000000004, 1000000012, 1000000020, 1000000038, 1234567893}));
    EXPECT_EQ(p.taxonomy_of(1), "207Q00000X");
    EXPECT_EQ(p.state_of(1), "CA");
    EXPECT_EQ(p.state_of(3), "AE");
    EXPECT_EQ(p.zip_of(4), "00901");
    EXPECT_EQ(p.entity_type[2], 2);
    EXPECT_EQ(p.specialty_of(2), "General Acute Care Hospital, \"Main\"");
    EXPECT_EQ(p.specialty_of(4), "");
    EXPECT_TRUE(std::is_sorted(p.specialty_names.begin(), p.specialty_names.end()));
  }
}

TEST(Providers, EachBadFieldIsReportedWithItsLine) {
  const std::string text = kProviders +
                           "1000000046,3,207R00000X,Internal Medicine,NY,10001\n"   // line 7
                           "1000000053,1,207R0000X,Internal Medicine,NY,10001\n"    // line 8
                           "1000000061,1,207R00000X,Internal Medicine,ZZ,10001\n"   // line 9
                           "1000000079,1,207R00000X,Internal Medicine,NY,1001\n"    // line 10
                           "1000000087,1,207R00000X,Internal Medicine,NY\n"         // line 11
                           "1000000090,1,207R00000X,Internal Medicine,NY,10001\n"   // line 12
                           "1000000012,1,207R00000X,Internal Medicine,NY,10001\n";  // line 13
  for (std::size_t parts : {1, 3, 13}) {
    std::vector<BadRow> bad;
    const Providers p = providers_from(text, parts, &bad);
    EXPECT_EQ(p.size(), 5u);
    std::sort(bad.begin(), bad.end(), [](const BadRow& a, const BadRow& b) { return a.line < b.line; });
    ASSERT_EQ(bad.size(), 7u);
    const std::vector<std::tuple<std::uint64_t, std::string, std::string>> want = {
        {7, "entity_type", "'3' is not an entity type (1 individual, 2 organization)"},
        {8, "taxonomy", "'207R0000X' is not a 10-character taxonomy code"},
        {9, "state", "'ZZ' is not a USPS state code"},
        {10, "zip5", "'1001' is not a 5-digit ZIP code"},
        {11, "zip5", "missing: the row has 5 fields, expected 6"},
        {12, "npi", "'1000000090' fails the NPI check digit"},
        {13, "npi", "duplicate NPI 1000000012 (first on line 3)"},
    };
    for (std::size_t i = 0; i < want.size(); ++i) {
      EXPECT_EQ(bad[i].line, std::get<0>(want[i])) << parts;
      EXPECT_EQ(bad[i].field, std::get<1>(want[i]));
      EXPECT_EQ(bad[i].reason, std::get<2>(want[i]));
    }
    EXPECT_EQ(bad[6].text, "1000000012,1,207R00000X,Internal Medicine,NY,10001");
  }
}

TEST(Providers, HeaderProblems) {
  EXPECT_EQ(thrown([] { read_providers_header("p.csv", ""); }), "p.csv:1: empty file");
  EXPECT_EQ(thrown([] { read_providers_header("p.csv", "\n\r\n"); }), "p.csv:1: empty file (blank lines only)");
  EXPECT_EQ(thrown([] { read_providers_header("p.csv", "1000000004,1,207RC0000X,x,NY,10001\n"); }),
            "p.csv:1: field 'npi': missing header line: expected 'npi,entity_type,taxonomy,specialty,state,zip5', "
            "found a data row");
  EXPECT_EQ(thrown([] { read_providers_header("p.csv", "npi,entity,taxonomy,specialty,state,zip5\n"); }),
            "p.csv:1: field 'entity_type': wrong header: column 2 is 'entity' (expected "
            "'npi,entity_type,taxonomy,specialty,state,zip5')");
  EXPECT_EQ(thrown([] { read_providers_header("p.csv", std::string("npi,\0\0\0", 7)); }),
            "p.csv:1: binary data (NUL byte), not a CSV text file");
  // A byte-order mark, upper case and spaces around names are fine.
  EXPECT_EQ(thrown([] { read_providers_header("p.csv", "\xEF\xBB\xBFNPI, entity_type ,taxonomy,specialty,state,zip5\r\n"); }),
            "(no error)");
}

// ---- weekly claims -----------------------------------------------------------------------

namespace {

struct ClaimsResult {
  std::vector<ClaimRow> rows;
  std::vector<csv::CodeKey> codes;  // per row
  std::vector<BadRow> bad;
  std::uint64_t rows_read = 0, lines = 0, unknown = 0, pseudo = 0;
};

ClaimsResult read_claims(const std::string& text, ClaimsFormat format, std::size_t parts, std::int32_t period = 0) {
  const Providers p = providers_from(kProviders, 1);
  const NpiIndex index(p.npi);
  const ClaimsLayout layout = read_claims_header("claims.csv", text, format, period);
  auto chunks = read_in_parts<ClaimsChunk>(text, layout.data_begin, 1, parts, [&](std::string_view t, ClaimsChunk& c) {
    parse_claims(layout, index, t, c);
  });
  ClaimsResult r;
  for (auto& c : chunks) {
    for (const ClaimRow& row : c.rows) {
      r.rows.push_back(row);
      r.codes.push_back(c.codes.keys()[row.code]);
    }
    r.rows_read += c.rows_read;
    r.lines += c.lines;
    r.unknown += c.unknown_npi;
    r.pseudo += c.pseudo_records;
  }
  r.bad = bad_rows(chunks);
  return r;
}

std::int32_t week_of(const char* monday) {
  std::int32_t w = 0;
  EXPECT_EQ(monday_problem(monday, &w), "");
  return w;
}

}  // namespace

TEST(WeeklyClaims, RowsCodesAndUnknownNpis) {
  const std::string text =
      "npi,code_system,code,week,services,patients\r\n"
      "1000000004,CPT,33361,2024-01-01,5,3\r\n"
      "1000000004,ICD10,I35.0,2024-01-01,2,2\r\n"
      "\r\n"
      "1000000004,icd10,i350,2024-01-08,1,1\r\n"
      "1003000126,CPT,99213,2024-01-08,7,4\r\n"  // valid NPI, not a provider
      "1234567893,\"HCPCS\",\"C1889\",2024-01-08,0,0\r\n";
  for (std::size_t parts : {1, 2, 7}) {
    const ClaimsResult r = read_claims(text, ClaimsFormat::weekly, parts);
    EXPECT_TRUE(r.bad.empty());
    EXPECT_EQ(r.lines, 6u);
    EXPECT_EQ(r.rows_read, 5u);
    EXPECT_EQ(r.unknown, 1u);
    ASSERT_EQ(r.rows.size(), 4u);
    EXPECT_EQ(r.rows[0].provider, 0u);
    EXPECT_EQ(r.rows[0].week, week_of("2024-01-01"));
    EXPECT_EQ(r.rows[0].services, 5u);
    EXPECT_EQ(r.rows[0].patients, 3u);
    EXPECT_EQ(r.codes[1], r.codes[2]);  // I35.0 and i350 are one code
    EXPECT_EQ(r.codes[1].code(), "I350");
    EXPECT_EQ(r.codes[3].code(), "C1889");
    EXPECT_EQ(r.codes[3].system, static_cast<std::uint8_t>(CodeSystem::HCPCS));
    EXPECT_EQ(r.rows[3].provider, 4u);
  }
}

TEST(WeeklyClaims, BadRowsNameLineAndField) {
  const std::string text =
      "npi,code_system,code,week,services,patients\n"
      "1000000004,CPT,33361,2024-01-01,5,3\n"
      "1000000005,CPT,33361,2024-01-01,5,3\n"           // 3: check digit
      "1000000004,CPT,33361,2024-01-02,5,3\n"           // 4: not a Monday
      "1000000004,CPT,33361,2024-02-30,5,3\n"           // 5: not a date
      "1000000004,CPT,33361,2024-01-01,-5,3\n"          // 6: negative
      "1000000004,CPT,33361,2024-01-01,5,abc\n"         // 7: not a number
      "1000000004,CPT,33361,2024-01-01,4294967296,3\n"  // 8: overflow
      "1000000004,CPT,33361,2024-01-01,5\n"             // 9: field count
      "1000000004,CPT,\"33361,2024-01-01,5,3\n"         // 10: unterminated quote
      "1000000004,ICD9,33361,2024-01-01,5,3\n"          // 11: unknown code system
      "1000000004,CPT,33361,2024-01-01,5,3,9\n"         // 12: extra field
      "1000000004,CPT,,2024-01-01,5,3\n"                // 13: empty code
      "1000000004,CPT,33361,2024-01-01,5,3\n";
  const std::vector<std::tuple<std::uint64_t, std::string, std::string>> want = {
      {3, "npi", "'1000000005' fails the NPI check digit"},
      {4, "week", "'2024-01-02' is not a Monday"},
      {5, "week", "'2024-02-30' is not a date (YYYY-MM-DD)"},
      {6, "services", "'-5' is negative"},
      {7, "patients", "'abc' is not a number"},
      {8, "services", "'4294967296' is larger than 4294967295"},
      {9, "patients", "missing: the row has 5 fields, expected 6"},
      {10, "code", "unterminated quote (a quoted field cannot span lines)"},
      {11, "code_system", "unknown code system 'ICD9' (expected CPT, HCPCS, ICD10 or NDC)"},
      {12, "patients", "extra data after the last column: the row has 7 fields, expected 6"},
      {13, "code", "empty (a code is required)"},
  };
  for (std::size_t parts : {1, 4, 14}) {
    const ClaimsResult r = read_claims(text, ClaimsFormat::weekly, parts);
    EXPECT_EQ(r.rows.size(), 2u);
    ASSERT_EQ(r.bad.size(), want.size()) << parts;
    for (std::size_t i = 0; i < want.size(); ++i) {
      EXPECT_EQ(r.bad[i].line, std::get<0>(want[i])) << parts;
      EXPECT_EQ(r.bad[i].field, std::get<1>(want[i]));
      EXPECT_EQ(r.bad[i].reason, std::get<2>(want[i]));
    }
  }
}

TEST(WeeklyClaims, NulByteInARowIsBad) {
  const std::string text = "npi,code_system,code,week,services,patients\n" + std::string(70000, '\n') +
                           std::string("1000000004,CPT,333\0" "61,2024-01-01,5,3\n", 37);
  const ClaimsResult r = read_claims(text, ClaimsFormat::weekly, 3);
  ASSERT_EQ(r.bad.size(), 1u);
  EXPECT_EQ(r.bad[0].line, 70002u);
  EXPECT_EQ(r.bad[0].field, "code");
  EXPECT_EQ(r.bad[0].reason, "NUL byte: binary data, not CSV text");
}

// ---- CMS by provider and service ---------------------------------------------------------

TEST(CmsPuf, CurrentColumnsByNameInAnyOrder) {
  const std::string text =
      "Rndrng_Prvdr_Last_Org_Name,Tot_Benes,HCPCS_Cd,HCPCS_Desc,Place_Of_Srvc,Rndrng_NPI,Tot_Srvcs\n"
      "\"Smith, Jr.\",11,99213,\"Office visit, est\",F,1000000004,20.5\n"
      "\"Smith, Jr.\",12.5,99213,\"Office visit, est\",O,1000000004,1.4\n"
      "Jones,13,0001U,Test,O,1000000012,3\n"
      "Jones,14,J1100,Drug,O,1000000012,2.49\n"
      "Gone,15,99213,x,O,1003000126,2\n";
  const std::int32_t period = week_of("2024-01-01");
  for (std::size_t parts : {1, 3}) {
    const ClaimsResult r = read_claims(text, ClaimsFormat::cms_puf, parts, period);
    EXPECT_TRUE(r.bad.empty());
    EXPECT_EQ(r.unknown, 1u);
    ASSERT_EQ(r.rows.size(), 4u);
    for (const auto& row : r.rows) EXPECT_EQ(row.week, period);
    EXPECT_EQ(r.rows[0].services, 21u);  // 20.5 rounds up
    EXPECT_EQ(r.rows[0].patients, 11u);
    EXPECT_EQ(r.rows[1].services, 1u);   // 1.4 rounds down; the two places of service stay two rows
    EXPECT_EQ(r.rows[1].patients, 13u);  // 12.5 rounds away from zero
    EXPECT_EQ(r.codes[2].code(), "0001U");
    EXPECT_EQ(r.codes[2].system, static_cast<std::uint8_t>(CodeSystem::CPT));
    EXPECT_EQ(r.codes[3].code(), "J1100");
    EXPECT_EQ(r.codes[3].system, static_cast<std::uint8_t>(CodeSystem::HCPCS));
    EXPECT_EQ(r.rows[3].services, 2u);
  }
}

TEST(CmsPuf, LegacyTabSeparatedWithCopyrightRecord) {
  const std::string text =
      "npi\tnppes_provider_last_org_name\tnppes_provider_state\tplace_of_service\thcpcs_code\tline_srvc_cnt\t"
      "bene_unique_cnt\n"
      "0000000001\tCPT copyright 2011 American Medical Association.  All Rights Reserved.\t\t\t\t\t\n"
      "1000000004\tSMITH, JOHN\tNY\tF\t99213\t25.0\t12.0\n"
      "1000000020\tGENERAL HOSPITAL\tTX\tO\tG0008\t100\t100\n";
  const ClaimsResult r = read_claims(text, ClaimsFormat::cms_puf, 1, week_of("2013-01-07"));
  EXPECT_TRUE(r.bad.empty()) << (r.bad.empty() ? "" : r.bad[0].reason);
  EXPECT_EQ(r.pseudo, 1u);
  ASSERT_EQ(r.rows.size(), 2u);
  EXPECT_EQ(r.rows[0].services, 25u);
  EXPECT_EQ(r.codes[1].code(), "G0008");
  EXPECT_EQ(r.rows[1].provider, 2u);
}

TEST(CmsPuf, MissingColumnIsNamed) {
  EXPECT_EQ(thrown([] { read_claims_header("c.csv", "Rndrng_NPI,HCPCS_Cd,Tot_Benes\n", ClaimsFormat::cms_puf); }),
            "c.csv:1: field 'Tot_Srvcs': column missing from the header (looked for 'Tot_Srvcs' or 'line_srvc_cnt')");
}

TEST(CmsPuf, BadFractionalCount) {
  const std::string text = "Rndrng_NPI,HCPCS_Cd,Tot_Srvcs,Tot_Benes\n1000000004,99213,-2.5,11\n1000000004,99213,x,11\n";
  const ClaimsResult r = read_claims(text, ClaimsFormat::cms_puf, 1, week_of("2024-01-01"));
  ASSERT_EQ(r.bad.size(), 2u);
  EXPECT_EQ(r.bad[0].field, "Tot_Srvcs");
  EXPECT_EQ(r.bad[0].reason, "'-2.5' is negative");
  EXPECT_EQ(r.bad[1].reason, "'x' is not a number");
}

// ---- referrals ---------------------------------------------------------------------------

namespace {
struct EdgesResult {
  std::vector<EdgeRow> rows;
  std::vector<BadRow> bad;
  std::uint64_t unknown = 0, self_loops = 0, rows_read = 0;
};
EdgesResult read_edges(const std::string& text, ReferralsFormat format, std::size_t parts) {
  const Providers p = providers_from(kProviders, 1);
  const NpiIndex index(p.npi);
  const ReferralsLayout layout = read_referrals_header("r.csv", text, format);
  auto chunks = read_in_parts<EdgesChunk>(text, layout.data_begin, layout.header_lines, parts,
                                          [&](std::string_view t, EdgesChunk& c) { parse_referrals(layout, index, t, c); });
  EdgesResult r;
  for (const auto& c : chunks) {
    r.rows.insert(r.rows.end(), c.rows.begin(), c.rows.end());
    r.unknown += c.unknown_npi;
    r.self_loops += c.self_loops;
    r.rows_read += c.rows_read;
  }
  r.bad = bad_rows(chunks);
  return r;
}
}  // namespace

TEST(Referrals, CmsHeaderlessSpacePadded) {
  const std::string text =
      "1000000004,1000000012,25        ,13        ,0\n"
      "1000000004,1003000126,25        ,13        ,0\n"  // unknown destination
      "1000000012,1000000012,5         ,5         ,5\n"  // self-loop
      "1000000012,1000000020,30,20,1";                   // no final newline
  for (std::size_t parts : {1, 2, 4}) {
    const EdgesResult r = read_edges(text, ReferralsFormat::cms, parts);
    EXPECT_TRUE(r.bad.empty());
    EXPECT_EQ(r.rows_read, 4u);
    EXPECT_EQ(r.unknown, 1u);
    EXPECT_EQ(r.self_loops, 1u);
    ASSERT_EQ(r.rows.size(), 2u);
    EXPECT_EQ(r.rows[0].src, 0u);
    EXPECT_EQ(r.rows[0].dst, 1u);
    EXPECT_EQ(r.rows[0].pair_count, 25u);
    EXPECT_EQ(r.rows[0].bene_count, 13u);
    EXPECT_EQ(r.rows[1].same_day, 1u);
  }
}

TEST(Referrals, CmsWithHeaderAndBadRows) {
  const std::string text =
      "npi_from,npi_to,pair_count,bene_count,same_day_count\n"
      "1000000004,1000000012,25,13,0\n"
      "1000000004,1000000012,25,-13,0\n"
      "1000000004,123,25,13,0\n";
  const EdgesResult r = read_edges(text, ReferralsFormat::cms, 1);
  ASSERT_EQ(r.bad.size(), 2u);
  EXPECT_EQ(r.bad[0].line, 3u);
  EXPECT_EQ(r.bad[0].field, "bene_count");
  EXPECT_EQ(r.bad[1].line, 4u);
  EXPECT_EQ(r.bad[1].field, "npi_to");
  EXPECT_EQ(r.bad[1].reason, "'123' is not a 10-digit NPI");
}

TEST(Referrals, HopTeaming) {
  const std::string text =
      "from_npi,to_npi,patient_count,transaction_count,average_day_wait,std_day_wait\n"
      "1000000004,1000000012,40,95,12.75,30.1\n"
      "1000000012,1000000004,11,11,0,0\n"
      "1000000012,1000000020,11,12,-1.5,0\n";
  const EdgesResult r = read_edges(text, ReferralsFormat::hop_teaming, 1);
  ASSERT_EQ(r.rows.size(), 2u);
  EXPECT_EQ(r.rows[0].bene_count, 40u);  // weight = patient_count
  EXPECT_EQ(r.rows[0].pair_count, 95u);  // transactions
  EXPECT_EQ(r.rows[0].same_day, 0u);
  ASSERT_EQ(r.bad.size(), 1u);
  EXPECT_EQ(r.bad[0].line, 4u);
  EXPECT_EQ(r.bad[0].field, "average_day_wait");
  EXPECT_EQ(thrown([] { read_referrals_header("r.csv", "1000000004,1000000012,40,95,1,1\n", ReferralsFormat::hop_teaming); }),
            "r.csv:1: field 'from_npi': missing header line: expected "
            "'from_npi,to_npi,patient_count,transaction_count,average_day_wait,std_day_wait', found a data row");
}

// ---- suppression -------------------------------------------------------------------------

namespace {
fs::path write_temp(const std::string& name, const std::string& text) {
  const fs::path dir = fs::temp_directory_path() / ("signalrank_readers_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / name, std::ios::binary) << text;
  return dir / name;
}
}  // namespace

TEST(Suppression, FlagsProvidersAndCountsUnknownNpis) {
  const Providers p = providers_from(kProviders, 1);
  SuppressionStats s;
  auto flags = read_suppression(write_temp("s1.csv", "npi,reason\n1000000012,opt-out\n1003000126,\"left, retired\"\n1234567893\n1000000012,again\n").string(), p, &s);
  EXPECT_EQ(flags, (std::vector<std::uint8_t>{0, 1, 0, 0, 1}));
  EXPECT_EQ(s.rows, 4u);
  EXPECT_EQ(s.suppressed, 2u);
  EXPECT_EQ(s.unknown_npi, 1u);
  flags = read_suppression(write_temp("s2.csv", "1000000004\r\n").string(), p);
  EXPECT_EQ(flags[0], 1);
  flags = read_suppression(write_temp("s3.csv", "").string(), p);
  EXPECT_EQ(flags, std::vector<std::uint8_t>(5, 0));
}

TEST(Suppression, BadNpiNamesFileAndLine) {
  const Providers p = providers_from(kProviders, 1);
  const std::string path = write_temp("s4.csv", "npi\n1000000004\n1000000005,typo\n").string();
  EXPECT_EQ(thrown([&] { read_suppression(path, p); }), path + ":3: field 'npi': '1000000005' fails the NPI check digit");
  const std::string path2 = write_temp("s5.csv", "1000000004,a,b\n").string();
  EXPECT_EQ(thrown([&] { read_suppression(path2, p); }), path2 + ":1: field 'reason': the row has 3 fields, expected npi[,reason]");
  EXPECT_EQ(thrown([&] { read_suppression("/nonexistent/s.csv", p); }), "/nonexistent/s.csv: cannot open: No such file or directory");
}

// ---- hostile text: long fields, invalid UTF-8, weeks in the future ------------------------

TEST(Providers, SpecialtyNamesAreBoundedUtf8WithoutControlCharacters) {
  const std::string huge(10'000'000, 'S');
  const std::string text = kProviders +
                           "1000000046,1,207R00000X," + huge + ",NY,10001\n"                // line 7
                           "1000000053,1,207R00000X,Cardiolog\xE9,NY,10001\n"              // line 8
                           "1000000061,1,207R00000X,Cardiolog\xE9,NY,10001\n"              // line 9: the same name again
                           "1000000079,1,207R00000X,Fam\x1B[2Jily,NY,10001\n"              // line 10
                           "1000000087,1,207R00000X," + std::string(257, 'x') + ",NY,10001\n"  // line 11
                           "1000000095,1,207R00000X," + std::string(256, 'x') + ",NY,10001\n"  // fine: the limit
                           "1000000103,1,207R00000X,\xF0\x9F\xA9\xBA Cardiology,NY,10001\n";   // fine: an emoji
  for (std::size_t parts : {1, 4, 16}) {
    std::vector<BadRow> bad;
    const Providers p = providers_from(text, parts, &bad);
    std::sort(bad.begin(), bad.end(), [](const BadRow& a, const BadRow& b) { return a.line < b.line; });
    const std::vector<std::pair<std::uint64_t, std::string>> want = {
        {7, "'" + std::string(80, 'S') + "\u2026' (10000000 bytes) is longer than 256 bytes"},
        {8, "'Cardiolog\\xE9' is not valid UTF-8 (byte 10)"},
        {9, "'Cardiolog\\xE9' is not valid UTF-8 (byte 10)"},
        {10, "'Fam\\x1B[2Jily' holds a control character (byte 4)"},
        {11, "'" + std::string(80, 'x') + "\u2026' (257 bytes) is longer than 256 bytes"},
    };
    ASSERT_EQ(bad.size(), want.size()) << parts;
    for (std::size_t i = 0; i < want.size(); ++i) {
      EXPECT_EQ(bad[i].line, want[i].first) << parts;
      EXPECT_EQ(bad[i].field, "specialty");
      EXPECT_EQ(bad[i].reason, want[i].second);
    }
    EXPECT_EQ(bad[0].text.size(), huge.size() + 33);  // the rejects file keeps the line whole
    ASSERT_EQ(p.size(), 7u);
    std::size_t widest = 0;
    for (const auto& n : p.specialty_names) widest = std::max(widest, n.size());
    EXPECT_EQ(widest, 256u);
    EXPECT_EQ(p.specialty_of(5), "\xF0\x9F\xA9\xBA Cardiology");
  }
}

TEST(Headers, ValuesEchoedFromAHeaderAreBounded) {
  const std::string huge(10'000'000, 'h');
  EXPECT_EQ(thrown([&] { read_providers_header("p.csv", "npi,entity_type,taxonomy,specialty,state," + huge + "\n"); }),
            "p.csv:1: field 'zip5': wrong header: column 6 is '" + std::string(80, 'h') +
                "\u2026' (10000000 bytes) (expected 'npi,entity_type,taxonomy,specialty,state,zip5')");
  EXPECT_EQ(thrown([&] { read_providers_header("p.csv", "npi,entity_type,taxonomy,specialty,state,zip5," + huge + "\n"); }),
            "p.csv:1: field '" + std::string(80, 'h') +
                "\u2026': wrong header: unexpected column 7 (expected 'npi,entity_type,taxonomy,specialty,state,zip5')");
  // A column of the CMS file that ingest ignores still names the fields of short rows: shown, bounded.
  const std::string text = "Rndrng_NPI,HCPCS_Cd,Tot_Srvcs,Tot_Benes," + huge + "\xFF\n1000000004,99213,1,1\n";
  const ClaimsResult r = read_claims(text, ClaimsFormat::cms_puf, 1, week_of("2024-01-01"));
  ASSERT_EQ(r.bad.size(), 1u);
  EXPECT_EQ(r.bad[0].field, std::string(80, 'h') + "\u2026");
  EXPECT_EQ(r.bad[0].reason, "missing: the row has 4 fields, expected 5");
}

TEST(WeeklyClaims, HugeValuesAreCutInTheReason) {
  const std::string huge(10'000'000, '7');
  const std::string text = "npi,code_system,code,week,services,patients\n"
                           "1000000004,CPT,33361,2024-01-01," + huge + ",1\n"
                           "1000000004,CPT,33361," + huge + ",1,1\n"
                           "1000000004," + huge + ",33361,2024-01-01,1,1\n"
                           "1000000004,CPT," + huge + ",2024-01-01,1,1\n"
                           + huge + ",CPT,33361,2024-01-01,1,1\n";
  const std::string cut = "'" + std::string(80, '7') + "\u2026' (10000000 bytes)";
  const ClaimsResult r = read_claims(text, ClaimsFormat::weekly, 3);
  const std::vector<std::pair<std::string, std::string>> want = {
      {"services", cut + " is larger than 4294967295"},
      {"week", cut + " is not a date (YYYY-MM-DD)"},
      {"code_system", "unknown code system " + cut + " (expected CPT, HCPCS, ICD10 or NDC)"},
      {"code", cut + " is longer than 16 characters"},
      {"npi", cut + " is not a 10-digit NPI"},
  };
  ASSERT_EQ(r.bad.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(r.bad[i].line, i + 2);
    EXPECT_EQ(r.bad[i].field, want[i].first);
    EXPECT_EQ(r.bad[i].reason, want[i].second);
  }
}

namespace {
ClaimsResult read_claims_on(const std::string& text, const char* today, std::size_t parts) {
  const Providers p = providers_from(kProviders, 1);
  const NpiIndex index(p.npi);
  ClaimsLayout layout = read_claims_header("claims.csv", text, ClaimsFormat::weekly);
  layout.set_today(*parse_date(today));
  auto chunks = read_in_parts<ClaimsChunk>(text, layout.data_begin, 1, parts, [&](std::string_view t, ClaimsChunk& c) {
    parse_claims(layout, index, t, c);
  });
  ClaimsResult r;
  for (auto& c : chunks) r.rows.insert(r.rows.end(), c.rows.begin(), c.rows.end());
  r.bad = bad_rows(chunks);
  return r;
}
}  // namespace

TEST(WeeklyClaims, WeeksLaterThanTodayPlusSevenDaysAreBadRows) {
  // Today is a Tuesday: the limit is the next Tuesday, so next Monday is the last week accepted.
  EXPECT_EQ(latest_week(*parse_date("2026-12-01")), week_of("2026-12-07"));
  EXPECT_EQ(latest_week(*parse_date("2026-11-30")), week_of("2026-12-07"));  // a Monday: + 7 is a Monday
  EXPECT_EQ(latest_week(*parse_date("2026-12-06")), week_of("2026-12-07"));  // a Sunday
  EXPECT_EQ(latest_week(*parse_date("2026-12-07")), week_of("2026-12-14"));
  const std::string text =
      "npi,code_system,code,week,services,patients\n"
      "1000000004,CPT,33361,2026-11-16,5,3\n"
      "1000000004,CPT,33361,2026-12-07,5,3\n"
      "1000000004,CPT,33361,2026-12-14,5,3\n"  // 3: the Monday after the limit
      "1000000004,CPT,33361,2099-12-07,5,3\n"  // 4
      "1000000004,CPT,33361,9999-12-06,5,3\n"  // 5
      "1000000004,CPT,33361,9999-12-06,5,3\n"; // 6: the same text again is not taken from the cache
  const std::string limit = " is in the future: the limit is 2026-12-08 (today 2026-12-01 + 7 days; --today sets today)";
  for (std::size_t parts : {1, 3}) {
    const ClaimsResult r = read_claims_on(text, "2026-12-01", parts);
    EXPECT_EQ(r.rows.size(), 2u);
    ASSERT_EQ(r.bad.size(), 4u);
    const std::vector<std::pair<std::uint64_t, std::string>> want = {
        {4, "'2026-12-14'" + limit}, {5, "'2099-12-07'" + limit}, {6, "'9999-12-06'" + limit}, {7, "'9999-12-06'" + limit}};
    for (std::size_t i = 0; i < want.size(); ++i) {
      EXPECT_EQ(r.bad[i].line, want[i].first) << parts;
      EXPECT_EQ(r.bad[i].field, "week");
      EXPECT_EQ(r.bad[i].reason, want[i].second);
    }
  }
  // A replay of an old file with today set back: its own weeks are fine, later ones are not.
  const ClaimsResult old = read_claims_on(text, "2026-11-16", 1);
  EXPECT_EQ(old.rows.size(), 1u);
  EXPECT_EQ(old.bad.size(), 5u);
}

// ---- finding the rows of one key again (the overflow of duplicate sums) ------------------

TEST(WeeklyClaims, FindClaimsReturnsTheKeysRowsAndLines) {
  const std::string text =
      "npi,code_system,code,week,services,patients\n"
      "1000000004,CPT,33361,2024-01-01,5,3\n"
      "1000000004,ICD10,I35.0,2024-01-01,2,2\n"   // 3
      "1000000005,ICD10,I35.0,2024-01-01,9,9\n"   // bad row: never found
      "1000000004,icd10,i350,2024-01-01,7,1\n"    // 5: the same code, normalized
      "1000000004,ICD10,I350,2024-01-08,7,1\n"    // another week
      "1000000012,ICD10,I350,2024-01-01,7,1\n"    // another provider
      "1000000004,ICD10,\"I35.0\",2024-01-01,4000000000,4\n";  // 8
  const Providers p = providers_from(kProviders, 1);
  const NpiIndex index(p.npi);
  const ClaimsLayout layout = read_claims_header("claims.csv", text, ClaimsFormat::weekly);
  csv::CodeKey code;
  ASSERT_EQ(csv::make_code_key(CodeSystem::ICD10, "I350", &code), csv::CodeError::none);
  const ClaimRow key{0, week_of("2024-01-01"), 0, 0, 0};
  for (std::size_t parts : {1, 3, 8}) {
    struct Chunk : ClaimsChunk {
      std::vector<CountsAtLine> found;
    };
    auto chunks = read_in_parts<Chunk>(text, layout.data_begin, 1, parts, [&](std::string_view t, Chunk& c) {
      find_claims(layout, index, t, key, code, c, c.found);
    });
    std::vector<std::array<std::uint64_t, 3>> got;
    for (const auto& c : chunks)
      for (const auto& f : c.found) got.push_back({c.first_line + f.line, f.counts[0], f.counts[1]});
    EXPECT_EQ(got, (std::vector<std::array<std::uint64_t, 3>>{{3, 2, 2}, {5, 7, 1}, {8, 4000000000, 4}})) << parts;
  }
}

TEST(Referrals, FindEdgesReturnsTheKeysRowsAndLines) {
  const std::string text =
      "from_npi,to_npi,patient_count,transaction_count,average_day_wait,std_day_wait\n"
      "1000000004,1000000012,40,95,1,1\n"        // 2
      "1000000012,1000000004,11,11,0,0\n"
      "1000000004,1000000012,11,12,-1.5,0\n"     // bad row
      "1000000004,1000000012,12,13,0,0\n";       // 5
  const Providers p = providers_from(kProviders, 1);
  const NpiIndex index(p.npi);
  const ReferralsLayout layout = read_referrals_header("r.csv", text, ReferralsFormat::hop_teaming);
  struct Chunk : EdgesChunk {
    std::vector<CountsAtLine> found;
  };
  auto chunks = read_in_parts<Chunk>(text, layout.data_begin, layout.header_lines, 2, [&](std::string_view t, Chunk& c) {
    find_edges(layout, index, t, EdgeRow{0, 1, 0, 0, 0}, c, c.found);
  });
  std::vector<std::array<std::uint64_t, 3>> got;
  for (const auto& c : chunks)
    for (const auto& f : c.found) got.push_back({c.first_line + f.line, f.counts[0], f.counts[1]});
  EXPECT_EQ(got, (std::vector<std::array<std::uint64_t, 3>>{{2, 95, 40}, {5, 13, 12}}));  // pair, bene
  EXPECT_EQ(edge_count_columns(ReferralsFormat::hop_teaming), (std::array<std::size_t, 3>{3, 2, kNoColumn}));
  EXPECT_EQ(edge_count_columns(ReferralsFormat::cms), (std::array<std::size_t, 3>{2, 3, 4}));
}
