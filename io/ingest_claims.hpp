// Claims input (SPEC §2), in two formats:
//
// weekly  — `npi,code_system,code,week,services,patients`, header required; week a Monday
//           (YYYY-MM-DD) at most kFutureDays after today, counts whole numbers 0..2^32-1.
// cms-puf — the CMS "Medicare Physician & Other Practitioners — by Provider and Service" file as
//           published: columns found BY NAME in any order, current names (Rndrng_NPI, HCPCS_Cd,
//           Tot_Srvcs, Tot_Benes) or the 2012–2016 legacy names (npi, hcpcs_code, line_srvc_cnt,
//           bene_unique_cnt); the legacy files are tab-separated (detected from the header). The
//           whole file is one period (`--period`, a Monday). Codes keep leading zeros; one that
//           starts with a digit is CPT, else HCPCS. Fractional counts round half away from zero.
//           The 2012 file's copyright pseudo-record (NPI 0000000001) is skipped and counted.
//           Rows differing only by place of service become duplicates that write_universe sums.
//           --period must not be in the future (kFutureDays; checked by ingest, exit 3).
//
// Codes are normalized (upper-case, dots removed: `I35.0` = `I350`). A valid NPI that is not in
// providers.csv is not an error: the row is skipped and counted.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "io/ingest_common.hpp"
#include "io/universe.hpp"

namespace signalrank::ingest {

enum class ClaimsFormat : std::uint8_t { weekly, cms_puf };

inline constexpr std::array<std::string_view, 6> kWeeklyClaimsColumns = {"npi",  "code_system", "code",
                                                                         "week", "services",    "patients"};

struct ClaimsLayout {
  static constexpr std::size_t kNone = static_cast<std::size_t>(-1);
  ClaimsFormat format = ClaimsFormat::weekly;
  char delimiter = ',';
  std::vector<std::string> names;  // every column, spelled as in the header
  std::size_t npi = 0, system = kNone, code = 0, week = kNone, services = 0, patients = 0;
  std::int32_t period_week = 0;  // cms-puf: the week every row lands in
  std::size_t data_begin = 0;
  std::uint64_t header_lines = 1;
  // Weeks later than latest_week are in the future: bad rows (see set_today). Without a clock
  // set (unit tests), any week is accepted.
  std::int64_t today = 0;  // days since 1970-01-01
  std::int32_t latest_week = INT32_MAX;
  void set_today(std::int64_t days);
};

// Claims may be dated up to this many days after ingest's today: the current week, and next
// week's Monday (a feed cut on a Sunday in another time zone). A later week is a bad row (one
// stray 9999-12-06 would otherwise become `score --as-of latest`, with no volume in any window).
inline constexpr std::int64_t kFutureDays = 7;
// The last Monday number on or before today + kFutureDays.
std::int32_t latest_week(std::int64_t today);
// The reason for a week (or --period) later than that: names the limit and today.
std::string future_reason(std::string_view week_text, std::int64_t today);

// Checks the file is text, not empty, and has the header its format needs; throws InputError.
ClaimsLayout read_claims_header(const std::string& file, std::string_view data, ClaimsFormat format,
                                std::int32_t period_week = 0);

struct ClaimsChunk : ChunkBase {
  std::vector<ClaimRow> rows;  // `code` indexes `codes` until the caller remaps it
  CodeTable codes;
  std::uint64_t unknown_npi = 0;     // valid NPIs not in the universe (rows skipped)
  std::uint64_t pseudo_records = 0;  // cms-puf copyright records (skipped)
};

// Parses the lines of `chunk` (bytes of the file after the header). Never throws on bad data.
void parse_claims(const ClaimsLayout& layout, const NpiIndex& providers, std::string_view chunk, ClaimsChunk& out);

// The rows parse_claims would keep with the provider and week of `key` and the code `code`, as
// (chunk-local line index, {services, patients, 0}), parsed by the same rules. This is how ingest
// names the line whose duplicate rows overflow a sum (write_universe merges them after the
// lines are gone): the file is read again on that error path only.
void find_claims(const ClaimsLayout& layout, const NpiIndex& providers, std::string_view chunk, const ClaimRow& key,
                 const csv::CodeKey& code, ClaimsChunk& out, std::vector<CountsAtLine>& found);

}  // namespace signalrank::ingest
