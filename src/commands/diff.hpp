// signalrank diff: what changed between two snapshots of one campaign, usually a week apart
// (`--from` the older, `--to` the newer). Providers are matched by NPI, so the universes may
// differ (a weekly universe refreshed from NPPES always does).
//
// With the top N (--top, default 100) of each snapshot and a threshold K (--min-move, default 10):
//   entered          ranked ≤ N in `to`, not in `from` (unranked there, ranked below N, or absent)
//   dropped          ranked ≤ N in `from`, not in `to`
//   mover            ranked ≤ N in both, |from_rank − to_rank| ≥ K
//   trigger_on       trigger 0 in `from`, non-zero in `to` (provider ranked in `to`)
//   trigger_off      non-zero in `from`, 0 in `to` (provider ranked in `from`)
//   joined_universe  in `to` only (every such provider, ranked or not)
//   left_universe    in `from` only (every such provider)
// Trigger changes count for providers in both snapshots that are in either top N, or for every
// ranked provider with `--trigger-scope all`. One row per provider; `kind` lists every kind that
// applies, joined by ';' in the order above. change = from_rank − to_rank (positive: moved up),
// empty when either rank is 0 (not ranked: ineligible, suppressed, or not in that snapshot).
//
// Cost: each snapshot's rows are radix-sorted by NPI and the two orders merged: O(N) time and a
// few words per row, for the 1.2 M-row national snapshots. A snapshot holding one NPI twice is
// refused (InputError naming the file and the NPI).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "io/snapshot.hpp"

namespace signalrank {

enum DiffKind : unsigned {
  kEntered = 1,
  kDropped = 2,
  kMover = 4,
  kTriggerOn = 8,
  kTriggerOff = 16,
  kJoinedUniverse = 32,
  kLeftUniverse = 64,
};
std::string diff_kinds_text(unsigned kinds);

struct DiffSettings {
  std::uint32_t top = 100;
  std::uint32_t min_move = 10;
  bool triggers_everywhere = false;  // --trigger-scope all
};

struct DiffRow {
  std::uint64_t npi = 0;
  std::uint32_t from_rank = 0, to_rank = 0;  // 0: not ranked (or not in that snapshot)
  double from_score = 0, to_score = 0;
  std::uint8_t from_trigger = 0, to_trigger = 0;
  bool in_from = true, in_to = true;  // false: not in that snapshot's universe
  unsigned kinds = 0;
  bool has_change() const { return from_rank != 0 && to_rank != 0; }
  std::int64_t change() const { return std::int64_t{from_rank} - std::int64_t{to_rank}; }
};

struct DiffResult {
  std::vector<DiffRow> rows;  // grouped by first kind (in the order of DiffKind), then by rank
  std::uint64_t entered = 0, dropped = 0, movers = 0, movers_up = 0, trigger_on = 0, trigger_off = 0;
  std::uint64_t joined_universe = 0, left_universe = 0, in_both = 0;
};

// Throws InputError(from_file or to_file, 0, "npi") when a snapshot holds one NPI in two rows.
DiffResult compute_diff(const Snapshot& from, const Snapshot& to, const DiffSettings& settings,
                        const std::string& from_file = "--from", const std::string& to_file = "--to");

// CSV: npi,from_rank,to_rank,change,kind,from_score,to_score,from_trigger,to_trigger; the rank,
// score and trigger of a side the provider is absent from are empty.
std::string diff_csv(const std::vector<DiffRow>& rows);

}  // namespace signalrank
