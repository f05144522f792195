// The outcome a ranking is judged and trained on: did a provider convert in the h weeks after an
// origin t? Pure functions of per-provider arrays; src/pipeline/outcome.cpp feeds them from the
// campaign's weekly claims on each rank.
//
// For provider i, with c_i(w) its campaign services in week w (summed over codes):
//   past_i     = services in the B baseline weeks (t - B, t]; B = min(52, weeks of data to t)
//   future_i   = services in the horizon (t, t + h]
//   phi_i      = the dispersion of its B weekly counts, max(1, sample variance / mean) (1 when B = 1)
//   S          = the universe's seasonal factor for the horizon, the same for every provider
//                (seasonal_factor below: the same weeks a year earlier against the universe's
//                centred 52-week moving average, so a trend is not mistaken for a season)
//   expected_i = past_i / B * h * S
// It STARTS when past_i = 0 and future_i >= trigger_min.
// It RAMPS when past_i > 0 and all three hold:
//   the one-sided exact test of two Poisson rates rejects "the rate did not rise" at alpha:
//        given N = past_i + future_i, future_i ~ Binomial(N, q) under an unchanged rate, with
//        q = h S / (B + h S) the horizon's share of the exposure, and
//        P(Y >= future_i / phi_i) < alpha for Y ~ Binomial(N / phi_i, q)
//        (conditioning on N accounts for the baseline's own noise; dividing by phi_i is the
//         quasi-Poisson correction where the provider's weeks are over-dispersed)
//   future_i >= expected_i * (1 + margin)                   (a relative margin)
//   future_i - expected_i >= min_increase                   (an absolute one)
// Otherwise it did not convert.
#pragma once
#include <cstdint>
#include <span>

namespace signalrank::kernels {

enum Conversion : std::uint8_t { kNotConverted = 0, kRamp = 1, kStart = 2 };

struct OutcomeRule {
  int horizon = 13;             // h, weeks
  double alpha = 0.01;          // one-sided Poisson test level
  double margin = 0.2;          // relative margin over the expected volume
  double min_increase = 5;      // absolute margin, services
  double trigger_min = 5;       // services in the horizon that make a start
};

// The weeks of the baseline (52: a year of pace, every season once).
constexpr int kBaselineWeeks = 52;

// P(Y >= k) for Y ~ Binomial(n, p) (real k and n: the regularised incomplete beta I_p(k, n - k + 1));
// 1 for k <= 0, 0 for k > n. Relative accuracy ~1e-12 wherever the value is above 1e-300.
// Throws std::invalid_argument for p outside [0, 1] or a negative or non-finite n.
double binomial_upper_tail(double k, double n, double p);

// One provider: `baseline_weeks` is B (>= 1), `seasonal` S (> 0), `dispersion` phi (>= 1).
Conversion classify_outcome(double past, double future, double dispersion, int baseline_weeks, double seasonal,
                            const OutcomeRule& rule);

// A rank's block of providers' weekly services as a sparse series: the rows of provider i are
// offsets[i] .. offsets[i+1], each a (week, services) pair; several rows may share a week.
struct WeeklySeries {
  std::span<const std::uint64_t> offsets;
  std::span<const std::int32_t> week;
  std::span<const std::uint32_t> services;
};

// Every provider's outcome after origin t (weeks outside (t - B, t + h] are ignored).
// OpenMP over providers. Throws std::invalid_argument on mismatched sizes or B < 1, S <= 0.
void outcomes_from_series(const WeeklySeries& series, std::int32_t t, int baseline_weeks, double seasonal,
                          const OutcomeRule& rule, std::span<std::uint8_t> out);

// The placebo: the same rule where nothing changed. Each provider's weekly services over the
// B + h weeks ending at t are put in a random order — every order equally likely, drawn from
// (seed, key[i]) alone — and the rule is applied with the first B shuffled weeks as the baseline,
// the last h as the horizon and S = 1. Shuffling keeps each provider's own spread of weekly counts
// (bursts, empty weeks) and destroys any change, so what converts here is what the rule calls a
// conversion by chance. Reads nothing after t. Deterministic for a given seed, whatever the
// thread count or the split of providers over ranks.
void placebo_outcomes(const WeeklySeries& series, std::span<const std::uint64_t> key, std::int32_t t,
                      int baseline_weeks, const OutcomeRule& rule, std::uint64_t seed, std::span<std::uint8_t> out);

// The seasonal factor S of the horizon (t, t + h] from the universe's weekly services `totals`,
// oldest first, the last entry being week t. Classical ratio to the centred moving average: for
// each week w of (t - 52, t - 52 + h], ratio(w) = totals[w] / MA(w), MA the centred 2x52-week
// average (weights 1/104 at w - 26 and w + 26, 1/52 between); S = the mean ratio. A linear trend
// gives S = 1; a pure season gives its ratio. S = 1 when the data are too short (fewer than
// 78 weeks to t), h > 26, or a moving average is 0.
double seasonal_factor(std::span<const double> totals, int horizon);

}  // namespace signalrank::kernels
