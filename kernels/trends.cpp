// Trend columns (SPEC section 4). See trends.hpp for the contract.
//
// The kernel never materialises the weekly series: every column is a linear function of the
// rows, so one pass over a provider's rows adds each row's services into the windows its age
// falls in. The OLS slope uses the centred form slope = sum_w (x_w - xbar) r_w / sum_w (x_w -
// xbar)^2 with x = -age, which only needs the weeks that have rows: (x - xbar) = c - age with
// c = (S-1)/2, and the denominator is the closed form S (S^2 - 1) / 12.
#include "kernels/trends.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

namespace signalrank::kernels {
namespace {

void check_inputs(std::span<const std::uint64_t> offsets, std::span<const std::int32_t> age,
                  std::span<const double> services, const TrendColumns& out) {
  if (offsets.empty()) throw std::invalid_argument("compute_trends: offsets must have n+1 entries");
  const std::size_t n = offsets.size() - 1;
  if (age.size() != services.size()) {
    throw std::invalid_argument("compute_trends: age and services differ in length");
  }
  if (offsets.front() != 0 || offsets.back() != age.size()) {
    throw std::invalid_argument("compute_trends: offsets do not span the rows");
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (offsets[i] > offsets[i + 1]) {
      throw std::invalid_argument("compute_trends: offsets decrease at provider " +
                                  std::to_string(i));
    }
  }
  if (out.volume.size() != n || out.prior_volume.size() != n || out.growth.size() != n ||
      out.slope.size() != n || out.trigger_z.size() != n || out.trigger.size() != n) {
    throw std::invalid_argument("compute_trends: an output column is not one per provider");
  }
}

}  // namespace

int trend_history_weeks(const TrendParams& params) {
  if (params.window_weeks < 1 || params.trigger_weeks < 1 || params.baseline_weeks < 1 ||
      params.slope_weeks < 0) {
    throw std::invalid_argument(
        "trend params: window_weeks, trigger_weeks and baseline_weeks must be >= 1, "
        "slope_weeks >= 0");
  }
  return std::max({2 * params.window_weeks, params.slope_weeks,
                   params.trigger_weeks + params.baseline_weeks});
}

void compute_trends(std::span<const std::uint64_t> offsets, std::span<const std::int32_t> age,
                    std::span<const double> services, const TrendParams& params,
                    const TrendColumns& out) {
  // ---- check inputs ----
  const auto history = static_cast<std::uint32_t>(trend_history_weeks(params));
  check_inputs(offsets, age, services, out);
  const auto n = static_cast<std::int64_t>(offsets.size() - 1);

  // Window bounds as unsigned ages: `a - lo < len` tests lo <= a < lo + len in one compare,
  // and a negative age (after the as-of week) wraps to a huge value that fails `a < history`.
  const auto window = static_cast<std::uint32_t>(params.window_weeks);
  const auto slope_weeks = static_cast<std::uint32_t>(params.slope_weeks);
  const auto recent_weeks = static_cast<std::uint32_t>(params.trigger_weeks);
  const auto baseline_weeks = static_cast<std::uint32_t>(params.baseline_weeks);
  const double slope_center = (static_cast<double>(slope_weeks) - 1.0) / 2.0;
  const double slope_sxx = static_cast<double>(slope_weeks) *
                           (static_cast<double>(slope_weeks) * slope_weeks - 1.0) / 12.0;
  const bool has_slope = slope_weeks >= 2;

  const std::uint64_t* row_begin = offsets.data();
  const std::int32_t* row_age = age.data();
  const double* row_services = services.data();

  // The flags of a provider without rows (R = E = 0, z = 0): only with thresholds of 0 or below.
  const bool empty_enough = 0.0 >= params.trigger_min;
  const auto empty_trigger = static_cast<std::uint8_t>((0.0 >= params.trigger_z && empty_enough ? kTriggerJump : 0) |
                                                       (empty_enough ? kTriggerNewWriter : 0));

  // ---- one pass per provider ----
  // Providers have very different row counts (a few hubs bill every week for many codes), so
  // the schedule is dynamic; each provider is still summed by one thread in row order.
#pragma omp parallel for schedule(dynamic, 512)
  for (std::int64_t i = 0; i < n; ++i) {
    if (row_begin[i] == row_begin[i + 1]) {
      // No rows, as for most providers and a campaign's few codes: the formulas below give exactly
      // these values (log 1 = 0, (0 - 0) / sqrt(1) = 0), without a log and a square root.
      out.volume[i] = out.prior_volume[i] = out.growth[i] = out.slope[i] = out.trigger_z[i] = 0.0;
      out.trigger[i] = empty_trigger;
      continue;
    }
    double volume = 0.0, prior_volume = 0.0, slope_num = 0.0, recent = 0.0, baseline = 0.0;
    for (std::uint64_t r = row_begin[i]; r < row_begin[i + 1]; ++r) {
      const auto a = static_cast<std::uint32_t>(row_age[r]);
      if (a >= history) continue;
      const double s = row_services[r];
      volume += a < window ? s : 0.0;
      prior_volume += a - window < window ? s : 0.0;
      slope_num += a < slope_weeks ? (slope_center - a) * s : 0.0;
      recent += a < recent_weeks ? s : 0.0;
      baseline += a - recent_weeks < baseline_weeks ? s : 0.0;
    }
    const double expected =
        static_cast<double>(params.trigger_weeks) * baseline / params.baseline_weeks;
    const double z = (recent - expected) / std::sqrt(expected + 1.0);
    const bool enough = recent >= params.trigger_min;
    out.volume[i] = volume;
    out.prior_volume[i] = prior_volume;
    out.growth[i] = std::log((volume + 1.0) / (prior_volume + 1.0));
    out.slope[i] = has_slope ? slope_num / slope_sxx : 0.0;
    out.trigger_z[i] = z;
    const int jump = z >= params.trigger_z && enough ? kTriggerJump : 0;
    const int new_writer = baseline == 0.0 && enough ? kTriggerNewWriter : 0;
    out.trigger[i] = static_cast<std::uint8_t>(jump | new_writer);
  }
}

void compute_trends_reference(std::span<const std::uint64_t> offsets,
                              std::span<const std::int32_t> age,
                              std::span<const double> services, const TrendParams& params,
                              const TrendColumns& out) {
  const int history = trend_history_weeks(params);
  check_inputs(offsets, age, services, out);
  const std::size_t n = offsets.size() - 1;

  // Sum of r over ages [first, first + count).
  std::vector<double> weekly(static_cast<std::size_t>(history));
  auto sum_ages = [&](int first, int count) {
    double sum = 0.0;
    for (int a = first; a < first + count; ++a) sum += weekly[static_cast<std::size_t>(a)];
    return sum;
  };

  for (std::size_t i = 0; i < n; ++i) {
    // Dense series r(age), age 0 .. history-1.
    std::fill(weekly.begin(), weekly.end(), 0.0);
    for (std::uint64_t r = offsets[i]; r < offsets[i + 1]; ++r) {
      if (age[r] >= 0 && age[r] < history) weekly[static_cast<std::size_t>(age[r])] += services[r];
    }

    const double volume = sum_ages(0, params.window_weeks);
    const double prior_volume = sum_ages(params.window_weeks, params.window_weeks);

    // Textbook OLS of y against x over the slope window, x = week number relative to t.
    const int s = params.slope_weeks;
    double slope = 0.0;
    if (s >= 2) {
      double mean_x = 0.0, mean_y = 0.0;
      for (int a = 0; a < s; ++a) {
        mean_x += -a;
        mean_y += weekly[static_cast<std::size_t>(a)];
      }
      mean_x /= s;
      mean_y /= s;
      double sxy = 0.0, sxx = 0.0;
      for (int a = 0; a < s; ++a) {
        const double dx = -a - mean_x;
        sxy += dx * (weekly[static_cast<std::size_t>(a)] - mean_y);
        sxx += dx * dx;
      }
      slope = sxy / sxx;
    }

    const double recent = sum_ages(0, params.trigger_weeks);
    const double baseline = sum_ages(params.trigger_weeks, params.baseline_weeks);
    const double mean_baseline = baseline / params.baseline_weeks;
    const double expected = params.trigger_weeks * mean_baseline;
    const double z = (recent - expected) / std::sqrt(expected + 1.0);
    std::uint8_t flags = 0;
    if (z >= params.trigger_z && recent >= params.trigger_min) flags |= kTriggerJump;
    if (baseline == 0.0 && recent >= params.trigger_min) flags |= kTriggerNewWriter;

    out.volume[i] = volume;
    out.prior_volume[i] = prior_volume;
    out.growth[i] = std::log((volume + 1.0) / (prior_volume + 1.0));
    out.slope[i] = slope;
    out.trigger_z[i] = z;
    out.trigger[i] = flags;
  }
}

}  // namespace signalrank::kernels
