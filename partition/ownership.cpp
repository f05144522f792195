#include "partition/ownership.hpp"

#include <stdexcept>

namespace signalrank {

Ownership Ownership::blocks(BlockLayout read) {
  Ownership o;
  o.read_ = std::move(read);
  for (int r = 0; r < o.read_.ranks(); ++r) o.counts_.push_back(o.read_.count(r));
  return o;
}

Ownership Ownership::parts(std::vector<std::uint32_t> part, BlockLayout read, std::string name) {
  if (part.size() != read.size()) throw std::invalid_argument("Ownership: one part per provider expected");
  Ownership o;
  o.read_ = std::move(read);
  o.name_ = std::move(name);
  o.counts_.assign(static_cast<std::size_t>(o.read_.ranks()), 0);
  o.local_.resize(part.size());
  for (std::size_t g = 0; g < part.size(); ++g) {
    if (part[g] >= o.counts_.size()) throw std::invalid_argument("Ownership: part beyond the rank count");
    o.local_[g] = static_cast<std::uint32_t>(o.counts_[part[g]]++);
  }
  o.part_ = std::move(part);
  return o;
}

std::vector<std::uint64_t> Ownership::owned(int r) const {
  std::vector<std::uint64_t> ids;
  ids.reserve(count(r));
  if (is_block()) {
    for (std::uint64_t g = read_.begin(r); g < read_.end(r); ++g) ids.push_back(g);
  } else {
    for (std::uint64_t g = 0; g < part_.size(); ++g)
      if (part_[g] == static_cast<std::uint32_t>(r)) ids.push_back(g);
  }
  return ids;
}

Redistribution::Redistribution(const Comm& comm, const Ownership& own)
    : comm_(comm), provider_counts_(static_cast<std::size_t>(comm.size()), 0) {
  const std::uint64_t lo = own.read_layout().begin(comm.rank()), n = own.read_layout().count(comm.rank());
  for (std::uint64_t i = 0; i < n; ++i) provider_counts_[static_cast<std::size_t>(own.owner(lo + i))]++;
  std::vector<std::uint64_t> at(provider_counts_.size(), 0);
  for (std::size_t r = 1; r < at.size(); ++r) at[r] = at[r - 1] + provider_counts_[r - 1];
  order_.resize(n);
  dest_.resize(n);
  for (std::uint64_t i = 0; i < n; ++i) {
    const auto r = static_cast<std::size_t>(own.owner(lo + i));
    dest_[at[r]] = static_cast<std::uint32_t>(r);
    order_[at[r]++] = static_cast<std::uint32_t>(i);
  }
}

std::vector<std::uint64_t> Redistribution::move_offsets(std::span<const std::uint64_t> offsets) const {
  std::vector<std::uint64_t> rows(order_.size());
  for (std::size_t i = 0; i < rows.size(); ++i) rows[i] = offsets[i + 1] - offsets[i];
  const std::vector<std::uint64_t> moved = move<std::uint64_t>(rows);
  std::vector<std::uint64_t> out(moved.size() + 1, 0);
  for (std::size_t i = 0; i < moved.size(); ++i) out[i + 1] = out[i] + moved[i];
  return out;
}

}  // namespace signalrank
