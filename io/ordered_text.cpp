#include "io/ordered_text.hpp"

#include <algorithm>
#include <stdexcept>

namespace signalrank {

OrderedTextWriter::OrderedTextWriter(const Comm& comm, const std::string& path)
    : comm_(comm), target_(path, &comm) {
  int rc = MPI_File_open(comm_.raw(), target_.temp().c_str(), MPI_MODE_CREATE | MPI_MODE_WRONLY, MPI_INFO_NULL, &fh_);
  if (!comm_.all(rc == MPI_SUCCESS)) throw std::runtime_error("cannot create " + target_.temp());
  MPI_File_set_size(fh_, 0);
}

OrderedTextWriter::~OrderedTextWriter() {
  if (fh_ != MPI_FILE_NULL) MPI_File_close(&fh_);
}

void OrderedTextWriter::append(std::string_view local) {
  const std::uint64_t mine = local.size();
  const std::uint64_t before = comm_.exscan_sum(mine);
  const std::uint64_t total = comm_.sum(mine);
  // Chunks below 1 GiB keep MPI's int counts safe; every rank makes the same number of calls.
  constexpr std::uint64_t kChunk = 1ull << 30;
  const std::uint64_t calls = comm_.max((mine + kChunk - 1) / kChunk);
  bool ok = true;
  for (std::uint64_t c = 0; c < calls; ++c) {
    std::uint64_t lo = std::min(mine, c * kChunk), n = std::min(mine, lo + kChunk) - lo;
    MPI_Status st;
    ok &= MPI_File_write_at_all(fh_, static_cast<MPI_Offset>(offset_ + before + lo), local.data() + lo,
                                static_cast<int>(n), MPI_CHAR, &st) == MPI_SUCCESS;
  }
  if (!comm_.all(ok)) throw std::runtime_error("cannot write " + target_.temp());
  offset_ += total;
}

void OrderedTextWriter::commit() {
  MPI_File_close(&fh_);
  fh_ = MPI_FILE_NULL;
  target_.commit();
}

}  // namespace signalrank
