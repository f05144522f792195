// signalrank export: the top-N target list of a snapshot for a CRM (SPEC §1, §5).
//
// A row is exported when the provider is ranked in the snapshot (eligible, rank ≥ 1), is not
// suppressed — neither in the snapshot nor on a newer suppression list re-applied at export time —
// and passes every filter given; the first N such rows in rank order are the list. Columns:
//   rank,npi,score,specialty,state,volume,growth,pagerank_pct,peer_exposure,trigger,reasons
// `rank` is the snapshot's rank (so filters leave gaps), `pagerank_pct` the PageRank percentile,
// `peer_exposure` the share of shared patients going to providers already active, `trigger` the
// bit mask, `reasons` as in src/commands/explain.hpp.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "io/snapshot.hpp"
#include "io/universe.hpp"
#include "src/commands/explain.hpp"

namespace signalrank {

struct ExportFilters {
  std::size_t top = 0;
  std::vector<std::string> states;       // 2-letter codes, any case
  std::vector<std::string> specialties;  // NUCC names or taxonomy codes, any case
  std::string taxonomy_prefix;           // any case; empty = all
  std::optional<double> min_volume;      // volume ≥ this
  bool trigger_only = false;             // trigger ≠ 0
};

struct TargetRow {
  std::uint32_t rank = 0;
  std::uint64_t npi = 0;
  double score = 0;
  std::string specialty, state;
  double volume = 0, growth = 0, pagerank_pct = 0, peer_exposure = 0;
  std::uint8_t trigger = 0;
  std::string reasons;
};

struct TargetList {
  std::vector<TargetRow> rows;
  std::uint64_t ranked = 0;                  // eligible providers of the snapshot
  std::uint64_t suppressed_in_snapshot = 0;  // flagged when the snapshot was made
  std::uint64_t passing = 0;                 // ranked, passing the filters, not newly suppressed
  std::uint64_t removed_by_newer = 0;        // ranked and passing the filters, but on a newer list
  std::uint64_t removed_from_top = 0;        // of those, the ones that would have been in the list
};

// `providers` must hold exactly the snapshot's NPIs (check_same_npis); `newer_suppressed` is one
// flag per provider index, or empty for none.
TargetList select_targets(const Snapshot& s, const Providers& providers, const std::vector<std::uint8_t>& newer_suppressed,
                          const ExportFilters& filters, const ScoreExplainer& explainer);

// The CSV text (header and one CRLF-ended record per row).
std::string targets_csv(const std::vector<TargetRow>& rows);

}  // namespace signalrank
