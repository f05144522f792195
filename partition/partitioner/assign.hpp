// Assignments of providers to parts for `signalrank partition`: part[i] in [0, parts) for the
// provider with index i (ascending NPI order, as in universe.h5). Three methods:
//
//   block  contiguous ranges of provider indices with the boundaries BlockLayout gives `score`
//          (balanced on the load model below, boundaries on multiples of kOwnershipBlock = 1,024).
//   hash   part = mix64(NPI) mod parts, with mix64 the splitmix64 finalizer below. It depends on the
//          NPI alone, so a provider keeps its part when others are added or removed.
//   graph  METIS k-way on the symmetrized referral graph (partition/partitioner/metis_partition.hpp).
//
// The load model (what `score` balances): claims rows + in-edges + out-edges of a provider, plus
// 1 so that a provider without any still costs something. Pure functions; no MPI.
#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "partition/layout.hpp"

namespace signalrank {

enum class PartitionMethod { block, hash, graph };

std::string_view method_name(PartitionMethod m);
std::optional<PartitionMethod> parse_method(std::string_view name);

// The splitmix64 finalizer (Steele, Lea, Flood 2014; constants of Stafford's "mix13"): a fixed,
// documented bijection of 64-bit integers whose low bits depend on every input bit.
constexpr std::uint64_t mix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// Per-provider work, claims + in + out (without the +1), from the three CSR offset columns of
// universe.h5 (n + 1 entries each). BlockLayout adds the +1 itself.
std::vector<std::uint64_t> provider_work(std::span<const std::uint64_t> claim_offsets,
                                         std::span<const std::uint64_t> in_offsets,
                                         std::span<const std::uint64_t> out_offsets);
// The load model of one provider: work + 1.
inline std::uint64_t provider_load(std::uint64_t work) { return work + 1; }

// part[i] = mix64(npi[i]) % parts.
std::vector<std::uint32_t> hash_partition(std::span<const std::uint64_t> npi, std::uint32_t parts);

// The contiguous split `score` would make with `parts` ranks: BlockLayout(n, parts, work),
// expanded to one part per provider. Parts may be empty when parts exceeds the number of
// 1,024-provider blocks.
BlockLayout block_layout(std::span<const std::uint64_t> work, std::uint32_t parts);
std::vector<std::uint32_t> parts_of(const BlockLayout& layout);

}  // namespace signalrank
