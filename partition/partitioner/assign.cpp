#include "partition/partitioner/assign.hpp"

namespace signalrank {

std::string_view method_name(PartitionMethod m) {
  switch (m) {
    case PartitionMethod::block: return "block";
    case PartitionMethod::hash: return "hash";
    case PartitionMethod::graph: return "graph";
  }
  return "?";
}

std::optional<PartitionMethod> parse_method(std::string_view name) {
  for (PartitionMethod m : {PartitionMethod::block, PartitionMethod::hash, PartitionMethod::graph})
    if (name == method_name(m)) return m;
  return std::nullopt;
}

std::vector<std::uint64_t> provider_work(std::span<const std::uint64_t> claim_offsets,
                                         std::span<const std::uint64_t> in_offsets,
                                         std::span<const std::uint64_t> out_offsets) {
  const std::size_t n = claim_offsets.empty() ? 0 : claim_offsets.size() - 1;
  std::vector<std::uint64_t> work(n);
  for (std::size_t i = 0; i < n; ++i)
    work[i] = (claim_offsets[i + 1] - claim_offsets[i]) + (in_offsets[i + 1] - in_offsets[i]) +
              (out_offsets[i + 1] - out_offsets[i]);
  return work;
}

std::vector<std::uint32_t> hash_partition(std::span<const std::uint64_t> npi, std::uint32_t parts) {
  std::vector<std::uint32_t> part(npi.size());
  for (std::size_t i = 0; i < npi.size(); ++i) part[i] = static_cast<std::uint32_t>(mix64(npi[i]) % parts);
  return part;
}

BlockLayout block_layout(std::span<const std::uint64_t> work, std::uint32_t parts) {
  return BlockLayout(work.size(), static_cast<int>(parts), work);
}

std::vector<std::uint32_t> parts_of(const BlockLayout& layout) {
  std::vector<std::uint32_t> part(layout.size());
  for (int r = 0; r < layout.ranks(); ++r)
    for (std::uint64_t i = layout.begin(r); i < layout.end(r); ++i) part[i] = static_cast<std::uint32_t>(r);
  return part;
}

}  // namespace signalrank
