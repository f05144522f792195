// providers.csv (SPEC §2): `npi,entity_type,taxonomy,specialty,state,zip5`, header required.
//
// npi: valid NPI, unique in the file. entity_type: 1 (individual) or 2 (organization).
// taxonomy: a 10-character NUCC code (letters and digits; stored upper-case). specialty: free
// text (may be empty or quoted), at most kMaxSpecialtyBytes bytes of UTF-8 without control
// characters (text::field_problem). state: a USPS code — the 50 states, DC, the territories PR
// VI GU AS MP and the military codes AA AE AP. zip5: five digits.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "io/ingest_common.hpp"
#include "io/universe.hpp"

namespace signalrank::ingest {

inline constexpr std::array<std::string_view, 6> kProviderColumns = {"npi",      "entity_type", "taxonomy",
                                                                     "specialty", "state",      "zip5"};

// The longest specialty name accepted (after trimming). The universe stores the names at the
// width of the longest; the longest NUCC display names are under 100 characters.
inline constexpr std::size_t kMaxSpecialtyBytes = 256;

// True for the USPS codes above (upper-case letters).
bool is_usps_state(std::string_view code);

struct ProvidersLayout {
  std::vector<std::string> names;  // the columns, for messages
  std::size_t data_begin = 0;      // first byte after the header
  std::uint64_t header_lines = 1;
};
// Checks the file is text, not empty, and starts with the header; throws InputError otherwise.
ProvidersLayout read_providers_header(const std::string& file, std::string_view data);

struct ProviderRow {
  std::uint64_t npi = 0;
  std::uint64_t line_index = 0;  // chunk-local
  std::string_view text;         // the line, a view into the mapped file
  std::uint32_t specialty = 0;   // index into the chunk's specialty list
  std::uint8_t entity_type = 0;
  std::array<char, 10> taxonomy{};
  std::array<char, 2> state{};
  std::array<char, 5> zip5{};
};

struct ProvidersChunk : ChunkBase {
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::vector<ProviderRow> rows;
  std::vector<std::string> specialties;  // this chunk's distinct specialty names
  std::unordered_map<std::string, std::uint32_t, Hash, std::equal_to<>> specialty_ids;
};

// Parses the lines of `chunk` (bytes of the file after the header). Never throws on bad data:
// bad rows go to out.bad.
void parse_providers(const ProvidersLayout& layout, std::string_view chunk, ProvidersChunk& out);

// The provider table from every chunk of the file (after number_lines): sorted by NPI, with the
// sorted specialty dictionary. The second and later rows of a repeated NPI are bad rows, added to
// `duplicates` with their file line. Throws InputError for more than 65535 specialties.
Providers build_providers(const std::string& file, std::vector<ProvidersChunk>& chunks, BadRows& duplicates);

}  // namespace signalrank::ingest
