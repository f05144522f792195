#include "partition/comm.hpp"

#include <algorithm>
#include <climits>
#include <stdexcept>

namespace signalrank {

MpiSession::MpiSession(int* argc, char*** argv) {
  int provided = 0;
  MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided);
  // Errors come back as return codes so that io/ can turn them into messages.
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
}

MpiSession::~MpiSession() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (!finalized) MPI_Finalize();
}

Comm::Comm(MPI_Comm comm) : comm_(comm) {
  MPI_Comm_rank(comm_, &rank_);
  MPI_Comm_size(comm_, &size_);
}

void Comm::barrier() const { MPI_Barrier(comm_); }
void Comm::abort(int code) const {
  MPI_Abort(comm_, code);
  std::abort();
}

std::uint64_t Comm::sum(std::uint64_t v) const {
  std::uint64_t out = 0;
  MPI_Allreduce(&v, &out, 1, MPI_UINT64_T, MPI_SUM, comm_);
  return out;
}
std::int64_t Comm::sum(std::int64_t v) const {
  std::int64_t out = 0;
  MPI_Allreduce(&v, &out, 1, MPI_INT64_T, MPI_SUM, comm_);
  return out;
}
double Comm::max(double v) const {
  double out = 0;
  MPI_Allreduce(&v, &out, 1, MPI_DOUBLE, MPI_MAX, comm_);
  return out;
}
double Comm::min(double v) const {
  double out = 0;
  MPI_Allreduce(&v, &out, 1, MPI_DOUBLE, MPI_MIN, comm_);
  return out;
}
std::uint64_t Comm::max(std::uint64_t v) const {
  std::uint64_t out = 0;
  MPI_Allreduce(&v, &out, 1, MPI_UINT64_T, MPI_MAX, comm_);
  return out;
}
std::uint64_t Comm::exscan_sum(std::uint64_t v) const {
  std::uint64_t out = 0;
  MPI_Exscan(&v, &out, 1, MPI_UINT64_T, MPI_SUM, comm_);
  return rank_ == 0 ? 0 : out;
}
bool Comm::all(bool ok) const {
  int in = ok ? 1 : 0, out = 0;
  MPI_Allreduce(&in, &out, 1, MPI_INT, MPI_MIN, comm_);
  return out == 1;
}
int Comm::first_failed(bool failed) const {
  int in = failed ? rank_ : INT_MAX, out = INT_MAX;
  MPI_Allreduce(&in, &out, 1, MPI_INT, MPI_MIN, comm_);
  return out == INT_MAX ? -1 : out;
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
