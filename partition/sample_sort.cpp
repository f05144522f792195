#include "partition/sample_sort.hpp"

#include <stdexcept>

#include "kernels/ranking.hpp"

namespace signalrank {

namespace {
struct Tagged {
  double value;
  std::uint32_t rank, index;  // where the value came from
};
struct Result {
  std::uint32_t index;
  double pct;
};
}  // namespace

std::vector<double> distributed_percentiles(const Comm& comm, std::span<const double> values,
                                            std::span<const std::uint8_t> eligible) {
  if (values.size() != eligible.size()) throw std::invalid_argument("distributed_percentiles: sizes differ");
  std::vector<Tagged> mine;
  for (std::size_t i = 0; i < values.size(); ++i)
    if (eligible[i]) mine.push_back({values[i], static_cast<std::uint32_t>(comm.rank()), static_cast<std::uint32_t>(i)});
  const std::vector<Tagged> sorted =
      sample_sort(comm, std::move(mine), [](const Tagged& a, const Tagged& b) { return a.value < b.value; });
  // This rank's slice of the global order: positions [base, base + n) of `total`.
  const std::uint64_t base = comm.exscan_sum(sorted.size()), total = comm.sum(std::uint64_t{sorted.size()});
  std::vector<double> slice(sorted.size()), pct(sorted.size());
  for (std::size_t k = 0; k < sorted.size(); ++k) slice[k] = sorted[k].value;
  kernels::percentiles_of_sorted_slice(slice, base, total, pct);
  // Back to the origins, grouped by origin rank.
  std::vector<std::uint64_t> counts(static_cast<std::size_t>(comm.size()), 0);
  for (const Tagged& t : sorted) counts[t.rank]++;
  std::vector<std::uint64_t> at(counts.size(), 0);
  for (std::size_t r = 1; r < at.size(); ++r) at[r] = at[r - 1] + counts[r - 1];
  std::vector<Result> send(sorted.size());
  for (std::size_t k = 0; k < sorted.size(); ++k) send[at[sorted[k].rank]++] = {sorted[k].index, pct[k]};
  const std::vector<Result> back = comm.alltoallv<Result>(send, counts);
  std::vector<double> out(values.size(), 0.0);
  for (const Result& r : back) out[r.index] = r.pct;
  return out;
}

}  // namespace signalrank
