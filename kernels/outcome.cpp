// The conversion outcome; the definitions are in outcome.hpp.
#include "kernels/outcome.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

namespace signalrank::kernels {
namespace {

double log_gamma(double x) {
  int sign = 0;
  return ::lgamma_r(x, &sign);  // std::lgamma may write the global signgam: not for threads
}

// Continued fraction of the incomplete beta function (modified Lentz), for x < (a + 1) / (a + b + 2).
double beta_fraction(double a, double b, double x) {
  constexpr double kTiny = 1e-300, kEps = 1e-15;
  constexpr int kMaxTerms = 100000;
  double c = 1.0, d = 1.0 - (a + b) * x / (a + 1.0);
  if (std::fabs(d) < kTiny) d = kTiny;
  d = 1.0 / d;
  double h = d;
  for (int m = 1; m < kMaxTerms; ++m) {
    const double m2 = 2.0 * m;
    double an = m * (b - m) * x / ((a + m2 - 1.0) * (a + m2));
    d = 1.0 + an * d;
    if (std::fabs(d) < kTiny) d = kTiny;
    c = 1.0 + an / c;
    if (std::fabs(c) < kTiny) c = kTiny;
    d = 1.0 / d;
    h *= d * c;
    an = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1.0));
    d = 1.0 + an * d;
    if (std::fabs(d) < kTiny) d = kTiny;
    c = 1.0 + an / c;
    if (std::fabs(c) < kTiny) c = kTiny;
    d = 1.0 / d;
    const double delta = d * c;
    h *= delta;
    if (std::fabs(delta - 1.0) < kEps) break;
  }
  return h;
}

// The regularised incomplete beta function I_x(a, b), a, b > 0, 0 <= x <= 1.
double incomplete_beta(double a, double b, double x) {
  if (x <= 0.0) return 0.0;
  if (x >= 1.0) return 1.0;
  const double log_front = a * std::log(x) + b * std::log1p(-x) - (log_gamma(a) + log_gamma(b) - log_gamma(a + b));
  if (x < (a + 1.0) / (a + b + 2.0)) return std::exp(log_front) * beta_fraction(a, b, x) / a;
  return 1.0 - std::exp(log_front) * beta_fraction(b, a, 1.0 - x) / b;
}

// SplitMix64: a counter-based generator, so each provider's stream depends on its key alone.
std::uint64_t splitmix(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// Uniform in [0, bound) without modulo bias (Lemire's multiply-shift with rejection).
std::uint32_t below(std::uint64_t& state, std::uint32_t bound) {
  for (;;) {
    const std::uint64_t r = splitmix(state) >> 32;
    const std::uint64_t m = r * bound;
    if (static_cast<std::uint32_t>(m) >= (-bound) % bound) return static_cast<std::uint32_t>(m >> 32);
  }
}

}  // namespace

double binomial_upper_tail(double k, double n, double p) {
  if (!(p >= 0.0 && p <= 1.0) || !(n >= 0.0) || !std::isfinite(n) || !std::isfinite(k))
    throw std::invalid_argument("binomial_upper_tail: p must be in [0, 1], n finite and >= 0");
  if (k <= 0.0) return 1.0;
  if (k > n) return 0.0;
  return incomplete_beta(k, n - k + 1.0, p);  // P(Y >= k) = I_p(k, n - k + 1) for integer k
}

Conversion classify_outcome(double past, double future, double dispersion, int baseline_weeks, double seasonal,
                            const OutcomeRule& rule) {
  if (past <= 0.0) return future >= rule.trigger_min ? kStart : kNotConverted;
  const double expected = past / baseline_weeks * rule.horizon * seasonal;
  if (future < expected * (1.0 + rule.margin) || future - expected < rule.min_increase) return kNotConverted;
  // Given past + future services, the horizon's share under an unchanged rate is its share of
  // the exposure: h S weeks against B.
  const double phi = std::max(1.0, dispersion);
  const double exposure = rule.horizon * seasonal;
  const double share = exposure / (baseline_weeks + exposure);
  return binomial_upper_tail(future / phi, (past + future) / phi, share) < rule.alpha ? kRamp : kNotConverted;
}

namespace {

void check_series(const WeeklySeries& s, std::size_t n, const char* who) {
  if (s.offsets.size() != n + 1 || s.week.size() != s.services.size() || s.offsets.front() != 0 ||
      s.offsets.back() > s.week.size())
    throw std::invalid_argument(std::string(who) + ": the series and the output differ in size");
}

// Sum, and the dispersion max(1, sample variance / mean), of the first `weeks` entries of `w`.
void baseline_stats(const double* w, int weeks, double& sum, double& dispersion) {
  sum = 0.0;
  for (int k = 0; k < weeks; ++k) sum += w[k];
  dispersion = 1.0;
  if (weeks < 2 || sum <= 0.0) return;
  const double mean = sum / weeks;
  double squares = 0.0;
  for (int k = 0; k < weeks; ++k) squares += (w[k] - mean) * (w[k] - mean);
  dispersion = std::max(1.0, squares / (weeks - 1) / mean);
}

// Provider i's services per week into weeks[0 ..) for the weeks first, first + 1, ...; rows
// outside are ignored. Returns the total.
double dense_weeks(const WeeklySeries& series, std::size_t i, std::int32_t first, std::vector<double>& weeks) {
  std::fill(weeks.begin(), weeks.end(), 0.0);
  const auto count = static_cast<std::int64_t>(weeks.size());
  double total = 0.0;
  for (std::uint64_t r = series.offsets[i]; r < series.offsets[i + 1]; ++r) {
    const std::int64_t k = static_cast<std::int64_t>(series.week[r]) - first;
    if (k < 0 || k >= count) continue;
    weeks[static_cast<std::size_t>(k)] += series.services[r];
    total += series.services[r];
  }
  return total;
}

}  // namespace

void outcomes_from_series(const WeeklySeries& series, std::int32_t t, int baseline_weeks, double seasonal,
                          const OutcomeRule& rule, std::span<std::uint8_t> out) {
  const std::size_t n = out.size();
  check_series(series, n, "outcomes_from_series");
  if (baseline_weeks < 1 || rule.horizon < 1 || !(seasonal > 0.0))
    throw std::invalid_argument("outcomes_from_series: bad baseline, horizon or season");
  const int span_weeks = baseline_weeks + rule.horizon;  // the baseline, then the horizon
  const std::int32_t first = t - baseline_weeks + 1;
#pragma omp parallel
  {
    std::vector<double> weeks(static_cast<std::size_t>(span_weeks));  // one buffer per thread
#pragma omp for schedule(dynamic, 1024)
    for (std::size_t i = 0; i < n; ++i) {
      const double total = dense_weeks(series, i, first, weeks);
      double past = 0.0, dispersion = 1.0;
      baseline_stats(weeks.data(), baseline_weeks, past, dispersion);
      out[i] = classify_outcome(past, total - past, dispersion, baseline_weeks, seasonal, rule);
    }
  }
}

void placebo_outcomes(const WeeklySeries& series, std::span<const std::uint64_t> key, std::int32_t t,
                      int baseline_weeks, const OutcomeRule& rule, std::uint64_t seed, std::span<std::uint8_t> out) {
  const std::size_t n = out.size();
  check_series(series, n, "placebo_outcomes");
  if (key.size() != n) throw std::invalid_argument("placebo_outcomes: one key per provider");
  if (baseline_weeks < 1 || rule.horizon < 1) throw std::invalid_argument("placebo_outcomes: bad baseline or horizon");
  const int span_weeks = baseline_weeks + rule.horizon;
  const std::int32_t first = t - span_weeks + 1;
#pragma omp parallel
  {
    std::vector<double> weeks(static_cast<std::size_t>(span_weeks));  // one buffer per thread
#pragma omp for schedule(dynamic, 1024)
    for (std::size_t i = 0; i < n; ++i) {
      const double total = dense_weeks(series, i, first, weeks);
      if (total == 0.0) {
        out[i] = kNotConverted;
        continue;
      }
      // A uniformly random order (Fisher-Yates); the baseline is the first B, the horizon the rest.
      std::uint64_t state = seed ^ (key[i] * 0xD1B54A32D192ED03ULL);
      for (int j = span_weeks - 1; j > 0; --j)
        std::swap(weeks[static_cast<std::size_t>(j)], weeks[below(state, static_cast<std::uint32_t>(j + 1))]);
      double past = 0.0, dispersion = 1.0;
      baseline_stats(weeks.data(), baseline_weeks, past, dispersion);
      out[i] = classify_outcome(past, total - past, dispersion, baseline_weeks, 1.0, rule);
    }
  }
}

double seasonal_factor(std::span<const double> totals, int horizon) {
  constexpr int kHalf = kBaselineWeeks / 2;
  const auto n = static_cast<std::int64_t>(totals.size());
  if (horizon < 1 || horizon > kHalf || n < kBaselineWeeks + kHalf) return 1.0;
  const std::int64_t t = n - 1;  // index of week t
  double ratio_sum = 0.0;
  for (std::int64_t w = t - kBaselineWeeks + 1; w < t - kBaselineWeeks + 1 + horizon; ++w) {
    double ma = 0.5 * (totals[static_cast<std::size_t>(w - kHalf)] + totals[static_cast<std::size_t>(w + kHalf)]);
    for (std::int64_t k = w - kHalf + 1; k < w + kHalf; ++k) ma += totals[static_cast<std::size_t>(k)];
    ma /= kBaselineWeeks;
    if (!(ma > 0.0)) return 1.0;
    ratio_sum += totals[static_cast<std::size_t>(w)] / ma;
  }
  return ratio_sum / horizon;
}

}  // namespace signalrank::kernels
