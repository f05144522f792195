// Referral (shared-patient) edges, SPEC §2 and DATA-FORMATS.md, in two formats:
//
// cms         — `npi_from,npi_to,pair_count,bene_count,same_day_count`, header optional (the
//               published files have none), numbers space-padded (trimmed). Weight = bene_count.
// hop-teaming — CareSet's `from_npi,to_npi,patient_count,transaction_count,average_day_wait,
//               std_day_wait`, header required. bene_count = patient_count, pair_count =
//               transaction_count, same_day = 0; the waits are checked as non-negative decimals.
//
// Edges touching a valid NPI that is not in providers.csv, and self-loops, are not errors: they
// are dropped and counted. Duplicate edges are summed by write_universe.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "io/ingest_common.hpp"
#include "io/universe.hpp"

namespace signalrank::ingest {

enum class ReferralsFormat : std::uint8_t { cms, hop_teaming };

inline constexpr std::array<std::string_view, 5> kCmsReferralColumns = {"npi_from", "npi_to", "pair_count",
                                                                        "bene_count", "same_day_count"};
inline constexpr std::array<std::string_view, 6> kHopTeamingColumns = {
    "from_npi", "to_npi", "patient_count", "transaction_count", "average_day_wait", "std_day_wait"};

struct ReferralsLayout {
  ReferralsFormat format = ReferralsFormat::cms;
  std::vector<std::string> names;
  std::size_t data_begin = 0;
  std::uint64_t header_lines = 0;
};

// Checks the file is text and not empty, and reads or detects the header; throws InputError.
ReferralsLayout read_referrals_header(const std::string& file, std::string_view data, ReferralsFormat format);

struct EdgesChunk : ChunkBase {
  std::vector<EdgeRow> rows;
  std::uint64_t unknown_npi = 0;  // edges with an endpoint outside the universe
  std::uint64_t self_loops = 0;
};

// Parses the lines of `chunk` (bytes of the file after any header). Never throws on bad data.
void parse_referrals(const ReferralsLayout& layout, const NpiIndex& providers, std::string_view chunk, EdgesChunk& out);

// The edges parse_referrals would keep from key.src to key.dst, as (chunk-local line index,
// {pair_count, bene_count, same_day}), parsed by the same rules: how ingest names the line whose
// duplicate edges overflow a sum (see find_claims).
void find_edges(const ReferralsLayout& layout, const NpiIndex& providers, std::string_view chunk, const EdgeRow& key,
                EdgesChunk& out, std::vector<CountsAtLine>& found);
// The columns of the file that hold pair_count, bene_count and same_day_count, in that order
// (kNoColumn: not in this format).
inline constexpr std::size_t kNoColumn = static_cast<std::size_t>(-1);
std::array<std::size_t, 3> edge_count_columns(ReferralsFormat format);

}  // namespace signalrank::ingest
