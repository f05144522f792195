// The campaign file (SPEC §3): which codes define the activity, the trend and trigger windows,
// PageRank settings, eligibility filters, suppression list and score weights. Parsing is strict:
// an unknown key, a wrong type, a bad code spec or a value out of range (README, "Campaign files")
// is a ConfigError naming file, line and key.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "io/universe.hpp"

namespace signalrank {

// One entry of `codes`: SYSTEM:CODE (exact), SYSTEM:PREFIX* or SYSTEM:LO-HI (a code matches when
// it has LO's length and LO <= code <= HI as strings). Codes compare upper-cased, without dots.
struct CodeSpec {
  enum class Kind { Exact, Prefix, Range };
  CodeSystem system = CodeSystem::CPT;
  Kind kind = Kind::Exact;
  std::string lo, hi;  // Exact: lo; Prefix: lo is the prefix; Range: [lo, hi]
  bool matches(const Code& c) const;
};
// Parses one spec; on failure returns false and sets *why.
bool parse_code_spec(std::string_view text, CodeSpec* out, std::string* why);

// The campaign text is stored whole in every snapshot and model, as one HDF5 attribute (at most
// 64 KiB); its name names a folder (NAME_MAX).
inline constexpr std::size_t kMaxCampaignBytes = 60 * 1024;
inline constexpr std::size_t kMaxCampaignNameBytes = 255;

struct Campaign {
  std::string path;  // the campaign file
  std::string toml;  // its whole text, copied into snapshots
  std::string name;
  std::vector<std::string> code_texts;
  std::vector<CodeSpec> codes;
  int window_weeks = 13, slope_weeks = 26, trigger_weeks = 4, baseline_weeks = 26;
  double trigger_z = 3.0, trigger_min = 5;
  double damping = 0.85, tolerance = 1e-10;
  int max_iterations = 200;
  bool personalize_volume = true;
  std::vector<int> entity_types;
  std::vector<std::string> specialties;  // NUCC names or taxonomy codes, case-insensitive
  std::vector<std::string> states;
  std::string suppression;  // resolved against the campaign file's folder; empty = none
  struct Weights {
    double volume = 0.2, growth = 0.25, pagerank = 0.3, peer_exposure = 0.15, trigger = 0.1;
  } weights;

  // Which entries of a code dictionary the campaign counts.
  std::vector<std::uint8_t> match(const std::vector<Code>& dictionary) const;
  // Whether provider i passes the eligibility filters (suppression is applied separately).
  bool passes_filters(const Providers& p, std::size_t i) const;
};

Campaign load_campaign(const std::string& path);

}  // namespace signalrank
