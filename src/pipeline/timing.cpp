#include "src/pipeline/timing.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <numeric>

namespace signalrank::pipeline {

RunSummary::Stat RunSummary::of(const std::vector<double>& values) {
  Stat s;
  if (values.empty()) return s;
  s.min = *std::min_element(values.begin(), values.end());
  s.max = *std::max_element(values.begin(), values.end());
  s.avg = std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
  s.imbalance_pct = s.avg > 0 ? (s.max - s.avg) / s.avg * 100.0 : 0.0;
  return s;
}

RunSummary::Stat RunSummary::phase(std::size_t p) const {
  std::vector<double> v;
  for (const auto& rank : seconds) v.push_back(rank[p]);
  return of(v);
}

void RunSummary::append_phase(const std::string& name, const std::vector<double>& per_rank) {
  phases.push_back(name);
  for (std::size_t r = 0; r < seconds.size() && r < per_rank.size(); ++r) seconds[r].push_back(per_rank[r]);
}

RunSummary gather_run_summary(const Comm& comm, const PhaseTimes& times, std::uint64_t owned, std::uint64_t ghosts,
                              std::uint64_t halo_bytes) {
  std::vector<double> mine;
  for (const auto& [name, s] : times.phases) mine.push_back(s);
  const std::vector<double> all = comm.gatherv<double>(mine);
  const std::vector<std::uint64_t> counts = comm.gatherv<std::uint64_t>(std::vector<std::uint64_t>{owned, ghosts, halo_bytes});
  RunSummary summary;
  if (!comm.root()) return summary;
  for (const auto& [name, s] : times.phases) summary.phases.push_back(name);
  for (std::size_t r = 0; r < static_cast<std::size_t>(comm.size()); ++r) {
    summary.seconds.emplace_back(all.begin() + static_cast<std::ptrdiff_t>(r * mine.size()),
                                 all.begin() + static_cast<std::ptrdiff_t>((r + 1) * mine.size()));
    summary.owned.push_back(counts[3 * r]);
    summary.ghosts.push_back(counts[3 * r + 1]);
    summary.halo_bytes.push_back(counts[3 * r + 2]);
  }
  return summary;
}

namespace {

std::vector<double> as_doubles(const std::vector<std::uint64_t>& v) { return {v.begin(), v.end()}; }

std::string json_numbers(const std::vector<std::uint64_t>& v) {
  std::string s = "[";
  for (std::size_t i = 0; i < v.size(); ++i) s += fmt::format("{}{}", i ? "," : "", v[i]);
  return s + "]";
}

}  // namespace

std::string timing_table(const std::string& prefix, const RunSummary& summary) {
  std::string out = fmt::format("{} {:<16} {:>9} {:>9} {:>9}  {:>9}\n", prefix, "phase", "min s", "avg s", "max s",
                                "imbalance");
  for (std::size_t p = 0; p < summary.phases.size(); ++p) {
    const RunSummary::Stat s = summary.phase(p);
    out += fmt::format("{} {:<16} {:9.2f} {:9.2f} {:9.2f}  {:7.1f} %\n", prefix, summary.phases[p], s.min, s.avg, s.max,
                       s.imbalance_pct);
  }
  auto count_line = [&](const char* what, const std::vector<std::uint64_t>& v) {
    const RunSummary::Stat s = RunSummary::of(as_doubles(v));
    out += fmt::format("{} {:<16} {:9.0f} {:9.1f} {:9.0f}  {:7.1f} %\n", prefix, what, s.min, s.avg, s.max,
                       s.imbalance_pct);
  };
  count_line("owned providers", summary.owned);
  count_line("ghost vertices", summary.ghosts);
  count_line("halo B/iteration", summary.halo_bytes);
  return out;
}

std::string timing_json(const RunSummary& summary) {
  std::string s = "{\"phases\":{";
  for (std::size_t p = 0; p < summary.phases.size(); ++p) {
    const RunSummary::Stat st = summary.phase(p);
    s += fmt::format("{}\"{}\":{{\"min\":{:.6f},\"avg\":{:.6f},\"max\":{:.6f},\"imbalance_pct\":{:.3f}}}", p ? "," : "",
                     summary.phases[p], st.min, st.avg, st.max, st.imbalance_pct);
  }
  return s + "},\"owned\":" + json_numbers(summary.owned) + ",\"ghosts\":" + json_numbers(summary.ghosts) +
         ",\"halo_bytes_per_iteration\":" + json_numbers(summary.halo_bytes) + "}";
}

}  // namespace signalrank::pipeline
