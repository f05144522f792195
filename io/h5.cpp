#include "io/h5.hpp"

#include "io/error.hpp"
#include "io/parallel.hpp"
#include "io/temp_files.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include <fmt/format.h>

namespace signalrank::h5 {

namespace {

// HDF5's MPI-IO transfers are kept below 2 GiB per call (MPI counts are ints).
constexpr std::uint64_t kMaxTransferBytes = 1ull << 30;

Handle make(hid_t id, herr_t (*close)(hid_t)) { return Handle(id, close); }

struct LibrarySetup {
  LibrarySetup() {
    // No exit handler: it would close what is still open after MPI_Finalize, which crashes for a
    // parallel file whose close failed; library_shutdown() ends HDF5 while MPI is alive.
    H5dont_atexit();
    // HDF5 prints an error stack on stderr for every failing call; we report our own message.
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  }
};
const LibrarySetup library_setup;

// Set when H5Fclose failed: HDF5 then keeps the file half-closed, and closing it again (as
// H5close would) can crash; library_shutdown() leaves the library alone in that case.
bool g_close_failed = false;

herr_t close_file(hid_t id) {
  const herr_t status = H5Fclose(id);
  if (status < 0) g_close_failed = true;
  return status;
}

std::string parent_of(const std::string& path) {
  auto p = std::filesystem::path(path).parent_path();
  return p.empty() ? "." : p.string();
}

}  // namespace

[[noreturn]] void File::fail(const std::string& what) const {
  throw std::runtime_error("HDF5 " + path_ + ": " + what);
}

[[noreturn]] void File::fail_reading(const std::string& what) const {
  if (!read_only_) fail(what);
  throw InputError(path_, 0, "", what);
}

namespace {
// An attribute holding one integer or floating-point value (a scalar or a one-element array).
bool scalar_number(hid_t attr) {
  Handle type = make(H5Aget_type(attr), H5Tclose);
  Handle space = make(H5Aget_space(attr), H5Sclose);
  if (!type || !space) return false;
  const H5T_class_t c = H5Tget_class(type.id());
  return (c == H5T_INTEGER || c == H5T_FLOAT) && H5Sget_simple_extent_npoints(space.id()) == 1;
}
}  // namespace

std::string error_reason() {
  std::string reason;
  auto innermost = [](unsigned n, const H5E_error2_t* e, void* out) -> herr_t {
    if (n == 0 && e->desc) *static_cast<std::string*>(out) = e->desc;
    return 0;
  };
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, innermost, &reason);
  // The file drivers describe an OS error over several lines, the OS's words among them.
  const std::string tag = "error message = '";
  if (const auto at = reason.find(tag); at != std::string::npos) {
    const auto end = reason.find('\'', at + tag.size());
    reason = reason.substr(at + tag.size(), end == std::string::npos ? std::string::npos : end - at - tag.size());
  }
  reason = reason.substr(0, reason.find('\n'));
  while (!reason.empty() && (reason.back() == ' ' || reason.back() == ',')) reason.pop_back();
  return reason.empty() ? std::string() : " (" + reason + ")";
}

// A rank whose part of a collective step failed must not throw alone: the other ranks would wait
// forever in the next collective call (or in the collective close its exception leads to). So
// every rank learns of the first failure (one allreduce) and all throw together, with the failing
// rank's message; they then unwind through the same collective closes.
void File::check_write(bool ok, const std::string& what) const {
  if (!comm_) {
    if (!ok) fail(what + error_reason());
    return;
  }
  const int bad = comm_->first_failed(!ok);
  if (bad < 0) return;
  std::string message = ok ? std::string() : "HDF5 " + path_ + ": " + what + error_reason();
  comm_->bcast(message, bad);
  throw std::runtime_error(message);
}

File File::create(const std::string& path, const Comm* comm) {
  File f;
  f.path_ = path;
  f.comm_ = comm;
  Handle fapl = make(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  if (comm) H5Pset_fapl_mpio(fapl.id(), comm->raw(), MPI_INFO_NULL);
  hid_t id = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.id());
  if (id >= 0) f.file_ = make(id, close_file);
  f.check_write(id >= 0, "cannot create file");
  return f;
}

File File::open(const std::string& path, const Comm* comm, bool writable) {
  File f;
  f.path_ = path;
  f.comm_ = comm;
  Handle fapl = make(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  if (comm) H5Pset_fapl_mpio(fapl.id(), comm->raw(), MPI_INFO_NULL);
  // A missing or foreign file is the user's input problem, not an internal error.
  std::error_code ec;
  if (!std::filesystem::exists(path, ec))
    throw InputError(path, 0, "", ec && ec != std::errc::no_such_file_or_directory ? ec.message() : "no such file");
  hid_t id = H5Fopen(path.c_str(), writable ? H5F_ACC_RDWR : H5F_ACC_RDONLY, fapl.id());
  if (id < 0) throw InputError(path, 0, "", "not an HDF5 file, or it cannot be opened");
  f.file_ = make(id, close_file);
  f.writable_ = writable;
  f.read_only_ = !writable;
  return f;
}

void File::close() {
  if (!file_) return;
  const herr_t status = close_file(file_.release());
  check_write(status >= 0, "cannot close the file (writing what HDF5 still held failed)");
}

Handle File::open_dataset(const std::string& name) const {
  hid_t d = H5Dopen2(file_.id(), name.c_str(), H5P_DEFAULT);
  if (d < 0) fail_reading("dataset " + name + " is missing");
  return make(d, H5Dclose);
}

std::optional<RawColumn> File::raw_column(const std::string& name, hid_t type, std::size_t elem) const {
  // Only a file nobody writes through this handle: HDF5 may hold unwritten raw data otherwise.
  if (comm_ != nullptr || writable_) return std::nullopt;
  Handle dset = open_dataset(name);
  Handle dcpl = make(H5Dget_create_plist(dset.id()), H5Pclose);
  Handle ftype = make(H5Dget_type(dset.id()), H5Tclose);
  Handle space = make(H5Dget_space(dset.id()), H5Sclose);
  if (!dcpl || !ftype || !space) return std::nullopt;
  if (H5Pget_layout(dcpl.id()) != H5D_CONTIGUOUS || H5Pget_nfilters(dcpl.id()) != 0 ||
      H5Pget_external_count(dcpl.id()) != 0)
    return std::nullopt;
  // Offsets are only known to be file offsets without a user block in front of the HDF5 data.
  Handle fcpl = make(H5Fget_create_plist(file_.id()), H5Pclose);
  hsize_t user_block = 0;
  if (!fcpl || H5Pget_userblock(fcpl.id(), &user_block) < 0 || user_block != 0) return std::nullopt;
  if (H5Tequal(ftype.id(), type) <= 0 || H5Tget_size(ftype.id()) != elem) return std::nullopt;
  if (H5Sget_simple_extent_ndims(space.id()) != 1) return std::nullopt;
  hsize_t n = 0;
  H5Sget_simple_extent_dims(space.id(), &n, nullptr);
  const haddr_t base = H5Dget_offset(dset.id());
  if (base == HADDR_UNDEF) return std::nullopt;  // not allocated yet (e.g. empty)
  const int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  RawColumn raw;
  raw.fd_ = std::shared_ptr<const int>(new int(fd), [](const int* p) {
    ::close(*p);
    delete p;
  });
  raw.path_ = path_;
  raw.name_ = name;
  raw.base_ = base;
  raw.count_ = n;
  raw.elem_ = elem;
  return raw;
}

void RawColumn::check_range(std::uint64_t first, std::uint64_t count, const char* what) const {
  if (first > count_ || count > count_ - first)
    throw std::out_of_range("RawColumn " + name_ + ": " + what + " past the end");
}

void RawColumn::truncated() const {
  throw InputError(path_, 0, name_, "the file ends inside this dataset (truncated?)");
}

void RawColumn::read(std::uint64_t first, std::uint64_t count, void* out) const {
  check_range(first, count, "read");
  char* at = static_cast<char*>(out);
  std::uint64_t left = count * elem_;
  auto pos = static_cast<off_t>(base_ + first * elem_);
  while (left > 0) {
    const ssize_t got = ::pread(*fd_, at, std::min<std::uint64_t>(left, kMaxTransferBytes), pos);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) throw std::runtime_error("cannot read " + path_ + " " + name_ + ": " + std::strerror(errno));
    if (got == 0) truncated();
    at += got;
    pos += got;
    left -= static_cast<std::uint64_t>(got);
  }
}

std::shared_ptr<const void> RawColumn::map(std::uint64_t first, std::uint64_t count) const {
  check_range(first, count, "map");
  if (count == 0) return nullptr;
  struct stat st {};
  if (fstat(*fd_, &st) != 0) return nullptr;
  const std::uint64_t begin = base_ + first * elem_, end = begin + count * elem_;
  if (static_cast<std::uint64_t>(st.st_size) < base_ + count_ * elem_) truncated();
  static const auto page = static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE));
  const std::uint64_t start = begin / page * page;
  const auto length = static_cast<std::size_t>(end - start);
  void* p = mmap(nullptr, length, PROT_READ, MAP_SHARED, *fd_, static_cast<off_t>(start));
  if (p == MAP_FAILED) return nullptr;
  return std::shared_ptr<const void>(static_cast<const char*>(p) + (begin - start),
                                     [p, length, fd = fd_](const void*) { munmap(p, length); });
}

void File::read_parallel(const RawColumn& raw, std::uint64_t offset, std::uint64_t count, void* out,
                         const std::function<void(std::uint64_t, std::uint64_t)>& piece_done) {
  // Pieces of 8 MiB, spread over the threads: each copies its share out of the page cache.
  const std::uint64_t piece = std::max<std::uint64_t>(1, (8ull << 20) / raw.elem_);
  for_each_chunk((count + piece - 1) / piece, [&](std::size_t k) {
    const std::uint64_t lo = k * piece, n = std::min(piece, count - lo);
    raw.read(offset + lo, n, static_cast<char*>(out) + lo * raw.elem_);
    if (piece_done) piece_done(lo, n);
  });
}

void File::create_group(const std::string& name) {
  hid_t g = H5Gcreate2(file_.id(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  if (g >= 0) H5Gclose(g);
  check_write(g >= 0, "cannot create group " + name);
}

void File::remove_link(const std::string& name) {
  check_write(H5Ldelete(file_.id(), name.c_str(), H5P_DEFAULT) >= 0, "cannot remove " + name);
}

void File::move_link(const std::string& from, const std::string& to) {
  check_write(H5Lmove(file_.id(), from.c_str(), file_.id(), to.c_str(), H5P_DEFAULT, H5P_DEFAULT) >= 0,
              "cannot rename " + from + " to " + to);
}

void File::flush() { check_write(H5Fflush(file_.id(), H5F_SCOPE_GLOBAL) >= 0, "cannot flush"); }

std::vector<std::string> File::children(const std::string& name) const {
  std::vector<std::string> out;
  if (!exists(name)) return out;
  auto collect = [](hid_t, const char* link, const H5L_info_t*, void* data) -> herr_t {
    static_cast<std::vector<std::string>*>(data)->emplace_back(link);
    return 0;
  };
  hsize_t at = 0;
  H5Literate_by_name(file_.id(), name.c_str(), H5_INDEX_NAME, H5_ITER_INC, &at, collect, &out, H5P_DEFAULT);
  return out;
}

bool File::exists(const std::string& name) const {
  // Checks each path component, as H5Lexists requires.
  std::string at;
  std::size_t pos = 0;
  while (pos < name.size()) {
    std::size_t next = name.find('/', pos + 1);
    at = name.substr(0, next);
    if (at != "/" && !at.empty() && H5Lexists(file_.id(), at.c_str(), H5P_DEFAULT) <= 0) return false;
    if (next == std::string::npos) break;
    pos = next;
  }
  return true;
}

void File::write_selection(hid_t dset, hid_t mem_type, std::size_t elem, std::uint64_t offset, std::uint64_t count,
                           const void* data, const std::string& name) {
  Handle xfer = make(H5Pcreate(H5P_DATASET_XFER), H5Pclose);
  if (comm_) H5Pset_dxpl_mpio(xfer.id(), H5FD_MPIO_COLLECTIVE);
  Handle file_space = make(H5Dget_space(dset), H5Sclose);
  // Every rank takes part in the same number of collective calls, however many rows it has.
  const std::uint64_t per_call = std::max<std::uint64_t>(1, kMaxTransferBytes / elem);
  std::uint64_t calls = (count + per_call - 1) / per_call;
  if (comm_) calls = comm_->max(calls);
  const char* bytes = static_cast<const char*>(data);
  for (std::uint64_t c = 0; c < std::max<std::uint64_t>(calls, comm_ ? calls : 1); ++c) {
    std::uint64_t lo = std::min(count, c * per_call), n = std::min(count, lo + per_call) - lo;
    hsize_t start = offset + lo, cnt = n;
    Handle mem_space = make(H5Screate_simple(1, &cnt, nullptr), H5Sclose);
    if (n == 0) {
      H5Sselect_none(file_space.id());
      H5Sselect_none(mem_space.id());
    } else {
      H5Sselect_hyperslab(file_space.id(), H5S_SELECT_SET, &start, nullptr, &cnt, nullptr);
    }
    const herr_t status =
        H5Dwrite(dset, mem_type, mem_space.id(), file_space.id(), xfer.id(), n ? bytes + lo * elem : nullptr);
    check_write(status >= 0, "cannot write " + name);
  }
}

void File::write_raw(const std::string& name, hid_t type, std::size_t elem, std::uint64_t global_n,
                     std::uint64_t offset, std::uint64_t count, const void* data) {
  hsize_t dims = global_n;
  Handle space = make(H5Screate_simple(1, &dims, nullptr), H5Sclose);
  hid_t d = H5Dcreate2(file_.id(), name.c_str(), type, space.id(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  Handle dset = make(d, H5Dclose);
  check_write(d >= 0, "cannot create dataset " + name);
  write_selection(dset.id(), type, elem, offset, count, data, name);
}

void File::write_strings(const std::string& name, std::size_t width, std::uint64_t global_n, std::uint64_t offset,
                         std::uint64_t count, const char* data) {
  Handle type = make(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(type.id(), width);
  H5Tset_strpad(type.id(), H5T_STR_NULLPAD);
  hsize_t dims = global_n;
  Handle space = make(H5Screate_simple(1, &dims, nullptr), H5Sclose);
  hid_t d = H5Dcreate2(file_.id(), name.c_str(), type.id(), space.id(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  Handle dset = make(d, H5Dclose);
  check_write(d >= 0, "cannot create dataset " + name);
  write_selection(dset.id(), type.id(), width, offset, count, data, name);
}

std::uint64_t File::column_size(const std::string& name) const {
  Handle dset = open_dataset(name);
  Handle space = make(H5Dget_space(dset.id()), H5Sclose);
  if (H5Sget_simple_extent_ndims(space.id()) != 1) fail_reading("dataset " + name + " is not one-dimensional");
  hsize_t n = 0;
  H5Sget_simple_extent_dims(space.id(), &n, nullptr);
  return n;
}

void File::read_raw(const std::string& name, hid_t type, std::size_t elem, std::uint64_t offset,
                    std::uint64_t count, void* data) const {
  Handle dset = open_dataset(name);
  Handle file_space = make(H5Dget_space(dset.id()), H5Sclose);
  hsize_t n = 0;
  H5Sget_simple_extent_dims(file_space.id(), &n, nullptr);
  if (offset > n || count > n - offset)
    fail_reading(fmt::format("dataset {} has {} rows; rows {} to {} were to be read", name, n, offset, offset + count));
  // Reads are independent: each rank reads its own slice, with no need for the others to join.
  const std::uint64_t per_call = std::max<std::uint64_t>(1, kMaxTransferBytes / elem);
  char* bytes = static_cast<char*>(data);
  for (std::uint64_t lo = 0; lo < count; lo += per_call) {
    hsize_t start = offset + lo, cnt = std::min(per_call, count - lo);
    Handle mem_space = make(H5Screate_simple(1, &cnt, nullptr), H5Sclose);
    H5Sselect_hyperslab(file_space.id(), H5S_SELECT_SET, &start, nullptr, &cnt, nullptr);
    if (H5Dread(dset.id(), type, mem_space.id(), file_space.id(), H5P_DEFAULT, bytes + lo * elem) < 0)
      fail_reading("cannot read dataset " + name + " (a type other than a number, or damaged)");
  }
}

std::vector<char> File::read_strings(const std::string& name, std::uint64_t offset, std::uint64_t count,
                                     std::size_t* width) const {
  Handle dset = open_dataset(name);
  Handle ftype = make(H5Dget_type(dset.id()), H5Tclose);
  if (H5Tget_class(ftype.id()) != H5T_STRING || H5Tis_variable_str(ftype.id()) > 0)
    fail_reading("dataset " + name + " is not a fixed-width string column");
  const std::size_t w = H5Tget_size(ftype.id());
  if (width) *width = w;
  std::vector<char> out(count * w);
  Handle mtype = make(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(mtype.id(), w);
  H5Tset_strpad(mtype.id(), H5T_STR_NULLPAD);
  Handle file_space = make(H5Dget_space(dset.id()), H5Sclose);
  hsize_t start = offset, cnt = count;
  Handle mem_space = make(H5Screate_simple(1, &cnt, nullptr), H5Sclose);
  if (count == 0) return out;
  H5Sselect_hyperslab(file_space.id(), H5S_SELECT_SET, &start, nullptr, &cnt, nullptr);
  if (H5Dread(dset.id(), mtype.id(), mem_space.id(), file_space.id(), H5P_DEFAULT, out.data()) < 0)
    fail_reading("cannot read dataset " + name + " (damaged, or fewer rows than needed)");
  return out;
}

namespace {
Handle open_object(hid_t file, const std::string& obj) {
  hid_t o = H5Oopen(file, obj.c_str(), H5P_DEFAULT);
  return Handle(o, H5Oclose);
}
}  // namespace

void File::set_attr(const std::string& obj, const std::string& name, const std::string& value) {
  Handle o = open_object(file_.id(), obj);
  if (!o) fail("no object " + obj);
  Handle type = make(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(type.id(), std::max<std::size_t>(1, value.size()));
  H5Tset_strpad(type.id(), H5T_STR_NULLPAD);
  H5Tset_cset(type.id(), H5T_CSET_UTF8);
  Handle space = make(H5Screate(H5S_SCALAR), H5Sclose);
  hid_t a = H5Acreate2(o.id(), name.c_str(), type.id(), space.id(), H5P_DEFAULT, H5P_DEFAULT);
  Handle attr = make(a, H5Aclose);
  check_write(a >= 0, "cannot create attribute " + name);
  std::string padded = value.empty() ? std::string(1, '\0') : value;
  check_write(H5Awrite(attr.id(), type.id(), padded.data()) >= 0, "cannot write attribute " + name);
}

void File::set_scalar_attr(const std::string& obj, const std::string& name, hid_t type, const void* value) {
  Handle o = open_object(file_.id(), obj);
  if (!o) fail("no object " + obj);
  Handle space = make(H5Screate(H5S_SCALAR), H5Sclose);
  hid_t a = H5Acreate2(o.id(), name.c_str(), type, space.id(), H5P_DEFAULT, H5P_DEFAULT);
  Handle attr = make(a, H5Aclose);
  check_write(a >= 0, "cannot create attribute " + name);
  check_write(H5Awrite(attr.id(), type, value) >= 0, "cannot write attribute " + name);
}

void File::set_attr(const std::string& obj, const std::string& name, std::int64_t value) {
  set_scalar_attr(obj, name, H5T_NATIVE_INT64, &value);
}

void File::set_attr(const std::string& obj, const std::string& name, double value) {
  set_scalar_attr(obj, name, H5T_NATIVE_DOUBLE, &value);
}

bool File::has_attr(const std::string& obj, const std::string& name) const {
  return H5Aexists_by_name(file_.id(), obj.c_str(), name.c_str(), H5P_DEFAULT) > 0;
}

std::string File::attr_string(const std::string& obj, const std::string& name) const {
  hid_t a = H5Aopen_by_name(file_.id(), obj.c_str(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT);
  if (a < 0) fail_reading("attribute " + name + " of " + obj + " is missing");
  Handle attr = make(a, H5Aclose);
  Handle ftype = make(H5Aget_type(attr.id()), H5Tclose);
  if (H5Tget_class(ftype.id()) != H5T_STRING) fail_reading("attribute " + name + " of " + obj + " is not a string");
  if (H5Tis_variable_str(ftype.id()) > 0) {
    char* s = nullptr;
    Handle mtype = make(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(mtype.id(), H5T_VARIABLE);
    if (H5Aread(attr.id(), mtype.id(), &s) < 0) fail_reading("cannot read attribute " + name + " of " + obj);
    std::string out = s ? s : "";
    H5free_memory(s);
    return out;
  }
  std::size_t n = H5Tget_size(ftype.id());
  std::string out(n, '\0');
  if (H5Aread(attr.id(), ftype.id(), out.data()) < 0) fail_reading("cannot read attribute " + name + " of " + obj);
  out.resize(std::strlen(out.c_str()));
  return out;
}

std::int64_t File::attr_int(const std::string& obj, const std::string& name) const {
  hid_t a = H5Aopen_by_name(file_.id(), obj.c_str(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT);
  if (a < 0) fail_reading("attribute " + name + " of " + obj + " is missing");
  Handle attr = make(a, H5Aclose);
  std::int64_t v = 0;
  if (!scalar_number(attr.id()) || H5Aread(attr.id(), H5T_NATIVE_INT64, &v) < 0)
    fail_reading("attribute " + name + " of " + obj + " is not one integer");
  return v;
}

double File::attr_double(const std::string& obj, const std::string& name) const {
  hid_t a = H5Aopen_by_name(file_.id(), obj.c_str(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT);
  if (a < 0) fail_reading("attribute " + name + " of " + obj + " is missing");
  Handle attr = make(a, H5Aclose);
  double v = 0;
  if (!scalar_number(attr.id()) || H5Aread(attr.id(), H5T_NATIVE_DOUBLE, &v) < 0)
    fail_reading("attribute " + name + " of " + obj + " is not one number");
  return v;
}

void library_shutdown() {
  if (!g_close_failed) H5close();
}

void fsync_path(const std::string& path) {
  auto sync = [](const std::string& p, int flags, const char* what) {
    const int fd = ::open(p.c_str(), flags | O_CLOEXEC);
    if (fd < 0) throw std::runtime_error(p + ": cannot open " + what + " to sync it: " + std::strerror(errno));
    const int status = ::fsync(fd);
    const int err = errno;
    ::close(fd);
    // Some file systems cannot sync a folder (EINVAL): the file itself is what must be on disk.
    if (status != 0 && !(flags & O_DIRECTORY && (err == EINVAL || err == ENOTSUP)))
      throw std::runtime_error(p + ": cannot write " + what + " to disk (fsync): " + std::strerror(err));
  };
  sync(path, O_RDONLY, "the file");
  sync(parent_of(path), O_RDONLY | O_DIRECTORY, "its folder");
}

AtomicPath::AtomicPath(std::string path, const Comm* comm) : path_(std::move(path)), comm_(comm) {
  // Rank 0's host and PID name the temporary file on every rank (io/temp_files.hpp).
  std::string host = this_host(), pid = std::to_string(::getpid());
  if (comm_) {
    comm_->bcast(host);
    comm_->bcast(pid);
  }
  temp_ = temporary_name(path_, host, std::stol(pid));
}

AtomicPath::~AtomicPath() {
  if (!committed_ && (!comm_ || comm_->root())) {
    std::error_code ec;
    std::filesystem::remove(temp_, ec);
  }
}

void AtomicPath::fail(const std::exception& e, const std::string& what) const {
  std::string why = e.what();
  for (const std::string& prefix : {"HDF5 " + temp_ + ": ", temp_ + ": "})
    if (why.rfind(prefix, 0) == 0) why.erase(0, prefix.size());
  throw std::runtime_error(path_ + ": cannot write " + what + ": " + why + " (its temporary file was removed)");
}

std::vector<std::string> AtomicPath::commit() {
  if (comm_) comm_->barrier();  // every rank has closed the file
  std::string problem;
  std::vector<std::string> stale;
  if (!comm_ || comm_->root()) {
    try {
      fsync_path(temp_);
      std::error_code ec;
      std::filesystem::rename(temp_, path_, ec);
      if (ec) throw std::runtime_error("cannot rename " + temp_ + " to " + path_ + ": " + ec.message());
      committed_ = true;
      fsync_path(path_);
    } catch (const std::exception& e) {
      problem = e.what();
    }
    if (committed_) stale = remove_stale_temporaries(parent_of(path_));
  }
  if (comm_) comm_->bcast(problem);
  if (!problem.empty()) throw std::runtime_error(problem);
  committed_ = true;
  return stale;
}

}  // namespace signalrank::h5
