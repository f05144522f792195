// signalrank diff: what changed between two snapshots of one campaign and one universe, usually a
// week apart (`--from` the older, `--to` the newer).
//
// With the top N (--top, default 100) of each snapshot and a threshold K (--min-move, default 10):
//   entered      ranked ≤ N in `to`, not in `from` (unranked there, or ranked below N)
//   dropped      ranked ≤ N in `from`, not in `to`
//   mover        ranked ≤ N in both, |from_rank − to_rank| ≥ K
//   trigger_on   trigger 0 in `from`, non-zero in `to` (provider ranked in `to`)
//   trigger_off  non-zero in `from`, 0 in `to` (provider ranked in `from`)
// Trigger changes count for providers in either top N, or for every ranked provider with
// `--trigger-scope all`. One row per provider; `kind` lists every kind that applies, joined by ';'
// in the order above. change = from_rank − to_rank (positive: moved up), empty when either rank
// is 0 (not ranked: ineligible or suppressed).
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
};
std::string diff_kinds_text(unsigned kinds);

struct DiffSettings {
  std::uint32_t top = 100;
  std::uint32_t min_move = 10;
  bool triggers_everywhere = false;  // --trigger-scope all
};

struct DiffRow {
  std::uint64_t npi = 0;
  std::uint32_t from_rank = 0, to_rank = 0;  // 0: not ranked
  double from_score = 0, to_score = 0;
  std::uint8_t from_trigger = 0, to_trigger = 0;
  unsigned kinds = 0;
  bool has_change() const { return from_rank != 0 && to_rank != 0; }
  std::int64_t change() const { return std::int64_t{from_rank} - std::int64_t{to_rank}; }
};

struct DiffResult {
  std::vector<DiffRow> rows;  // entered, dropped, movers, then trigger-only rows; each by rank
  std::uint64_t entered = 0, dropped = 0, movers = 0, movers_up = 0, trigger_on = 0, trigger_off = 0;
};

// The snapshots must hold the same NPIs (check_same_npis).
DiffResult compute_diff(const Snapshot& from, const Snapshot& to, const DiffSettings& settings);

// CSV: npi,from_rank,to_rank,change,kind,from_score,to_score,from_trigger,to_trigger.
std::string diff_csv(const std::vector<DiffRow>& rows);

}  // namespace signalrank
