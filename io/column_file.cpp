#include "io/column_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "io/parallel.hpp"

namespace signalrank::h5 {

namespace {

// pwrite(2) calls are kept below 1 GiB; a column slice is written in pieces of 8 MiB spread over
// the rank's threads.
constexpr std::uint64_t kPiece = 8ull << 20;

Handle make(hid_t id, herr_t (*close)(hid_t)) { return Handle(id, close); }

// Writes `n` bytes at `pos`, or returns the errno of the failure.
int pwrite_all(int fd, const char* data, std::uint64_t n, std::uint64_t pos) {
  while (n > 0) {
    const ssize_t put = ::pwrite(fd, data, n, static_cast<off_t>(pos));
    if (put < 0 && errno == EINTR) continue;
    if (put < 0) return errno;
    if (put == 0) return EIO;
    data += put;
    pos += static_cast<std::uint64_t>(put);
    n -= static_cast<std::uint64_t>(put);
  }
  return 0;
}

}  // namespace

ColumnFile::ColumnFile(const Comm* comm, std::string path) : comm_(comm), path_(std::move(path)) {}

ColumnFile::~ColumnFile() {
  if (fd_ >= 0) ::close(fd_);
}

void ColumnFile::group(const std::string& name) { groups_.push_back(name); }

void ColumnFile::strings(const std::string& name, std::size_t width, std::uint64_t rows) {
  declare(name, H5T_C_S1, width, width, rows);
}

void ColumnFile::attr(const std::string& obj, const std::string& name, AttrValue value) {
  attrs_.emplace_back(obj, name, std::move(value));
}

void ColumnFile::declare(const std::string& name, hid_t type, std::size_t elem, std::size_t width,
                         std::uint64_t rows) {
  columns_.push_back({name, type, elem, width, rows});
}

const ColumnFile::Column& ColumnFile::find(const std::string& name) const {
  const auto it = std::find_if(columns_.begin(), columns_.end(), [&](const Column& c) { return c.name == name; });
  if (it == columns_.end()) throw std::logic_error("ColumnFile " + path_ + ": no column " + name + " was declared");
  return *it;
}

void ColumnFile::agree(std::string problem) const {
  if (comm_) {
    const int bad = comm_->first_failed(!problem.empty());
    if (bad < 0) return;
    comm_->bcast(problem, bad);
  }
  if (!problem.empty()) throw std::runtime_error(problem);
}

namespace {
void set_attr(File& f, const std::string& obj, const std::string& name, const ColumnFile::AttrValue& value) {
  std::visit([&](const auto& v) { f.set_attr(obj, name, v); }, value);
}
}  // namespace

void ColumnFile::create() {
  std::string problem;
  std::vector<std::uint64_t> offsets(columns_.size(), 0);
  if (!comm_ || comm_->root()) {
    try {
      File f = File::create(path_, nullptr);
      for (const std::string& g : groups_) f.create_group(g);
      // Contiguous, allocated now (so that the offsets are known) and never filled (the ranks
      // write every row; a row nobody writes reads as zeros).
      Handle dcpl = make(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
      H5Pset_layout(dcpl.id(), H5D_CONTIGUOUS);
      H5Pset_alloc_time(dcpl.id(), H5D_ALLOC_TIME_EARLY);
      H5Pset_fill_time(dcpl.id(), H5D_FILL_TIME_NEVER);
      for (std::size_t i = 0; i < columns_.size(); ++i) {
        const Column& c = columns_[i];
        Handle type = make(H5Tcopy(c.type), H5Tclose);
        if (c.width > 0) {
          H5Tset_size(type.id(), c.width);
          H5Tset_strpad(type.id(), H5T_STR_NULLPAD);
        }
        hsize_t dims = c.rows;
        Handle space = make(H5Screate_simple(1, &dims, nullptr), H5Sclose);
        Handle dset = make(H5Dcreate2(f.id(), c.name.c_str(), type.id(), space.id(), H5P_DEFAULT, dcpl.id(), H5P_DEFAULT),
                           H5Dclose);
        if (!dset) throw std::runtime_error("HDF5 " + path_ + ": cannot create dataset " + c.name + error_reason());
        const haddr_t at = H5Dget_offset(dset.id());
        offsets[i] = at == HADDR_UNDEF ? 0 : static_cast<std::uint64_t>(at);
        if (at == HADDR_UNDEF && c.rows > 0)
          throw std::runtime_error("HDF5 " + path_ + ": dataset " + c.name + " was not allocated");
      }
      for (const auto& [obj, name, value] : attrs_) set_attr(f, obj, name, value);
      f.close();
    } catch (const std::exception& e) {
      problem = e.what();
    }
  }
  agree(problem);
  if (comm_) comm_->bcast(offsets);
  for (std::size_t i = 0; i < columns_.size(); ++i) columns_[i].offset = offsets[i];
  fd_ = ::open(path_.c_str(), O_WRONLY | O_CLOEXEC);
  agree(fd_ < 0 ? path_ + ": cannot open for writing: " + std::strerror(errno) : std::string());
}

void ColumnFile::write_bytes(const std::string& name, std::size_t elem, std::uint64_t offset, std::uint64_t count,
                             const void* data) {
  const Column& c = find(name);
  if (elem != c.elem) throw std::logic_error("ColumnFile " + path_ + ": " + name + " written with another element size");
  if (offset > c.rows || count > c.rows - offset)
    throw std::logic_error("ColumnFile " + path_ + ": rows past the end of " + name);
  if (!failed_.empty() || count == 0) return;
  const std::uint64_t bytes = count * elem, base = c.offset + offset * elem;
  const char* src = static_cast<const char*>(data);
  std::vector<int> errors((bytes + kPiece - 1) / kPiece, 0);
  for_each_chunk(errors.size(), [&](std::size_t k) {
    const std::uint64_t lo = k * kPiece, n = std::min(kPiece, bytes - lo);
    errors[k] = pwrite_all(fd_, src + lo, n, base + lo);
  });
  const auto err = std::find_if(errors.begin(), errors.end(), [](int e) { return e != 0; });
  if (err != errors.end()) failed_ = path_ + ": cannot write " + name + ": " + std::strerror(*err);
}

void ColumnFile::write_strings(const std::string& name, std::uint64_t offset, std::uint64_t count, const char* data) {
  write_bytes(name, find(name).elem, offset, count, data);
}

void ColumnFile::finish() {
  if (fd_ >= 0) {
    // The data must be on disk before rank 0 renames the file; a network file system may only
    // report a failed write here, or at close.
    if (failed_.empty() && ::fsync(fd_) != 0) failed_ = path_ + ": cannot write to disk (fsync): " + std::strerror(errno);
    if (::close(fd_) != 0 && failed_.empty()) failed_ = path_ + ": cannot write (close): " + std::strerror(errno);
    fd_ = -1;
  }
  agree(failed_);
}

void ColumnFile::add_attr(const std::string& obj, const std::string& name, const AttrValue& value) {
  std::string problem;
  if (!comm_ || comm_->root()) {
    try {
      File f = File::open(path_, nullptr, true);
      set_attr(f, obj, name, value);
      f.close();
    } catch (const std::exception& e) {
      problem = e.what();
    }
  }
  agree(problem);
}

}  // namespace signalrank::h5
