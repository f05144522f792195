// Which rank owns each provider during `score`, and how the data gets there.
//
// Every rank first reads one contiguous block of providers from universe.h5 (the read layout, a
// BlockLayout balanced on claims rows + edges): contiguous hyperslabs are what HDF5 reads fast.
// Ownership then says which rank computes each provider:
//   block  the read layout itself: nothing moves (the default);
//   any other assignment part[g] in [0, ranks) (hash, or a stored METIS partition): each rank
//          sends every provider's rows to its owner once, after the read (Redistribution).
// A rank's owned providers are always listed in ascending provider index ("owned order"): local
// index i is the i-th smallest index the rank owns. Senders' read blocks ascend with the rank, so
// data arriving in rank order is already in owned order.
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "partition/comm.hpp"
#include "partition/layout.hpp"

namespace signalrank {

class Ownership {
 public:
  Ownership() = default;
  // Each rank owns the block it reads.
  static Ownership blocks(BlockLayout read);
  // Provider g is owned by rank part[g] (every value below read.ranks()); data is read in `read`.
  // `name` says where the assignment came from ("hash", "graph_4"), for messages and checkpoints.
  static Ownership parts(std::vector<std::uint32_t> part, BlockLayout read, std::string name);

  bool is_block() const { return part_.empty(); }
  // The owner of every provider; empty for blocks.
  const std::vector<std::uint32_t>& parts() const { return part_; }
  const std::string& name() const { return name_; }
  const BlockLayout& read_layout() const { return read_; }
  std::uint64_t size() const { return read_.size(); }
  int ranks() const { return read_.ranks(); }

  int owner(std::uint64_t g) const { return is_block() ? read_.owner(g) : static_cast<int>(part_[g]); }
  // g's local index on its owner.
  std::uint64_t local_index(std::uint64_t g) const { return is_block() ? g - read_.begin(owner(g)) : local_[g]; }
  std::uint64_t count(int r) const { return counts_[static_cast<std::size_t>(r)]; }
  // The providers rank r owns, ascending.
  std::vector<std::uint64_t> owned(int r) const;

 private:
  BlockLayout read_;
  std::vector<std::uint32_t> part_, local_;  // per provider; empty for blocks
  std::vector<std::uint64_t> counts_;        // per rank
  std::string name_ = "block";
};

// Moves per-provider data from this rank's read block to the owners: one MPI_Alltoallv per column.
// Collective; every rank builds it with the same Ownership.
class Redistribution {
 public:
  Redistribution(const Comm& comm, const Ownership& own);

  // One value per provider of the read block, in provider order -> one per owned provider.
  template <class T>
  std::vector<T> move(std::span<const T> values) const {
    std::vector<T> send(values.size());
    for (std::size_t k = 0; k < order_.size(); ++k) send[k] = values[order_[k]];
    return comm_.alltoallv<T>(send, provider_counts_);
  }
  // A CSR over the read block (offsets from 0, n + 1 of them): the owned providers' offsets.
  std::vector<std::uint64_t> move_offsets(std::span<const std::uint64_t> offsets) const;
  // The rows of that CSR -> the owned providers' rows, in owned order, as a Vec (any vector type:
  // the send buffer and the result are Vecs).
  template <class Vec>
  Vec move_rows(std::span<const std::uint64_t> offsets, std::span<const typename Vec::value_type> rows) const {
    using T = typename Vec::value_type;
    Vec send(rows.size());
    std::vector<std::uint64_t> counts(static_cast<std::size_t>(comm_.size()), 0);
    std::size_t at = 0;
    for (std::size_t k = 0; k < order_.size(); ++k) {
      const std::uint32_t i = order_[k];
      for (std::uint64_t e = offsets[i]; e < offsets[i + 1]; ++e) send[at++] = rows[e];
      counts[dest_[k]] += offsets[i + 1] - offsets[i];
    }
    return comm_.alltoallv_as<Vec>(std::span<const T>(send), counts);
  }

 private:
  const Comm& comm_;
  std::vector<std::uint32_t> order_;  // read-block providers grouped by owner, ascending within
  std::vector<std::uint32_t> dest_;   // owner of order_[k]
  std::vector<std::uint64_t> provider_counts_;  // per owner
};

}  // namespace signalrank
