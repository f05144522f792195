// Shared fixtures of the export / diff / backtest tests: hand-made provider tables, universes and
// snapshots (consistent with SPEC §4/§5: eligible rows first by rank, ineligible rank 0 at the
// end), and an RFC 4180 reader for the CSV the commands write.
#pragma once
#include <algorithm>
#include <array>
#include <cstdint>
#include <filesystem>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "io/hash.hpp"
#include "io/npi.hpp"
#include "io/snapshot.hpp"
#include "io/universe.hpp"
#include "support/subprocess.hpp"

namespace signalrank::testing {

// Providers with NPIs ascending; specialty, state and taxonomy cycle through small dictionaries.
// The specialty names are sorted, as in universe.h5, and one holds a comma and a quote.
inline Providers make_providers(std::size_t n, std::uint64_t first_body = 200000000) {
  Providers p;
  p.specialty_names = {"Cardiovascular Disease", "Family Medicine", "Surgery, \"Cardiothoracic\""};
  const std::array<std::array<char, 10>, 3> taxonomy = {
      std::array<char, 10>{'2', '0', '7', 'R', 'C', '0', '0', '0', '0', 'X'},
      std::array<char, 10>{'2', '0', '7', 'Q', '0', '0', '0', '0', '0', 'X'},
      std::array<char, 10>{'2', '0', '8', '6', 'S', '0', '1', '2', '2', 'X'}};
  const std::array<std::array<char, 2>, 3> states = {std::array<char, 2>{'O', 'H'}, std::array<char, 2>{'P', 'A'},
                                                     std::array<char, 2>{'N', 'Y'}};
  for (std::size_t i = 0; i < n; ++i) {
    p.npi.push_back(npi_from_body(first_body + 7 * i));
    p.entity_type.push_back(1);
    p.specialty.push_back(static_cast<std::uint16_t>(i % 3));
    p.taxonomy.push_back(taxonomy[i % 3]);
    p.state.push_back(states[(i / 3) % 3]);
    p.zip5.push_back({'4', '4', '1', '0', '1'});
  }
  return p;
}

// A universe.h5 holding `providers`, one code and `claims` (no edges needed by these tests).
inline void write_test_universe(const std::string& path, const Providers& providers, std::vector<ClaimRow> claims = {}) {
  Comm self(MPI_COMM_SELF);
  UniverseMeta meta;
  meta.source = "test";
  std::vector<Code> codes = {{CodeSystem::CPT, "33361"}, {CodeSystem::CPT, "99213"}};
  write_universe(self, path, providers, codes, std::move(claims), {}, meta);
}

inline std::string test_campaign_toml(const std::string& name = "tavr", int trigger_weeks = 4) {
  return "name = \"" + name + "\"\ncodes = [\"CPT:33361-33369\"]\ntrigger_weeks = " + std::to_string(trigger_weeks) +
         "\n[weights]\nvolume = 0.2\ngrowth = 0.25\npagerank = 0.3\npeer_exposure = 0.15\ntrigger = 0.1\n";
}

// A snapshot of `providers` with the given per-provider-index columns: score, percentiles and
// order are derived like score does (score = Σ w·pct + 0.1·[trigger], rank by score then NPI).
struct SnapshotSpec {
  std::vector<std::uint8_t> eligible, suppressed, trigger;
  std::vector<double> pct_volume, pct_growth, pct_pagerank, pct_peer_exposure, volume, growth;
};

inline Snapshot make_snapshot(const Providers& p, const SnapshotSpec& spec, const std::string& campaign_toml,
                              const std::string& campaign = "tavr", const std::string& as_of = "2026-11-16") {
  const std::size_t n = p.size();
  std::vector<double> score(n, 0);
  for (std::size_t i = 0; i < n; ++i)
    if (spec.eligible[i])
      score[i] = 0.2 * spec.pct_volume[i] + 0.25 * spec.pct_growth[i] + 0.3 * spec.pct_pagerank[i] +
                 0.15 * spec.pct_peer_exposure[i] + 0.1 * (spec.trigger[i] != 0);
  std::vector<std::uint32_t> order(n);
  std::iota(order.begin(), order.end(), 0u);
  std::sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) {
    if (spec.eligible[a] != spec.eligible[b]) return spec.eligible[a] > spec.eligible[b];
    if (spec.eligible[a] && score[a] != score[b]) return score[a] > score[b];
    return p.npi[a] < p.npi[b];
  });
  Snapshot s;
  std::uint32_t rank = 0;
  for (std::uint32_t i : order) {
    const bool el = spec.eligible[i] != 0;
    s.npi.push_back(p.npi[i]);
    s.rank.push_back(el ? ++rank : 0);
    s.score.push_back(score[i]);
    s.volume.push_back(spec.volume[i]);
    s.prior_volume.push_back(0);
    s.growth.push_back(spec.growth[i]);
    s.slope.push_back(0);
    s.trigger_z.push_back(0);
    s.pagerank.push_back(spec.pct_pagerank[i] / static_cast<double>(n));
    s.peer_exposure.push_back(spec.pct_peer_exposure[i]);
    s.trigger.push_back(spec.trigger[i]);
    s.suppressed.push_back(spec.suppressed[i]);
    s.eligible.push_back(spec.eligible[i]);
    s.pct_volume.push_back(el ? spec.pct_volume[i] : 0);
    s.pct_growth.push_back(el ? spec.pct_growth[i] : 0);
    s.pct_pagerank.push_back(el ? spec.pct_pagerank[i] : 0);
    s.pct_peer_exposure.push_back(el ? spec.pct_peer_exposure[i] : 0);
  }
  s.campaign = campaign;
  s.as_of = as_of;
  s.campaign_toml = campaign_toml;
  s.inputs_json = "{}";
  s.version = "test";
  s.created_utc = "2026-11-16T00:00:00Z";
  return s;
}

// A random snapshot spec: ~10 % suppressed (never eligible), ~10 % otherwise ineligible.
inline SnapshotSpec random_spec(std::size_t n, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> u(0.0, 1.0);
  SnapshotSpec s;
  for (std::size_t i = 0; i < n; ++i) {
    const bool supp = u(rng) < 0.1;
    s.suppressed.push_back(supp);
    s.eligible.push_back(!supp && u(rng) > 0.1);
    s.trigger.push_back(static_cast<std::uint8_t>(u(rng) < 0.2 ? 1 + rng() % 3 : 0));
    s.pct_volume.push_back(u(rng));
    s.pct_growth.push_back(u(rng));
    s.pct_pagerank.push_back(u(rng));
    s.pct_peer_exposure.push_back(u(rng));
    s.volume.push_back(static_cast<double>(rng() % 50));
    s.growth.push_back(u(rng) - 0.5);
  }
  return s;
}

// `{"universe":{...}}` as score records it, for the universe file at `path`.
inline std::string inputs_json_for(const std::string& universe_path) {
  InputFile f = describe_input("universe", universe_path);
  std::string one = inputs_json({f});  // [{...}]
  return "{\"universe\":" + one.substr(1, one.size() - 2) + "}";
}

// RFC 4180 reader: records of fields; quoted fields may hold commas, doubled quotes and line
// breaks. `crlf_only` is set false when a record ends with a bare LF.
inline std::vector<std::vector<std::string>> parse_csv(const std::string& text, bool* crlf_only = nullptr) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row(1);
  bool quoted = false, any = false;
  if (crlf_only) *crlf_only = true;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    any = true;
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        row.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        row.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      row.emplace_back();
    } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      rows.push_back(std::move(row));
      row.assign(1, "");
      any = false;
      ++i;
    } else if (c == '\n') {
      if (crlf_only) *crlf_only = false;
      rows.push_back(std::move(row));
      row.assign(1, "");
      any = false;
    } else {
      row.back() += c;
    }
  }
  if (any) rows.push_back(std::move(row));
  return rows;
}

}  // namespace signalrank::testing
