// Weekly trend columns of the `score` phase (SPEC section 4): volume, prior volume, growth,
// OLS slope and the jump / new-writer trigger, one value per provider.
//
// Input contract: the claims of the owned providers in CSR form. Provider i owns rows
// [offsets[i], offsets[i+1]); each row carries its week as an age (t - week, 0 = the as-of week)
// and its services. Rows need not be sorted, several rows may share a week (different codes:
// they add up), and rows with age < 0 (after the as-of week) or age >= trend_history_weeks()
// are ignored. A week without rows counts as 0, also before the data starts.
//
// compute_trends() is the OpenMP kernel: one pass over each provider's rows, no per-provider
// buffer, every output element written by one thread from that provider's rows in row order, so
// the bits do not depend on the thread count. compute_trends_reference() is the serial verifier:
// it builds the dense weekly series and applies the SPEC formulas literally.
#pragma once
#include <cstdint>
#include <span>

namespace signalrank::kernels {

struct TrendParams {
  int window_weeks = 13;    // current window; the prior window is the same length before it
  int slope_weeks = 26;     // weeks of the OLS slope (slope is 0 when fewer than 2)
  int trigger_weeks = 4;    // recent weeks tested for a jump
  int baseline_weeks = 26;  // the weeks before those, as the baseline
  double trigger_z = 3.0;   // jump flag threshold on trigger_z
  double trigger_min = 5;   // minimum recent services for either flag
};

// Output columns, one element per provider (all of length offsets.size() - 1).
struct TrendColumns {
  std::span<double> volume;        // sum over ages 0 .. window-1
  std::span<double> prior_volume;  // sum over ages window .. 2*window-1
  std::span<double> growth;        // ln((volume + 1) / (prior_volume + 1))
  std::span<double> slope;         // services per week, OLS over ages 0 .. slope_weeks-1
  std::span<double> trigger_z;     // (R - E) / sqrt(E + 1)
  std::span<std::uint8_t> trigger; // bit mask of kTriggerJump | kTriggerNewWriter
};

constexpr std::uint8_t kTriggerJump = 1;       // trigger_z >= params.trigger_z and R >= trigger_min
constexpr std::uint8_t kTriggerNewWriter = 2;  // baseline sum B == 0 and R >= trigger_min

// How many weeks back (ages 0 .. n-1) the trends read: max(2*window, slope, trigger+baseline).
// Throws std::invalid_argument unless window, trigger and baseline weeks are >= 1 and slope >= 0.
int trend_history_weeks(const TrendParams& params);

// offsets: n+1 row offsets; age, services: one element per row. Throws std::invalid_argument on
// inconsistent sizes or bad params (see trend_history_weeks).
void compute_trends(std::span<const std::uint64_t> offsets, std::span<const std::int32_t> age,
                    std::span<const double> services, const TrendParams& params,
                    const TrendColumns& out);

// Serial verifier with the same contract (dense weekly series, textbook OLS).
void compute_trends_reference(std::span<const std::uint64_t> offsets,
                              std::span<const std::int32_t> age,
                              std::span<const double> services, const TrendParams& params,
                              const TrendColumns& out);

}  // namespace signalrank::kernels
