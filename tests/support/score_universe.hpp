// The hand-built universe of the score end-to-end tests (3,000 providers, a heavy-tailed referral
// graph with hubs, dangling and isolated providers, weekly claims of campaign and other codes,
// some providers jumping in the last weeks, two suppressed) and a campaign file for it.
#pragma once
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "io/dates.hpp"
#include "io/npi.hpp"
#include "io/universe.hpp"

namespace signalrank::testing {

inline const std::string kLastMonday = "2026-11-16";

// Writes DIR/universe.h5 and DIR/suppression.csv.
inline void build_score_universe(const std::filesystem::path& dir) {
  namespace fs = std::filesystem;
  fs::create_directories(dir);
  const std::size_t P = 3000;
  std::mt19937_64 rng(2026);
  Providers p;
  p.specialty_names = {"Cardiovascular Disease", "Family Medicine", "General Acute Care Hospital"};
  for (std::size_t i = 0; i < P; ++i) {
    p.npi.push_back(npi_from_body(123400000 + 37 * i));
    const bool org = i % 10 == 0;
    p.entity_type.push_back(org ? 2 : 1);
    p.taxonomy.push_back(org ? std::array<char, 10>{'2', '8', '2', 'N', '0', '0', '0', '0', '0', 'X'}
                             : std::array<char, 10>{'2', '0', '7', 'R', 'C', '0', '0', '0', '0', 'X'});
    p.specialty.push_back(org ? 2 : (i % 3 == 0 ? 0 : 1));
    p.state.push_back(i % 4 == 0 ? std::array<char, 2>{'P', 'A'} : std::array<char, 2>{'O', 'H'});
    p.zip5.push_back({'4', '4', '1', '0', '1'});
  }
  std::vector<Code> codes = {{CodeSystem::CPT, "33361"}, {CodeSystem::CPT, "33365"}, {CodeSystem::CPT, "99213"},
                             {CodeSystem::ICD10, "I350"}, {CodeSystem::HCPCS, "C1889"}};
  std::int32_t last = 0;
  monday_problem(kLastMonday, &last);
  std::vector<ClaimRow> claims;
  std::poisson_distribution<int> base(2.0);
  for (std::uint32_t i = 0; i < P; ++i) {
    const bool doer = i % 5 != 0;
    const bool jumper = i % 37 == 0;
    const bool new_writer = i % 41 == 0;
    for (std::int32_t w = last - 80; w <= last; ++w) {
      if (doer && rng() % 3 == 0) claims.push_back({i, w, static_cast<std::uint32_t>(rng() % 2), static_cast<std::uint32_t>(base(rng)), 1});
      if (rng() % 2 == 0) claims.push_back({i, w, 2, static_cast<std::uint32_t>(1 + rng() % 20), 1});
      if (jumper && w > last - 4) claims.push_back({i, w, 3, 12, 3});
      if (new_writer && w > last - 3) claims.push_back({i, w, 4, 4, 1});
    }
  }
  std::vector<EdgeRow> edges;
  for (std::uint32_t i = 0; i < P; ++i) {
    if (i % 23 == 0) continue;  // dangling providers (no out-edges)
    const int deg = 1 + static_cast<int>(rng() % 12);
    for (int k = 0; k < deg; ++k) {
      // Hubs: one in ten targets is among the first 30 providers.
      std::uint32_t d = rng() % 10 == 0 ? static_cast<std::uint32_t>(rng() % 30) : static_cast<std::uint32_t>(rng() % P);
      if (d == i) continue;
      edges.push_back({i, d, 30, static_cast<std::uint32_t>(11 + rng() % 40), 2});
    }
  }
  Comm self(MPI_COMM_SELF);
  UniverseMeta meta;
  meta.source = "test";
  write_universe(self, (dir / "universe.h5").string(), p, codes, claims, edges, meta);
  // Suppress a few providers, among them a top one.
  std::ofstream supp(dir / "suppression.csv");
  supp << "npi,reason\n" << p.npi[37] << ",opt_out\n" << p.npi[101] << ",compliance\n";
}

// DIR/NAME: campaign "tavr" with the suppression list, plus `extra` TOML lines.
inline std::string write_score_campaign(const std::filesystem::path& dir, const std::string& name,
                                        const std::string& extra) {
  const std::string path = (dir / name).string();
  std::ofstream(path) << "name = \"tavr\"\n"
                         "codes = [\"CPT:33361-33369\", \"ICD10:I35*\", \"HCPCS:C1889\"]\n"
                         "trigger_z = 2.0\n"
                         "suppression = \"suppression.csv\"\n"
                      << extra;
  return path;
}

}  // namespace signalrank::testing
