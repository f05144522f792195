// Contiguous ranges of providers (indices 0..n-1 in NPI order) per rank: how `score` reads
// universe.h5 and, by default, who owns what (partition/ownership.hpp). Boundaries fall on
// multiples of kOwnershipBlock (1,024 providers); results no longer depend on that (score's global
// sums are exact), but the stored `block` partitions of `signalrank partition` keep their meaning.
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
