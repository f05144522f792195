// Sums over fixed blocks of kSumBlock consecutive owned vertices, each block added in vertex
// order by one thread: the partials then add up (in block order, on every rank) to the same bits
// whatever the rank and thread counts.
#pragma once
#include <algorithm>
#include <cstdint>
#include <span>

#include "kernels/pagerank.hpp"

namespace signalrank::kernels {

// partial[b] = sum of values[i] over block b for i with mask[i] != 0 (all i when mask is empty).
inline void masked_block_sums(std::span<const double> values, std::span<const std::uint8_t> mask,
                              std::span<double> partial) {
  const std::size_t n = values.size(), nb = sum_block_count(n);
#pragma omp parallel for schedule(static)
  for (std::size_t b = 0; b < nb; ++b) {
    double s = 0;
    for (std::size_t i = b * kSumBlock; i < std::min(n, (b + 1) * kSumBlock); ++i)
      if (mask.empty() || mask[i]) s += values[i];
    partial[b] = s;
  }
}

}  // namespace signalrank::kernels
