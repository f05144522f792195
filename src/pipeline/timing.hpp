// Phase timings of a run: a stopwatch for the phases of one rank, and the end-of-run table across
// ranks in the style of LAMMPS's timing breakdown: per phase the min / avg / max seconds over the
// ranks and the imbalance, then the per-rank counts that explain an imbalance (owned providers,
// ghost vertices, halo bytes per PageRank iteration).
#pragma once
#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "partition/comm.hpp"

namespace signalrank::pipeline {

// Seconds between laps on this rank.
class Stopwatch {
 public:
  using Clock = std::chrono::steady_clock;
  Stopwatch() : mark_(Clock::now()) {}
  // Seconds since the previous lap (or the construction), and starts the next lap.
  double lap() {
    const auto now = Clock::now();
    const double s = std::chrono::duration<double>(now - mark_).count();
    mark_ = now;
    return s;
  }

 private:
  Clock::time_point mark_;
};

// This rank's seconds per named phase, in the order run.
struct PhaseTimes {
  std::vector<std::pair<std::string, double>> phases;
  double add(const std::string& phase, double seconds) {
    phases.emplace_back(phase, seconds);
    return seconds;
  }
};

// Every rank's phases and counts (complete on rank 0 after gather_run_summary).
struct RunSummary {
  std::vector<std::string> phases;
  std::vector<std::vector<double>> seconds;  // [rank][phase]
  std::vector<std::uint64_t> owned, ghosts, halo_bytes;  // per rank; halo bytes per PageRank iteration

  struct Stat {
    double min = 0, avg = 0, max = 0;
    double imbalance_pct = 0;  // (max - avg) / avg * 100: how much the slowest rank waits the others out
  };
  // Over the ranks: the seconds of phase p, or one of the per-rank counts.
  Stat phase(std::size_t p) const;
  static Stat of(const std::vector<double>& values);

  // The same phases and counts with one more phase of these per-rank seconds (the snapshot write,
  // the total), e.g. after the ranking.
  void append_phase(const std::string& name, const std::vector<double>& per_rank);
};

// Collective: every rank's `times` (the same phases in the same order on every rank) and counts,
// gathered on rank 0 (other ranks get an empty summary).
RunSummary gather_run_summary(const Comm& comm, const PhaseTimes& times, std::uint64_t owned, std::uint64_t ghosts,
                              std::uint64_t halo_bytes);

// The table printed at the end of a run, one line per phase, then one per count (the same four
// columns over the ranks), e.g.
//   [score] phase                min s     avg s     max s  imbalance
//   [score] read                  6.21      6.24      6.26      0.3 %
//   ...
//   [score] owned providers     599871  600000.0    600129      0.0 %
std::string timing_table(const std::string& prefix, const RunSummary& summary);

// The same as JSON, for --metrics: {"phases":{"read":{"min":..,"avg":..,"max":..,"imbalance_pct":..},..},
// "owned":[..],"ghosts":[..],"halo_bytes_per_iteration":[..]} (per-rank arrays in rank order).
std::string timing_json(const RunSummary& summary);

}  // namespace signalrank::pipeline
