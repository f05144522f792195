// The halo-exchange plan, built once per run and run every PageRank iteration: which owned values
// each rank sends to which neighbour so that every rank holds copies of its ghost vertices
// (forward, exchange()), and the way back, ghost contributions summed into their owners
// (reverse, accumulate()), as PETSc's star forest and LAMMPS's Comm run a plan in both directions.
// Backed by an MPI distributed-graph communicator (MPI_Dist_graph_create_adjacent) and
// MPI_Neighbor_alltoallv: only ranks that share edges talk, and only boundary values travel.
// The algorithm code only fills and reads `ext`; packing and unpacking happen here.
#pragma once
#include <mpi.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <type_traits>
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

  // Forward exchange: ext[0, n_owned) are this rank's values; fills ext[n_owned, n_owned+n_ghosts).
  // Packs and unpacks on the calling rank's threads, through send and receive buffers that the
  // plan keeps from one call to the next (PageRank exchanges every iteration: a fresh pair of
  // buffers each time cost page faults and a zero fill of megabytes). So one plan runs one
  // exchange at a time.
  template <class T>
  void exchange(std::span<T> ext) const {
    static_assert(std::is_trivially_copyable_v<T> && alignof(T) <= __STDCPP_DEFAULT_NEW_ALIGNMENT__);
    T* send = buffer<T>(send_buffer_, send_index_.size());
    T* recv = buffer<T>(recv_buffer_, recv_position_.size());
    const std::size_t n_send = send_index_.size(), n_recv = recv_position_.size();
    const std::uint32_t* index = send_index_.data();
    const std::uint32_t* position = recv_position_.data();
#pragma omp parallel for schedule(static) if (n_send > kParallelValues)
    for (std::size_t i = 0; i < n_send; ++i) send[i] = ext[index[i]];
    run(send, recv, mpi_bytes_type<T>());
    T* ghosts = ext.data() + n_owned_;
#pragma omp parallel for schedule(static) if (n_recv > kParallelValues)
    for (std::size_t k = 0; k < n_recv; ++k) ghosts[position[k]] = recv[k];
  }
  // Reverse exchange: ext[n_owned + k] is this rank's contribution to ghost k; each owner adds
  // the contributions it receives to its own values (ext[i], or ext[position_of[i]]). The adds
  // run in one fixed order — neighbour ranks ascending, then the plan's order — so floating-point
  // sums are the same bits on every run with the same ranks (not across rank counts: the number
  // of contributions per value changes). The ghost entries are left as they were. One serial
  // pass over the received values: an owned vertex may receive from several neighbours.
  template <class T>
  void accumulate(std::span<T> ext) const {
    static_assert(std::is_arithmetic_v<T>);
    const std::size_t n_send = recv_position_.size(), n_recv = send_index_.size();
    T* send = buffer<T>(send_buffer_, n_send);
    T* recv = buffer<T>(recv_buffer_, n_recv);
    const std::uint32_t* position = recv_position_.data();
    const std::uint32_t* index = send_index_.data();
    const T* ghosts = ext.data() + n_owned_;
#pragma omp parallel for schedule(static) if (n_send > kParallelValues)
    for (std::size_t k = 0; k < n_send; ++k) send[k] = ghosts[position[k]];
    run_reverse(send, recv, mpi_bytes_type<T>());
    for (std::size_t i = 0; i < n_recv; ++i) ext[index[i]] += recv[i];
  }

  // Bytes one exchange of values of `value_bytes` each sends from this rank.
  std::uint64_t bytes_sent(std::size_t value_bytes) const { return send_index_.size() * value_bytes; }

 private:
  void run(const void* send, void* recv, MPI_Datatype type) const;
  void run_reverse(const void* send, void* recv, MPI_Datatype type) const;
  template <class T>
  static T* buffer(std::vector<std::byte>& bytes, std::size_t n) {
    if (bytes.size() < n * sizeof(T)) bytes.resize(n * sizeof(T));
    return reinterpret_cast<T*>(bytes.data());
  }
  static constexpr std::size_t kParallelValues = 1 << 16;  // below this, threads cost more than they save

  MPI_Comm graph_ = MPI_COMM_NULL;
  std::uint64_t n_owned_ = 0, n_ghosts_ = 0;
  std::vector<int> neighbours_;                  // ranks, ascending (same list in and out)
  std::vector<int> send_counts_, send_displs_;   // per neighbour
  std::vector<int> recv_counts_, recv_displs_;   // per neighbour
  std::vector<std::uint32_t> send_index_;        // local owned indices to pack, grouped by neighbour
  std::vector<std::uint32_t> recv_position_;     // k-th received value is ghost number recv_position_[k]
  mutable std::vector<std::byte> send_buffer_, recv_buffer_;  // kept between exchanges
};

}  // namespace signalrank
