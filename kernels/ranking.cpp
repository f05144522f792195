// Percentile, score and rank-order kernels. See ranking.hpp for the contract.
#include "kernels/ranking.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>

namespace signalrank::kernels {
namespace {

void check_percentile_inputs(std::span<const double> sorted_eligible,
                             std::span<const double> values, std::span<double> pct) {
  if (values.size() != pct.size()) {
    throw std::invalid_argument("percentiles: values and pct differ in length");
  }
  if (!values.empty() && sorted_eligible.empty()) {
    throw std::invalid_argument("percentiles: values given but no eligible providers");
  }
}

void check_score_inputs(std::span<const double> pct_volume, std::span<const double> pct_growth,
                        std::span<const double> pct_pagerank, std::span<const double> pct_exposure,
                        std::span<const std::uint8_t> trigger,
                        std::span<const std::uint8_t> eligible, std::span<double> score) {
  const std::size_t n = score.size();
  if (pct_volume.size() != n || pct_growth.size() != n || pct_pagerank.size() != n ||
      pct_exposure.size() != n || trigger.size() != n || eligible.size() != n) {
    throw std::invalid_argument("compute_scores: inputs are not one per provider");
  }
}

void check_rank_inputs(std::span<const double> score, std::span<const std::uint64_t> npi,
                       std::span<const std::uint8_t> eligible) {
  if (npi.size() != score.size() || eligible.size() != score.size()) {
    throw std::invalid_argument("rank_order: score, npi and eligible differ in length");
  }
  if (score.size() > std::numeric_limits<std::uint32_t>::max()) {
    throw std::invalid_argument("rank_order: more providers than uint32 indices");
  }
  for (std::size_t i = 0; i < score.size(); ++i) {
    if (eligible[i] && std::isnan(score[i])) {
      throw std::invalid_argument("rank_order: NaN score of an eligible provider");
    }
  }
}

}  // namespace

void percentiles(std::span<const double> sorted_eligible, std::span<const double> values,
                 std::span<double> pct) {
  check_percentile_inputs(sorted_eligible, values, pct);
  // is_sorted with `<` also rejects NaN anywhere but in the first position; check that one too.
  if (!std::is_sorted(sorted_eligible.begin(), sorted_eligible.end()) ||
      (!sorted_eligible.empty() && std::isnan(sorted_eligible.front()))) {
    throw std::invalid_argument("percentiles: eligible values are not sorted ascending");
  }
  const auto count = static_cast<std::int64_t>(values.size());
#pragma omp parallel for schedule(static)
  for (std::int64_t k = 0; k < count; ++k) {
    const auto [lo, hi] =
        std::equal_range(sorted_eligible.begin(), sorted_eligible.end(), values[k]);
    pct[k] = percentile_of(static_cast<std::uint64_t>(lo - sorted_eligible.begin()),
                           static_cast<std::uint64_t>(hi - lo), sorted_eligible.size());
  }
}

void percentiles_reference(std::span<const double> sorted_eligible,
                           std::span<const double> values, std::span<double> pct) {
  check_percentile_inputs(sorted_eligible, values, pct);
  for (std::size_t k = 0; k < values.size(); ++k) {
    std::size_t below = 0, ties = 0;
    for (double other : sorted_eligible) {
      if (other < values[k]) ++below;
      if (other == values[k]) ++ties;
    }
    pct[k] = (static_cast<double>(below) + static_cast<double>(ties + 1) / 2.0) /
             static_cast<double>(sorted_eligible.size());
  }
}

void compute_scores(std::span<const double> pct_volume, std::span<const double> pct_growth,
                    std::span<const double> pct_pagerank, std::span<const double> pct_exposure,
                    std::span<const std::uint8_t> trigger, std::span<const std::uint8_t> eligible,
                    const ScoreWeights& weights, std::span<double> score) {
  check_score_inputs(pct_volume, pct_growth, pct_pagerank, pct_exposure, trigger, eligible, score);
  const auto n = static_cast<std::int64_t>(score.size());
#pragma omp parallel for schedule(static)
  for (std::int64_t i = 0; i < n; ++i) {
    const double s = weights.volume * pct_volume[i] + weights.growth * pct_growth[i] +
                     weights.pagerank * pct_pagerank[i] +
                     weights.peer_exposure * pct_exposure[i] +
                     weights.trigger * (trigger[i] != 0 ? 1.0 : 0.0);
    score[i] = eligible[i] != 0 ? s : 0.0;
  }
}

void compute_scores_reference(std::span<const double> pct_volume,
                              std::span<const double> pct_growth,
                              std::span<const double> pct_pagerank,
                              std::span<const double> pct_exposure,
                              std::span<const std::uint8_t> trigger,
                              std::span<const std::uint8_t> eligible, const ScoreWeights& weights,
                              std::span<double> score) {
  check_score_inputs(pct_volume, pct_growth, pct_pagerank, pct_exposure, trigger, eligible, score);
  for (std::size_t i = 0; i < score.size(); ++i) {
    if (!eligible[i]) {
      score[i] = 0.0;
      continue;
    }
    double s = weights.volume * pct_volume[i];
    s += weights.growth * pct_growth[i];
    s += weights.pagerank * pct_pagerank[i];
    s += weights.peer_exposure * pct_exposure[i];
    if (trigger[i]) s += weights.trigger;
    score[i] = s;
  }
}

std::vector<std::uint32_t> rank_order(std::span<const double> score,
                                      std::span<const std::uint64_t> npi,
                                      std::span<const std::uint8_t> eligible) {
  check_rank_inputs(score, npi, eligible);
  // Sort compact keys rather than indices, so the comparator never chases pointers. Ineligible
  // keys carry score 0 and sort after every eligible key whatever their score column says.
  struct Key {
    std::uint8_t ineligible;
    double score;
    std::uint64_t npi;
    std::uint32_t index;
  };
  std::vector<Key> keys(score.size());
  for (std::size_t i = 0; i < score.size(); ++i) {
    const bool ok = eligible[i] != 0;
    keys[i] = {static_cast<std::uint8_t>(ok ? 0 : 1), ok ? score[i] : 0.0, npi[i],
               static_cast<std::uint32_t>(i)};
  }
  std::sort(keys.begin(), keys.end(), [](const Key& a, const Key& b) {
    if (a.ineligible != b.ineligible) return a.ineligible < b.ineligible;
    if (a.score != b.score) return a.score > b.score;
    if (a.npi != b.npi) return a.npi < b.npi;
    return a.index < b.index;
  });
  std::vector<std::uint32_t> order(keys.size());
  for (std::size_t k = 0; k < keys.size(); ++k) order[k] = keys[k].index;
  return order;
}

std::vector<std::uint32_t> rank_order_reference(std::span<const double> score,
                                                std::span<const std::uint64_t> npi,
                                                std::span<const std::uint8_t> eligible) {
  check_rank_inputs(score, npi, eligible);
  std::vector<std::uint32_t> order(score.size());
  std::iota(order.begin(), order.end(), 0u);
  // Least significant key first; each later stable pass keeps the earlier order among ties.
  std::stable_sort(order.begin(), order.end(),
                   [&](std::uint32_t a, std::uint32_t b) { return npi[a] < npi[b]; });
  const auto eligible_end = std::stable_partition(
      order.begin(), order.end(), [&](std::uint32_t i) { return eligible[i] != 0; });
  std::stable_sort(order.begin(), eligible_end,
                   [&](std::uint32_t a, std::uint32_t b) { return score[a] > score[b]; });
  return order;
}

}  // namespace signalrank::kernels
