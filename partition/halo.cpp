#include "partition/halo.hpp"

#include <parallel/algorithm>

#include <algorithm>
#include <stdexcept>

namespace signalrank {

HaloPlan::HaloPlan(const Comm& comm, const Ownership& own, std::span<const std::uint64_t> ghosts,
                   std::span<const std::uint32_t> position_of)
    : n_owned_(own.count(comm.rank())), n_ghosts_(ghosts.size()) {
  const int P = comm.size();
  // 1. What this rank asks of each owner: ghosts grouped by owner, ascending id within. Each
  // ghost's owner is looked up once (a block owner is a binary search), then (owner, id) pairs
  // sort as plain integers; ids are distinct, so any sort gives the one order.
  struct Ask {
    std::uint64_t owner, id;
    std::uint32_t k;
  };
  std::vector<Ask> asks(ghosts.size());
#pragma omp parallel for schedule(static)
  for (std::size_t k = 0; k < ghosts.size(); ++k)
    asks[k] = {static_cast<std::uint64_t>(own.owner(ghosts[k])), ghosts[k], static_cast<std::uint32_t>(k)};
  __gnu_parallel::sort(asks.begin(), asks.end(),
                       [](const Ask& a, const Ask& b) { return a.owner != b.owner ? a.owner < b.owner : a.id < b.id; });
  recv_position_.resize(ghosts.size());
  std::vector<std::uint64_t> sorted(ghosts.size());
  std::vector<std::uint64_t> ask_counts(P, 0);
  for (std::size_t k = 0; k < asks.size(); ++k) {
    recv_position_[k] = asks[k].k;
    sorted[k] = asks[k].id;
    ask_counts[asks[k].owner]++;
  }
  asks = {};
  // 2. Tell owners which of their vertices are wanted: one all-to-all at set-up, never again.
  std::vector<std::uint64_t> wanted = comm.alltoallv<std::uint64_t>(sorted, ask_counts);
  std::vector<int> ask_int(P), give_int(P);
  for (int r = 0; r < P; ++r) ask_int[r] = static_cast<int>(ask_counts[r]);
  MPI_Alltoall(ask_int.data(), 1, MPI_INT, give_int.data(), 1, MPI_INT, comm.raw());

  // 3. Neighbours: ranks we receive from or send to. Symmetric lists keep the topology simple.
  for (int r = 0; r < P; ++r)
    if (r != comm.rank() && (ask_int[r] > 0 || give_int[r] > 0)) neighbours_.push_back(r);
  std::size_t at = 0;
  for (int r = 0; r < P; ++r) {
    if (r == comm.rank()) {
      at += give_int[r];
      continue;
    }
    for (int k = 0; k < give_int[r]; ++k) {
      const auto local = static_cast<std::uint32_t>(own.local_index(wanted[at + k]));
      send_index_.push_back(position_of.empty() ? local : position_of[local]);
    }
    at += give_int[r];
  }
  int sd = 0, rd = 0;
  for (int r : neighbours_) {
    send_counts_.push_back(give_int[r]);
    send_displs_.push_back(sd);
    sd += give_int[r];
    recv_counts_.push_back(ask_int[r]);
    recv_displs_.push_back(rd);
    rd += ask_int[r];
  }
  if (ask_counts[comm.rank()] != 0) throw std::logic_error("HaloPlan: a ghost is owned by this rank");
  const int deg = static_cast<int>(neighbours_.size());
  MPI_Dist_graph_create_adjacent(comm.raw(), deg, neighbours_.data(), MPI_UNWEIGHTED, deg, neighbours_.data(),
                                 MPI_UNWEIGHTED, MPI_INFO_NULL, 0, &graph_);
}

HaloPlan::~HaloPlan() {
  if (graph_ != MPI_COMM_NULL) MPI_Comm_free(&graph_);
}

HaloPlan::HaloPlan(HaloPlan&& o) noexcept { *this = std::move(o); }
HaloPlan& HaloPlan::operator=(HaloPlan&& o) noexcept {
  if (this != &o) {
    if (graph_ != MPI_COMM_NULL) MPI_Comm_free(&graph_);
    graph_ = o.graph_;
    o.graph_ = MPI_COMM_NULL;
    n_owned_ = o.n_owned_;
    n_ghosts_ = o.n_ghosts_;
    neighbours_ = std::move(o.neighbours_);
    send_counts_ = std::move(o.send_counts_);
    send_displs_ = std::move(o.send_displs_);
    recv_counts_ = std::move(o.recv_counts_);
    recv_displs_ = std::move(o.recv_displs_);
    send_index_ = std::move(o.send_index_);
    recv_position_ = std::move(o.recv_position_);
    send_buffer_ = std::move(o.send_buffer_);
    recv_buffer_ = std::move(o.recv_buffer_);
  }
  return *this;
}

void HaloPlan::run(const void* send, void* recv, MPI_Datatype type) const {
  if (graph_ == MPI_COMM_NULL) return;
  MPI_Neighbor_alltoallv(send, send_counts_.data(), send_displs_.data(), type, recv, recv_counts_.data(),
                         recv_displs_.data(), type, graph_);
}

// The same neighbours, the counts swapped: what came in as ghosts goes back to the owners.
void HaloPlan::run_reverse(const void* send, void* recv, MPI_Datatype type) const {
  if (graph_ == MPI_COMM_NULL) return;
  MPI_Neighbor_alltoallv(send, recv_counts_.data(), recv_displs_.data(), type, recv, send_counts_.data(),
                         send_displs_.data(), type, graph_);
}

}  // namespace signalrank
