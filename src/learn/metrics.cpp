// Evaluation metrics; the definitions, the bootstrap's random stream and its cost are in
// metrics.hpp. Every sum runs in a fixed order (row order, sorted order, draw order) and each
// bootstrap resample has its own stream, so nothing depends on the thread count.
#include "src/learn/metrics.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <tuple>
#include <utility>

namespace signalrank::learn {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr std::uint64_t kGamma = 0x9E3779B97F4A7C15ULL;

// The SplitMix64 finaliser: a bijection of 64-bit words that mixes every bit into every other.
std::uint64_t mix64(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// The high 32 bits of the next SplitMix64 output (the better-mixed half).
std::uint32_t next32(std::uint64_t& state) {
  state += kGamma;
  return static_cast<std::uint32_t>(mix64(state) >> 32);
}

// Uniform in [0, bound), bound >= 1, without modulo bias (Lemire's multiply-shift with
// rejection). The threshold 2^32 mod bound costs a division, so it is only formed when the low
// word is small enough that a rejection is possible; the values returned are those of the plain
// rejection loop.
std::uint32_t below(std::uint64_t& state, std::uint32_t bound) {
  std::uint64_t m = static_cast<std::uint64_t>(next32(state)) * bound;
  if (static_cast<std::uint32_t>(m) < bound) {
    const std::uint32_t threshold = (0u - bound) % bound;
    while (static_cast<std::uint32_t>(m) < threshold) m = static_cast<std::uint64_t>(next32(state)) * bound;
  }
  return static_cast<std::uint32_t>(m >> 32);
}

// The start of the stream of resample s of bin b.
std::uint64_t stream_start(std::uint64_t seed, std::uint64_t bin, std::uint64_t resample) {
  return mix64(seed ^ mix64((bin << 32) | resample));
}

void check_labels(std::span<const std::uint8_t> label, const char* who) {
  for (std::size_t i = 0; i < label.size(); ++i)
    if (label[i] > 1) throw std::invalid_argument(fmt::format("{}: label[{}] is {}, not 0 or 1", who, i, label[i]));
}

void check_probabilities(std::span<const double> p, std::span<const std::uint8_t> label, const char* who) {
  if (p.size() != label.size())
    throw std::invalid_argument(fmt::format("{}: {} probabilities but {} labels", who, p.size(), label.size()));
  for (std::size_t i = 0; i < p.size(); ++i)
    if (!(p[i] >= 0.0 && p[i] <= 1.0))  // also false for NaN; infinities are outside [0, 1]
      throw std::invalid_argument(fmt::format("{}: p[{}] = {} is not a probability in [0, 1]", who, i, p[i]));
  check_labels(label, who);
}

// Hyndman-Fan type 7 quantile of ascending, non-empty x at probability q in [0, 1].
double quantile_type7(std::span<const double> x, double q) {
  const double h = static_cast<double>(x.size() - 1) * q;
  const auto lo = static_cast<std::size_t>(std::floor(h));
  if (lo + 1 >= x.size()) return x.back();
  return x[lo] + (h - static_cast<double>(lo)) * (x[lo + 1] - x[lo]);
}

// The (lo, hi) interval of `values` at `level` (sorted in place), NaNs left out; (NaN, NaN) when
// none is left.
std::pair<double, double> interval(std::span<double> values, double level) {
  const auto defined = std::partition(values.begin(), values.end(), [](double v) { return !std::isnan(v); });
  const std::span<double> x(values.begin(), defined);
  if (x.empty()) return {kNaN, kNaN};
  std::sort(x.begin(), x.end());
  return {quantile_type7(x, (1.0 - level) / 2.0), quantile_type7(x, (1.0 + level) / 2.0)};
}

// The rows of one bin: the sorted positions [start, start + rows).
struct BinRange {
  std::size_t start = 0, rows = 0;
};

// One bootstrap resample of a bin (its p and labels in sorted order): (observed*, ratio*).
std::pair<double, double> resample_bin(std::span<const double> p, std::span<const std::uint8_t> y,
                                       std::uint64_t state) {
  const auto r = static_cast<std::uint32_t>(p.size());
  std::uint64_t positives = 0;
  double sum_p = 0.0;
  for (std::uint32_t i = 0; i < r; ++i) {
    const std::uint32_t j = below(state, r);
    positives += y[j];
    sum_p += p[j];
  }
  const double rows = static_cast<double>(r);
  const double observed = static_cast<double>(positives) / rows;
  const double mean = sum_p / rows;
  return {observed, mean > 0.0 ? observed / mean : kNaN};
}

}  // namespace

double average_precision(std::span<const std::uint32_t> order, std::span<const std::uint8_t> label) {
  std::vector<std::uint8_t> seen(label.size(), 0);
  std::uint64_t positives = 0;
  double sum = 0.0;
  for (std::size_t r = 0; r < order.size(); ++r) {
    const std::uint32_t row = order[r];
    if (row >= label.size())
      throw std::invalid_argument(
          fmt::format("average_precision: order[{}] = {} is out of range ({} labels)", r, row, label.size()));
    if (seen[row]) throw std::invalid_argument(fmt::format("average_precision: row {} is listed twice", row));
    seen[row] = 1;
    if (label[row] > 1)
      throw std::invalid_argument(fmt::format("average_precision: label[{}] is {}, not 0 or 1", row, label[row]));
    if (label[row]) {
      ++positives;
      sum += static_cast<double>(positives) / static_cast<double>(r + 1);
    }
  }
  return positives ? sum / static_cast<double>(positives) : kNaN;
}

double brier_score(std::span<const double> p, std::span<const std::uint8_t> label) {
  check_probabilities(p, label, "brier_score");
  if (p.empty()) return kNaN;
  double sum = 0.0;
  for (std::size_t i = 0; i < p.size(); ++i) {
    const double e = p[i] - static_cast<double>(label[i]);
    sum += e * e;
  }
  return sum / static_cast<double>(p.size());
}

std::vector<CalibrationBin> calibration_table(std::span<const double> p, std::span<const std::uint8_t> label,
                                              int bins, int resamples, std::uint64_t seed, double level) {
  // ---- check inputs ----
  if (bins < 1) throw std::invalid_argument(fmt::format("calibration_table: bins = {}, must be >= 1", bins));
  if (resamples < 0)
    throw std::invalid_argument(fmt::format("calibration_table: resamples = {}, must be >= 0", resamples));
  if (!(level > 0.0 && level < 1.0))
    throw std::invalid_argument(fmt::format("calibration_table: level = {}, must be in (0, 1)", level));
  check_probabilities(p, label, "calibration_table");
  if (p.size() > std::numeric_limits<std::uint32_t>::max())
    throw std::invalid_argument(fmt::format("calibration_table: {} rows, at most 2^32 - 1", p.size()));
  const std::size_t n = p.size();

  // ---- rows by (p, row) ascending, then cut into bins ----
  std::vector<std::pair<double, std::uint32_t>> keyed(n);
  for (std::size_t i = 0; i < n; ++i) keyed[i] = {p[i], static_cast<std::uint32_t>(i)};
  std::sort(keyed.begin(), keyed.end());
  std::vector<double> sorted_p(n);
  std::vector<std::uint8_t> sorted_y(n);
  for (std::size_t i = 0; i < n; ++i) {
    sorted_p[i] = keyed[i].first;
    sorted_y[i] = label[keyed[i].second];
  }
  keyed = {};
  const auto groups = static_cast<std::size_t>(bins);
  std::vector<BinRange> ranges;
  for (std::size_t b = 0, start = 0; b < groups; ++b) {
    const std::size_t rows = n / groups + (b < n % groups ? 1 : 0);
    if (rows == 0) break;  // only the last groups can be empty
    ranges.push_back({start, rows});
    start += rows;
  }

  // ---- point estimates ----
  std::vector<CalibrationBin> table(ranges.size());
  for (std::size_t b = 0; b < ranges.size(); ++b) {
    const auto bp = std::span<const double>(sorted_p).subspan(ranges[b].start, ranges[b].rows);
    const auto by = std::span<const std::uint8_t>(sorted_y).subspan(ranges[b].start, ranges[b].rows);
    CalibrationBin& bin = table[b];
    bin.p_lo = bp.front();
    bin.p_hi = bp.back();
    bin.rows = bp.size();
    double sum_p = 0.0;
    for (std::size_t i = 0; i < bp.size(); ++i) {
      sum_p += bp[i];
      bin.positives += by[i];
    }
    const double rows = static_cast<double>(bin.rows);
    bin.mean_predicted = sum_p / rows;
    bin.observed = static_cast<double>(bin.positives) / rows;
    bin.ratio = bin.mean_predicted > 0.0 ? bin.observed / bin.mean_predicted : kNaN;
  }

  // ---- bootstrap: every (bin, resample) on its own stream, written to its own slot ----
  const auto per_bin = static_cast<std::size_t>(resamples);
  std::vector<double> observed(ranges.size() * per_bin), ratio(ranges.size() * per_bin);
  const auto tasks = static_cast<std::int64_t>(observed.size());
#pragma omp parallel for schedule(static)
  for (std::int64_t t = 0; t < tasks; ++t) {
    const auto task = static_cast<std::size_t>(t);
    const std::size_t b = task / per_bin, s = task % per_bin;
    const auto bp = std::span<const double>(sorted_p).subspan(ranges[b].start, ranges[b].rows);
    const auto by = std::span<const std::uint8_t>(sorted_y).subspan(ranges[b].start, ranges[b].rows);
    std::tie(observed[task], ratio[task]) = resample_bin(bp, by, stream_start(seed, b, s));
  }
  for (std::size_t b = 0; b < ranges.size(); ++b) {
    std::tie(table[b].observed_lo, table[b].observed_hi) =
        interval(std::span<double>(observed).subspan(b * per_bin, per_bin), level);
    std::tie(table[b].ratio_lo, table[b].ratio_hi) =
        interval(std::span<double>(ratio).subspan(b * per_bin, per_bin), level);
  }
  return table;
}

double top_k_overlap(std::span<const std::uint64_t> a, std::span<const std::uint64_t> b, std::size_t k) {
  k = std::min({k, a.size(), b.size()});
  if (k == 0) return kNaN;
  auto first_k_sorted = [k](std::span<const std::uint64_t> list, const char* name) {
    std::vector<std::uint64_t> ids(list.begin(), list.begin() + static_cast<std::ptrdiff_t>(k));
    std::sort(ids.begin(), ids.end());
    const auto repeat = std::adjacent_find(ids.begin(), ids.end());
    if (repeat != ids.end())
      throw std::invalid_argument(
          fmt::format("top_k_overlap: id {} appears twice in the first {} of list {}", *repeat, k, name));
    return ids;
  };
  const std::vector<std::uint64_t> x = first_k_sorted(a, "a"), y = first_k_sorted(b, "b");
  std::size_t common = 0;
  for (std::size_t i = 0, j = 0; i < k && j < k;) {
    if (x[i] < y[j]) {
      ++i;
    } else if (y[j] < x[i]) {
      ++j;
    } else {
      ++common, ++i, ++j;
    }
  }
  return static_cast<double>(common) / static_cast<double>(k);
}

}  // namespace signalrank::learn
