// Percentiles, score and rank order (SPEC section 4).
//
// Percentile of a value against the eligible providers' values, ties sharing the mean rank:
//   pct = (below + (ties + 1) / 2) / n_eligible,
// where `below` counts eligible values smaller than it and `ties` the eligible values equal to it
// (exact double equality), itself included. Only eligible providers have a percentile: call
// percentiles() with values drawn from sorted_eligible. (A value absent from sorted_eligible
// would get ties = 0, which means nothing; callers must not rely on it.)
//
// score = sum_c weight_c pct_c + weight_trigger [trigger != 0] for eligible providers, 0 for the
// others. rank_order() lists the eligible providers by score descending, ties by NPI ascending,
// then the ineligible ones by NPI ascending; position k in it is rank k+1 for eligible providers.
//
// Every kernel writes each output element from its own inputs only, so the bits do not depend on
// the thread count.
#pragma once
#include <cstdint>
#include <span>
#include <vector>

namespace signalrank::kernels {

// The percentile of a value with `below` eligible values smaller and `ties` equal (itself
// included) among n eligible: the one expression every path uses, so all agree bit for bit.
inline double percentile_of(std::uint64_t below, std::uint64_t ties, std::uint64_t n) {
  return (static_cast<double>(below) + (static_cast<double>(ties) + 1.0) / 2.0) / static_cast<double>(n);
}

// sorted_eligible: all eligible values, ascending (checked; NaN is not allowed).
// values, pct: one per eligible provider to rank. Binary search per value, parallel.
// Throws std::invalid_argument on unsorted input, size mismatch, or values with no eligible set.
void percentiles(std::span<const double> sorted_eligible, std::span<const double> values,
                 std::span<double> pct);

// Serial verifier: counts below and ties by scanning all eligible values, O(n^2).
void percentiles_reference(std::span<const double> sorted_eligible,
                           std::span<const double> values, std::span<double> pct);

struct ScoreWeights {
  double volume;
  double growth;
  double pagerank;
  double peer_exposure;
  double trigger;
};

// All spans one element per provider. Throws std::invalid_argument on size mismatch.
void compute_scores(std::span<const double> pct_volume, std::span<const double> pct_growth,
                    std::span<const double> pct_pagerank, std::span<const double> pct_exposure,
                    std::span<const std::uint8_t> trigger, std::span<const std::uint8_t> eligible,
                    const ScoreWeights& weights, std::span<double> score);

// Serial verifier of compute_scores.
void compute_scores_reference(std::span<const double> pct_volume,
                              std::span<const double> pct_growth,
                              std::span<const double> pct_pagerank,
                              std::span<const double> pct_exposure,
                              std::span<const std::uint8_t> trigger,
                              std::span<const std::uint8_t> eligible, const ScoreWeights& weights,
                              std::span<double> score);

// Permutation of 0..n-1: eligible by score descending then NPI ascending, then ineligible by NPI
// ascending. Equal NPIs (not expected) fall back to index order, so the order is always total.
// Throws std::invalid_argument on size mismatch or a NaN score of an eligible provider.
std::vector<std::uint32_t> rank_order(std::span<const double> score,
                                      std::span<const std::uint64_t> npi,
                                      std::span<const std::uint8_t> eligible);

// Serial verifier: stable sorts (NPI, then eligibility, then score) instead of one comparator.
std::vector<std::uint32_t> rank_order_reference(std::span<const double> score,
                                                std::span<const std::uint64_t> npi,
                                                std::span<const std::uint8_t> eligible);

}  // namespace signalrank::kernels
