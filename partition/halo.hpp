// The halo-exchange plan, built once per run and run every PageRank iteration: which owned values
// each rank sends to which neighbour so that every rank holds copies of its ghost vertices.
// Backed by an MPI distributed-graph communicator (MPI_Dist_graph_create_adjacent) and
// MPI_Neighbor_alltoallv: only ranks that share edges talk, and only boundary values travel.
#pragma once
#include <mpi.h>

#include <cstdint>
#include <span>
#include <vector>

#include "partition/comm.hpp"
#include "partition/ownership.hpp"

namespace signalrank {

class HaloPlan {
 public:
  HaloPlan() = default;
  // `ghosts`: global ids of the vertices this rank needs but does not own, distinct, in any
  // order. The value of ghosts[k] lands at ext[n_owned + k]. Owned vertex i (local index i in owned
  // order, partition/ownership.hpp) is read from ext[i], or from ext[position_of[i]] when the owned
  // values are stored in another order. Collective.
  HaloPlan(const Comm& comm, const Ownership& own, std::span<const std::uint64_t> ghosts,
           std::span<const std::uint32_t> position_of = {});
  ~HaloPlan();
  HaloPlan(HaloPlan&& o) noexcept;
  HaloPlan& operator=(HaloPlan&& o) noexcept;
  HaloPlan(const HaloPlan&) = delete;
  HaloPlan& operator=(const HaloPlan&) = delete;

  std::uint64_t n_owned() const { return n_owned_; }
  std::uint64_t n_ghosts() const { return n_ghosts_; }
  std::uint64_t values_sent() const { return send_index_.size(); }
  int neighbours() const { return static_cast<int>(neighbours_.size()); }

  // Forward exchange: ext[0, n_owned) are this rank's values; fills ext[n_owned, n_owned+n_ghosts).
  template <class T>
  void exchange(std::span<T> ext) const {
    std::vector<T> send(send_index_.size());
    for (std::size_t i = 0; i < send_index_.size(); ++i) send[i] = ext[send_index_[i]];
    std::vector<T> recv(recv_position_.size());
    run(send.data(), recv.data(), mpi_bytes_type<T>());
    for (std::size_t k = 0; k < recv_position_.size(); ++k) ext[n_owned_ + recv_position_[k]] = recv[k];
  }
  // Bytes one exchange of values of `value_bytes` each sends from this rank.
  std::uint64_t bytes_sent(std::size_t value_bytes) const { return send_index_.size() * value_bytes; }

 private:
  void run(const void* send, void* recv, MPI_Datatype type) const;

  MPI_Comm graph_ = MPI_COMM_NULL;
  std::uint64_t n_owned_ = 0, n_ghosts_ = 0;
  std::vector<int> neighbours_;                  // ranks, ascending (same list in and out)
  std::vector<int> send_counts_, send_displs_;   // per neighbour
  std::vector<int> recv_counts_, recv_displs_;   // per neighbour
  std::vector<std::uint32_t> send_index_;        // local owned indices to pack, grouped by neighbour
  std::vector<std::uint32_t> recv_position_;     // k-th received value is ghost number recv_position_[k]
};

}  // namespace signalrank
