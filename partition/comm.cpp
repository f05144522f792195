#include "partition/comm.hpp"

#include <algorithm>
#include <climits>
#include <stdexcept>
#include <sched.h>
#include <unistd.h>

namespace signalrank {

namespace {
MPI_Comm g_error_comm = MPI_COMM_NULL;
}

MpiSession::MpiSession(int* argc, char*** argv) {
  int provided = 0;
  MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided);
  // Errors come back as return codes so that io/ can turn them into messages.
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  MPI_Comm_dup(MPI_COMM_WORLD, &g_error_comm);
}

bool MpiSession::all_ranks_failed(double seconds) {
  int size = 1;
  MPI_Comm_size(g_error_comm, &size);
  if (size == 1) return true;
  MPI_Request req;
  MPI_Ibarrier(g_error_comm, &req);
  const double deadline = MPI_Wtime() + seconds;
  int done = 0;
  while (!done && MPI_Wtime() < deadline) {
    MPI_Test(&req, &done, MPI_STATUS_IGNORE);
    if (!done) usleep(2000);
  }
  return done != 0;
}

MpiSession::~MpiSession() {
  if (g_error_comm != MPI_COMM_NULL) MPI_Comm_free(&g_error_comm);
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (!finalized) MPI_Finalize();
}

Comm::Comm(MPI_Comm comm) : comm_(comm) {
  MPI_Comm_rank(comm_, &rank_);
  MPI_Comm_size(comm_, &size_);
}

void Comm::barrier() const { MPI_Barrier(comm_); }

void Comm::sum_in_place(std::span<std::int64_t> values) const {
  MPI_Allreduce(MPI_IN_PLACE, values.data(), static_cast<int>(values.size()), MPI_INT64_T, MPI_SUM, comm_);
}

int Comm::ranks_on_node() const {
  MPI_Comm node;
  MPI_Comm_split_type(comm_, MPI_COMM_TYPE_SHARED, rank_, MPI_INFO_NULL, &node);
  int n = 1;
  MPI_Comm_size(node, &n);
  MPI_Comm_free(&node);
  return n;
}
Comm::CoreShare Comm::core_share() const {
  cpu_set_t mine;
  CPU_ZERO(&mine);
  if (sched_getaffinity(0, sizeof mine, &mine) != 0) CPU_SET(0, &mine);
  MPI_Comm node;
  MPI_Comm_split_type(comm_, MPI_COMM_TYPE_SHARED, rank_, MPI_INFO_NULL, &node);
  int n = 1;
  MPI_Comm_size(node, &n);
  std::vector<cpu_set_t> all(static_cast<std::size_t>(n));
  MPI_Allgather(&mine, sizeof mine, MPI_BYTE, all.data(), sizeof mine, MPI_BYTE, node);
  MPI_Comm_free(&node);
  CoreShare share;
  share.cores = std::max(1, CPU_COUNT(&mine));
  share.sharing = 0;
  for (const cpu_set_t& other : all) {
    cpu_set_t both;
    CPU_AND(&both, &mine, &other);
    share.sharing += CPU_COUNT(&both) > 0;
  }
  share.sharing = std::max(1, share.sharing);
  return share;
}

void Comm::abort(int code) const {
  MPI_Abort(comm_, code);
  std::abort();
}

namespace {
// One value reduced over all ranks, the result on every rank.
template <class T>
T allreduce_one(MPI_Comm comm, T v, MPI_Datatype type, MPI_Op op) {
  T out{};
  MPI_Allreduce(&v, &out, 1, type, op, comm);
  return out;
}
}  // namespace

std::uint64_t Comm::sum(std::uint64_t v) const { return allreduce_one(comm_, v, MPI_UINT64_T, MPI_SUM); }
std::int64_t Comm::sum(std::int64_t v) const { return allreduce_one(comm_, v, MPI_INT64_T, MPI_SUM); }
double Comm::max(double v) const { return allreduce_one(comm_, v, MPI_DOUBLE, MPI_MAX); }
double Comm::min(double v) const { return allreduce_one(comm_, v, MPI_DOUBLE, MPI_MIN); }
std::uint64_t Comm::max(std::uint64_t v) const { return allreduce_one(comm_, v, MPI_UINT64_T, MPI_MAX); }
std::uint64_t Comm::exscan_sum(std::uint64_t v) const {
  std::uint64_t out = 0;
  MPI_Exscan(&v, &out, 1, MPI_UINT64_T, MPI_SUM, comm_);
  return rank_ == 0 ? 0 : out;
}
bool Comm::all(bool ok) const { return allreduce_one(comm_, ok ? 1 : 0, MPI_INT, MPI_MIN) == 1; }
int Comm::first_failed(bool failed) const {
  const int first = allreduce_one(comm_, failed ? rank_ : INT_MAX, MPI_INT, MPI_MIN);
  return first == INT_MAX ? -1 : first;
}

void Comm::bcast(std::string& s, int root) const {
  std::vector<char> v(s.begin(), s.end());
  bcast(v, root);
  s.assign(v.begin(), v.end());
}

std::size_t Comm::displacements(const std::vector<int>& counts, std::vector<int>& displs) {
  std::size_t total = 0;
  for (std::size_t r = 0; r < counts.size(); ++r) {
    if (total > static_cast<std::size_t>(INT_MAX)) throw std::runtime_error("MPI exchange larger than 2^31 elements");
    displs[r] = static_cast<int>(total);
    total += static_cast<std::size_t>(counts[r]);
  }
  return total;
}

void Comm::bcast_chunked(void* data, std::uint64_t n, MPI_Datatype type, int root) const {
  int size = 0;
  MPI_Type_size(type, &size);
  auto* p = static_cast<char*>(data);
  constexpr std::uint64_t kChunk = 1u << 30;
  for (std::uint64_t at = 0; at < n; at += kChunk) {
    std::uint64_t c = std::min(kChunk, n - at);
    MPI_Bcast(p + at * static_cast<std::uint64_t>(size), static_cast<int>(c), type, root, comm_);
  }
}

}  // namespace signalrank
