// suppression.csv (SPEC §2): opt-outs and compliance exclusions, one `npi[,reason]` per line,
// optional header `npi,reason`. An empty file suppresses no one. A bad NPI (or a malformed line)
// is an InputError naming file and line; a valid NPI outside the universe is counted and ignored
// (the list is usually kept across universes). Small files: read serially, on any rank.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "io/universe.hpp"

namespace signalrank {

struct SuppressionStats {
  std::uint64_t rows = 0;         // data lines read
  std::uint64_t suppressed = 0;   // distinct providers flagged
  std::uint64_t unknown_npi = 0;  // valid NPIs not in the universe
};

// One flag per provider index (1 = suppressed). Throws InputError on bad input.
std::vector<std::uint8_t> read_suppression(const std::string& path, const Providers& providers,
                                           SuppressionStats* stats = nullptr);

}  // namespace signalrank
