#include "partition/sample_sort.hpp"

#include <stdexcept>

#include "kernels/radix_sort.hpp"
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
  // Sorted by (value, origin): every key is distinct, so the slices stay balanced even when most
  // values are equal (a campaign's volume is 0 for most providers); runs of equal values may then
  // span ranks, which the boundary exchange below accounts for.
  // The local sorts are stable radix sorts on the value alone: this rank's records are built in
  // index order, and the received ones arrive in rank order, each run in (value, index) order, so
  // a stable sort by value leaves every tie in (rank, index) order — the comparator's order.
  const auto by_value = [](std::vector<Tagged>& v, const auto&) {
    kernels::radix_sort_by_key(v, [](const Tagged& t) { return kernels::ordered_key(t.value); });
  };
  const std::vector<Tagged> sorted = sample_sort(
      comm, std::move(mine),
      [](const Tagged& a, const Tagged& b) {
        if (a.value != b.value) return a.value < b.value;
        return a.rank != b.rank ? a.rank < b.rank : a.index < b.index;
      },
      64, by_value);
  const std::size_t n = sorted.size();
  const std::uint64_t base = comm.exscan_sum(n), total = comm.sum(std::uint64_t{n});
  // Every rank's slice edges: its first and last value and the length of its first and last run.
  struct Edge {
    double first, last;
    std::uint64_t count, first_run, last_run;
  };
  Edge mine_edge{0.0, 0.0, n, 0, 0};
  if (n > 0) {
    mine_edge.first = sorted.front().value;
    mine_edge.last = sorted.back().value;
    while (mine_edge.first_run < n && sorted[mine_edge.first_run].value == mine_edge.first) ++mine_edge.first_run;
    while (mine_edge.last_run < n && sorted[n - 1 - mine_edge.last_run].value == mine_edge.last) ++mine_edge.last_run;
  }
  const std::vector<Edge> edges = comm.allgatherv<Edge>(std::span<const Edge>(&mine_edge, 1));
  const auto me = static_cast<std::size_t>(comm.rank());
  // Elements equal to v on the ranks before / after this one (runs continue across whole slices).
  auto equal_before = [&](double v) {
    std::uint64_t c = 0;
    for (std::size_t q = me; q-- > 0;) {
      if (edges[q].count == 0) continue;
      if (edges[q].last != v) break;
      c += edges[q].last_run;
      if (edges[q].last_run != edges[q].count) break;  // the run starts inside rank q
    }
    return c;
  };
  auto equal_after = [&](double v) {
    std::uint64_t c = 0;
    for (std::size_t q = me + 1; q < edges.size(); ++q) {
      if (edges[q].count == 0) continue;
      if (edges[q].first != v) break;
      c += edges[q].first_run;
      if (edges[q].first_run != edges[q].count) break;
    }
    return c;
  };
  std::vector<double> pct(n);
  for (std::size_t start = 0; start < n;) {
    std::size_t end = start + 1;
    while (end < n && sorted[end].value == sorted[start].value) ++end;
    const std::uint64_t before = start == 0 ? equal_before(sorted[start].value) : 0;
    const std::uint64_t after = end == n ? equal_after(sorted[start].value) : 0;
    const double p = kernels::percentile_of(base + start - before, (end - start) + before + after, total);
    for (std::size_t k = start; k < end; ++k) pct[k] = p;
    start = end;
  }
  // Back to the origins, grouped by origin rank.
  std::vector<std::uint64_t> counts(static_cast<std::size_t>(comm.size()), 0);
  for (const Tagged& t : sorted) counts[t.rank]++;
  std::vector<std::uint64_t> at(counts.size(), 0);
  for (std::size_t r = 1; r < at.size(); ++r) at[r] = at[r - 1] + counts[r - 1];
  std::vector<Result> send(n);
  for (std::size_t k = 0; k < n; ++k) send[at[sorted[k].rank]++] = {sorted[k].index, pct[k]};
  const std::vector<Result> back = comm.alltoallv<Result>(send, counts);
  std::vector<double> out(values.size(), 0.0);
  for (const Result& r : back) out[r.index] = r.pct;
  return out;
}

}  // namespace signalrank
