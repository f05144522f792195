// Ownership of providers (indices 0..n-1 in NPI order) by rank: contiguous ranges whose
// boundaries are multiples of kOwnershipBlock, so that the fixed blocks over which global sums
// are formed never straddle two ranks (results are then bit-identical for any rank count).
#pragma once
#include <cstdint>
#include <span>
#include <vector>

namespace signalrank {

constexpr std::uint64_t kOwnershipBlock = 1024;

class BlockLayout {
 public:
  BlockLayout() = default;
  // Splits n items so that each rank gets about the same total `weight` (weight[i] >= 0 per item;
  // an empty span means equal weights). Every rank must pass the same weights.
  BlockLayout(std::uint64_t n, int ranks, std::span<const std::uint64_t> weight = {});
  static BlockLayout from_bounds(std::vector<std::uint64_t> bounds);

  std::uint64_t size() const { return bounds_.empty() ? 0 : bounds_.back(); }
  int ranks() const { return static_cast<int>(bounds_.size()) - 1; }
  std::uint64_t begin(int r) const { return bounds_[r]; }
  std::uint64_t end(int r) const { return bounds_[r + 1]; }
  std::uint64_t count(int r) const { return end(r) - begin(r); }
  int owner(std::uint64_t i) const;
  const std::vector<std::uint64_t>& bounds() const { return bounds_; }

 private:
  std::vector<std::uint64_t> bounds_;  // ranks + 1 entries
};

}  // namespace signalrank
