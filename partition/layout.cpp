#include "partition/layout.hpp"

#include <algorithm>

namespace signalrank {

BlockLayout::BlockLayout(std::uint64_t n, int ranks, std::span<const std::uint64_t> weight) {
  const std::uint64_t nblocks = (n + kOwnershipBlock - 1) / kOwnershipBlock;
  // Prefix sums of the weight of each ownership block (unit weight per item when none given).
  std::vector<std::uint64_t> prefix(nblocks + 1, 0);
  for (std::uint64_t b = 0; b < nblocks; ++b) {
    std::uint64_t lo = b * kOwnershipBlock, hi = std::min(n, lo + kOwnershipBlock), w = 0;
    if (weight.empty()) {
      w = hi - lo;
    } else {
      for (std::uint64_t i = lo; i < hi; ++i) w += weight[i] + 1;  // +1: every item costs something
    }
    prefix[b + 1] = prefix[b] + w;
  }
  bounds_.assign(static_cast<std::size_t>(ranks) + 1, n);
  bounds_[0] = 0;
  for (int r = 1; r < ranks; ++r) {
    // First block boundary at which the prefix reaches r/ranks of the total.
    __extension__ const unsigned __int128 target = static_cast<unsigned __int128>(prefix.back()) * static_cast<unsigned>(r) / static_cast<unsigned>(ranks);
    auto it = std::lower_bound(prefix.begin(), prefix.end(), static_cast<std::uint64_t>(target));
    std::uint64_t b = static_cast<std::uint64_t>(it - prefix.begin());
    bounds_[r] = std::max(bounds_[r - 1], std::min(n, b * kOwnershipBlock));
  }
}

BlockLayout BlockLayout::from_bounds(std::vector<std::uint64_t> bounds) {
  BlockLayout l;
  l.bounds_ = std::move(bounds);
  return l;
}

int BlockLayout::owner(std::uint64_t i) const {
  auto it = std::upper_bound(bounds_.begin(), bounds_.end(), i);
  return static_cast<int>(it - bounds_.begin()) - 1;
}

}  // namespace signalrank
