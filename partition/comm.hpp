// The RAII MPI session and a typed communicator. Every MPI call of signalrank goes through
// partition/ or io/; the rest of the code asks a Comm for ranks, sums and exchanges.
#pragma once
#include <mpi.h>

#include <cstddef>
#include <cstdint>
#include <numeric>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

namespace signalrank {

// Initialises MPI (funneled threads: only the master thread of an OpenMP team calls MPI) and
// finalises it at scope exit.
class MpiSession {
 public:
  MpiSession(int* argc, char*** argv);
  ~MpiSession();
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;

  // Called by a rank that hit an error. True when every rank reports an error within `seconds`
  // (the error was collective, e.g. a bad campaign file: exit cleanly, rank 0 prints it once);
  // false when some rank is still busy (this rank alone failed: print and abort the job). Uses a
  // communicator of its own so it never matches a collective of the computation.
  static bool all_ranks_failed(double seconds);
};

// An MPI datatype of `sizeof(T)` contiguous bytes, so counts are element counts (and stay far
// below INT_MAX where a byte count would not).
template <class T>
MPI_Datatype mpi_bytes_type() {
  static MPI_Datatype type = [] {
    MPI_Datatype t;
    MPI_Type_contiguous(static_cast<int>(sizeof(T)), MPI_BYTE, &t);
    MPI_Type_commit(&t);
    return t;
  }();
  return type;
}

class Comm {
 public:
  explicit Comm(MPI_Comm comm = MPI_COMM_WORLD);
  MPI_Comm raw() const { return comm_; }
  int rank() const { return rank_; }
  int size() const { return size_; }
  bool root() const { return rank_ == 0; }

  void barrier() const;
  // How many ranks of this communicator share this rank's node (memory).
  int ranks_on_node() const;
  // The cores this rank may run on (its CPU affinity mask) and how many ranks of its node may run
  // on any of them (itself included). Collective.
  struct CoreShare {
    int cores = 1, sharing = 1;
    // One thread per core, the cores split among the ranks sharing them; at least 1.
    int threads() const { return cores / sharing > 1 ? cores / sharing : 1; }
  };
  CoreShare core_share() const;
  [[noreturn]] void abort(int code) const;

  std::uint64_t sum(std::uint64_t v) const;
  std::int64_t sum(std::int64_t v) const;
  double max(double v) const;
  double min(double v) const;
  std::uint64_t max(std::uint64_t v) const;
  std::uint64_t exscan_sum(std::uint64_t v) const;  // 0 on rank 0
  // Element-wise sum over all ranks of equal-length arrays, in place (e.g. ExactSum's words).
  void sum_in_place(std::span<std::int64_t> values) const;
  // Logical AND of `ok` over all ranks (agreement before anyone acts on a result).
  bool all(bool ok) const;
  // The first rank (lowest number) whose `failed` is true, or -1.
  int first_failed(bool failed) const;

  void bcast(std::string& s, int root = 0) const;

  template <class T>
  void bcast(std::vector<T>& v, int root = 0) const {
    static_assert(std::is_trivially_copyable_v<T>);
    std::uint64_t n = v.size();
    MPI_Bcast(&n, 1, MPI_UINT64_T, root, comm_);
    v.resize(n);
    bcast_chunked(v.data(), n, mpi_bytes_type<T>(), root);
  }

  // Concatenation of every rank's `local`, in rank order, on every rank.
  template <class T>
  std::vector<T> allgatherv(std::span<const T> local) const {
    static_assert(std::is_trivially_copyable_v<T>);
    std::vector<int> counts(size_), displs(size_);
    int n = static_cast<int>(local.size());
    MPI_Allgather(&n, 1, MPI_INT, counts.data(), 1, MPI_INT, comm_);
    std::vector<T> out(displacements(counts, displs));
    MPI_Allgatherv(local.data(), n, mpi_bytes_type<T>(), out.data(), counts.data(), displs.data(),
                   mpi_bytes_type<T>(), comm_);
    return out;
  }

  // Concatenation of every rank's `local` in rank order, on `root` only (empty elsewhere).
  template <class T>
  std::vector<T> gatherv(std::span<const T> local, int root = 0) const {
    static_assert(std::is_trivially_copyable_v<T>);
    std::vector<int> counts(size_), displs(size_);
    int n = static_cast<int>(local.size());
    MPI_Gather(&n, 1, MPI_INT, counts.data(), 1, MPI_INT, root, comm_);
    std::vector<T> out;
    if (rank_ == root) out.resize(displacements(counts, displs));
    MPI_Gatherv(local.data(), n, mpi_bytes_type<T>(), out.data(), counts.data(), displs.data(),
                mpi_bytes_type<T>(), root, comm_);
    return out;
  }

  // Personalised all-to-all: `send` holds the elements for rank 0, then rank 1, ...;
  // send_counts[r] of them go to rank r. Returns what every rank sent here, in rank order.
  template <class T>
  std::vector<T> alltoallv(std::span<const T> send, std::span<const std::uint64_t> send_counts) const {
    return alltoallv_as<std::vector<T>>(send, send_counts);
  }
  // The same into another vector type (e.g. one with its own allocator).
  template <class Out, class T = typename Out::value_type>
  Out alltoallv_as(std::span<const T> send, std::span<const std::uint64_t> send_counts) const {
    static_assert(std::is_trivially_copyable_v<T>);
    std::vector<int> sc(size_), sd(size_), rc(size_), rd(size_);
    for (int r = 0; r < size_; ++r) sc[r] = static_cast<int>(send_counts[r]);
    displacements(sc, sd);
    MPI_Alltoall(sc.data(), 1, MPI_INT, rc.data(), 1, MPI_INT, comm_);
    Out out(displacements(rc, rd));
    MPI_Alltoallv(send.data(), sc.data(), sd.data(), mpi_bytes_type<T>(), out.data(), rc.data(),
                  rd.data(), mpi_bytes_type<T>(), comm_);
    return out;
  }

 private:
  static std::size_t displacements(const std::vector<int>& counts, std::vector<int>& displs);
  void bcast_chunked(void* data, std::uint64_t n, MPI_Datatype type, int root) const;

  MPI_Comm comm_;
  int rank_ = 0;
  int size_ = 1;
};

}  // namespace signalrank
