// Sorting records spread over ranks (score's rank phase: the percentile columns and the final
// order of the snapshot, so that no rank sorts every provider).
//
// sample_sort: every rank sorts its records, contributes a regular sample of `oversample` of them,
// and all ranks pick the same P - 1 splitters from the gathered sample; each record goes to the
// rank of the first splitter above it (upper bound), so records that compare equal always land on
// the same rank; each rank then merges what it received. On return rank r holds the r-th slice of
// the global order, sorted. Slices may be uneven when many records compare equal (all of them go
// to one rank) — never wrong, only less balanced.
//
// distributed_percentiles: kernels/ranking.hpp's percentiles of every eligible value against all
// ranks' eligible values, by sorting (value, origin) records — distinct keys, so the slices stay
// balanced however many values are equal — counting each run of equal values (one allgather of
// every slice's edge runs extends runs across ranks), and sending each result back to its origin.
// The same bits as the serial kernel (both use kernels::percentile_of on the same integer counts).
#pragma once
#include <parallel/algorithm>

#include <algorithm>
#include <cstdint>
#include <span>
#include <type_traits>
#include <vector>

#include "partition/comm.hpp"

namespace signalrank {

// The local sorts of sample_sort by default: a comparison sort on the rank's OpenMP threads
// (libstdc++ parallel mode's multiway mergesort).
struct ParallelSort {
  template <class T, class Less>
  void operator()(std::vector<T>& v, Less less) const {
    __gnu_parallel::sort(v.begin(), v.end(), less);
  }
};

// `local_sort(v, less)` sorts a vector in `less` order; it is called on this rank's records, then
// on the received ones, which arrive as P runs in rank order, each already in `less` order (so a
// stable sort on a key that orders like `less` up to ties of the runs' order works too).
template <class T, class Less, class LocalSort = ParallelSort>
std::vector<T> sample_sort(const Comm& comm, std::vector<T> local, Less less, std::size_t oversample = 64,
                           LocalSort local_sort = {}) {
  static_assert(std::is_trivially_copyable_v<T>);
  local_sort(local, less);
  const std::size_t P = static_cast<std::size_t>(comm.size());
  if (P == 1) return local;
  // A regular sample of this rank's sorted records, then the same splitters on every rank.
  std::vector<T> sample;
  const std::size_t s = std::min(oversample, local.size());
  for (std::size_t k = 0; k < s; ++k) sample.push_back(local[(k * local.size() + local.size() / 2) / s]);
  std::vector<T> all = comm.allgatherv<T>(sample);
  std::sort(all.begin(), all.end(), less);
  std::vector<T> splitters;
  for (std::size_t r = 1; r < P && !all.empty(); ++r) splitters.push_back(all[r * all.size() / P]);
  // Destinations are non-decreasing along the sorted records: count the runs.
  std::vector<std::uint64_t> counts(P, 0);
  std::size_t dest = 0;
  for (const T& x : local) {
    while (dest < splitters.size() && !less(x, splitters[dest])) ++dest;
    counts[dest]++;
  }
  std::vector<T> mine = comm.alltoallv<T>(local, counts);
  local = {};
  local_sort(mine, less);  // P sorted runs; a sort is as simple
  return mine;
}

// pct[i] for every i with eligible[i] != 0 (0 elsewhere): the percentile of values[i] among the
// eligible values of all ranks. Collective.
std::vector<double> distributed_percentiles(const Comm& comm, std::span<const double> values,
                                            std::span<const std::uint8_t> eligible);

}  // namespace signalrank
