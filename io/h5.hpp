// A thin RAII wrapper over the HDF5 C API: every handle closes itself, every call's return code is
// checked and turned into an exception naming the file and object. Parallel I/O is switched on
// by passing a Comm (MPI-IO driver, collective transfers); without one the file is serial.
#pragma once
#include <hdf5.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "partition/comm.hpp"

namespace signalrank::h5 {

class Handle {
 public:
  Handle() = default;
  Handle(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {}
  ~Handle() { reset(); }
  Handle(Handle&& o) noexcept : id_(o.id_), close_(o.close_) { o.id_ = -1; }
  Handle& operator=(Handle&& o) noexcept {
    if (this != &o) {
      reset();
      id_ = o.id_;
      close_ = o.close_;
      o.id_ = -1;
    }
    return *this;
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  hid_t id() const { return id_; }
  explicit operator bool() const { return id_ >= 0; }
  void reset() {
    if (id_ >= 0 && close_) close_(id_);
    id_ = -1;
  }
  // Gives up the handle without closing it (the caller closed it and checks the result).
  hid_t release() {
    const hid_t id = id_;
    id_ = -1;
    return id;
  }

 private:
  hid_t id_ = -1;
  herr_t (*close_)(hid_t) = nullptr;
};

template <class T>
hid_t native_type() {
  if constexpr (std::is_same_v<T, std::uint8_t>) return H5T_NATIVE_UINT8;
  else if constexpr (std::is_same_v<T, std::uint16_t>) return H5T_NATIVE_UINT16;
  else if constexpr (std::is_same_v<T, std::uint32_t>) return H5T_NATIVE_UINT32;
  else if constexpr (std::is_same_v<T, std::uint64_t>) return H5T_NATIVE_UINT64;
  else if constexpr (std::is_same_v<T, std::int32_t>) return H5T_NATIVE_INT32;
  else if constexpr (std::is_same_v<T, std::int64_t>) return H5T_NATIVE_INT64;
  else if constexpr (std::is_same_v<T, double>) return H5T_NATIVE_DOUBLE;
  else static_assert(sizeof(T) == 0, "no HDF5 type for T");
}

// The elements of a contiguous, unfiltered dataset read with pread(2) at the dataset's byte offset
// in the file, without HDF5: any number of threads may read at once (this HDF5 build is not
// thread-safe, so HDF5 itself may only be called from one thread at a time). Copies share one
// read-only file descriptor, closed with the last copy. File::raw_column hands them out.
class RawColumn {
 public:
  std::uint64_t size() const { return count_; }
  // Elements [first, first + count) into `out` (count * element size bytes). Thread-safe. Throws
  // std::out_of_range past the end, InputError when the file is shorter than the dataset claims
  // (truncated) and std::runtime_error when the read fails.
  void read(std::uint64_t first, std::uint64_t count, void* out) const;
  // Elements [first, first + count) mapped read-only into memory (mmap of the page cache, no copy),
  // or nullptr when the system refuses the mapping (the caller then reads). The mapping lives as
  // long as the returned pointer. Thread-safe. Throws std::out_of_range past the end and
  // InputError when the file is shorter than the column (the missing pages would fault, SIGBUS).
  // Map windows, not whole columns: every page touched through a mapping counts in the process's
  // resident size while it is mapped.
  std::shared_ptr<const void> map(std::uint64_t first, std::uint64_t count) const;

 private:
  friend class File;
  void check_range(std::uint64_t first, std::uint64_t count, const char* what) const;
  [[noreturn]] void truncated() const;
  std::shared_ptr<const int> fd_;
  std::string path_, name_;
  std::uint64_t base_ = 0, count_ = 0;
  std::size_t elem_ = 0;
};

class File {
 public:
  // Creates (truncating) `path`. With `comm`, every rank of it must call this (collective).
  static File create(const std::string& path, const Comm* comm);
  // Opens `path` read-only, or read-write (collectively when `comm` is given).
  static File open(const std::string& path, const Comm* comm, bool writable = false);

  const std::string& path() const { return path_; }
  hid_t id() const { return file_.id(); }
  bool parallel() const { return comm_ != nullptr; }
  // Closes the file, flushing what HDF5 still holds; a failure (e.g. the disk is full) throws, on
  // every rank of a parallel file. A File destroyed without close() closes quietly.
  void close();

  void create_group(const std::string& name);
  bool exists(const std::string& name) const;
  // Removes the link `name` (a dataset or group; its space is not reclaimed by HDF5).
  void remove_link(const std::string& name);
  // Renames the link `from` to `to` inside this file (`to` must not exist).
  void move_link(const std::string& from, const std::string& to);
  // Writes everything HDF5 holds for this file to the OS (H5Fflush, global scope).
  void flush();
  // The names of the links in group `name`, in name order (empty when the group does not exist).
  std::vector<std::string> children(const std::string& name) const;

  // One 1-D column of global length `global_n`; this rank writes `local` at `offset`.
  // Collective when the file is parallel (every rank calls it, possibly with no rows).
  template <class T>
  void write_column(const std::string& name, std::uint64_t global_n, std::uint64_t offset, std::span<const T> local) {
    write_raw(name, native_type<T>(), sizeof(T), global_n, offset, local.size(), local.data());
  }
  // The whole column, written by rank 0 of a parallel file (other ranks pass anything) or serially.
  template <class T>
  void write_column(const std::string& name, std::span<const T> all) {
    const bool writer = !comm_ || comm_->root();
    std::uint64_t n = all.size();
    if (comm_) {
      std::vector<std::uint64_t> nn{n};
      comm_->bcast(nn);
      n = nn[0];
    }
    write_raw(name, native_type<T>(), sizeof(T), n, 0, writer ? n : 0, all.data());
  }
  // Fixed-width strings (`width` bytes per element, NUL-padded), `count` elements at `offset`.
  void write_strings(const std::string& name, std::size_t width, std::uint64_t global_n, std::uint64_t offset,
                     std::uint64_t count, const char* data);

  std::uint64_t column_size(const std::string& name) const;
  template <class T>
  std::vector<T> read_column(const std::string& name, std::uint64_t offset, std::uint64_t count) const {
    std::vector<T> out(count);
    read_raw(name, native_type<T>(), sizeof(T), offset, count, out.data());
    return out;
  }
  template <class T>
  std::vector<T> read_column(const std::string& name) const {
    return read_column<T>(name, 0, column_size(name));
  }
  // The 1-D column `name` as a RawColumn when that is safe: the file is open read-only and serially,
  // and the dataset is contiguous, unfiltered, allocated, in the .h5 file itself (no external
  // storage, no user block) and stored as T's native type, so that its bytes are T's. nullopt
  // otherwise (chunked, compressed, other byte order...): read through HDF5 then.
  template <class T>
  std::optional<RawColumn> raw_column(const std::string& name) const {
    return raw_column(name, native_type<T>(), sizeof(T));
  }
  // Elements [offset, offset + count) of a 1-D column into `out`: on all OpenMP threads through
  // raw_column when it is available, else through HDF5 on the calling thread. Not to be called
  // from inside a parallel region.
  // `piece(first, n)`, when given, is called once the elements out[first, first + n) have landed,
  // on the thread that read them (while they are in its cache: to check rows as they are read);
  // the pieces cover [0, count) once, in no particular order, from several threads at once.
  template <class T>
  void read_column_into(const std::string& name, std::uint64_t offset, std::uint64_t count, T* out,
                        const std::function<void(std::uint64_t, std::uint64_t)>& piece = {}) const {
    if (const auto raw = raw_column<T>(name)) {
      read_parallel(*raw, offset, count, out, piece);
    } else {
      read_raw(name, native_type<T>(), sizeof(T), offset, count, out);
      if (piece) piece(0, count);
    }
  }
  // Fixed-width strings as `count * width()` bytes; `width` reports the element width.
  std::vector<char> read_strings(const std::string& name, std::uint64_t offset, std::uint64_t count,
                                 std::size_t* width) const;

  // Attributes on the object `obj` ("/" for the root). Writes are done by every rank of a
  // parallel file with the same value (HDF5 metadata is collective).
  void set_attr(const std::string& obj, const std::string& name, const std::string& value);
  void set_attr(const std::string& obj, const std::string& name, std::int64_t value);
  void set_attr(const std::string& obj, const std::string& name, double value);
  std::string attr_string(const std::string& obj, const std::string& name) const;
  std::int64_t attr_int(const std::string& obj, const std::string& name) const;
  double attr_double(const std::string& obj, const std::string& name) const;
  bool has_attr(const std::string& obj, const std::string& name) const;

 private:
  void write_raw(const std::string& name, hid_t type, std::size_t elem, std::uint64_t global_n, std::uint64_t offset,
                 std::uint64_t count, const void* data);
  void read_raw(const std::string& name, hid_t type, std::size_t elem, std::uint64_t offset, std::uint64_t count,
                void* data) const;
  std::optional<RawColumn> raw_column(const std::string& name, hid_t type, std::size_t elem) const;
  Handle open_dataset(const std::string& name) const;  // fails naming a missing dataset
  static void read_parallel(const RawColumn& raw, std::uint64_t offset, std::uint64_t count, void* out,
                            const std::function<void(std::uint64_t, std::uint64_t)>& piece);
  void write_selection(hid_t dset, hid_t mem_type, std::size_t elem, std::uint64_t offset, std::uint64_t count,
                       const void* data, const std::string& name);
  void set_scalar_attr(const std::string& obj, const std::string& name, hid_t type, const void* value);
  [[noreturn]] void fail(const std::string& what) const;
  // What is missing, malformed or unreadable in a file opened read-only is the user's input
  // problem: InputError (exit 2) naming the file. In a file being written it is fail()'s.
  [[noreturn]] void fail_reading(const std::string& what) const;
  // The end of one write step: throws when it failed, on every rank of a parallel file at once.
  void check_write(bool ok, const std::string& what) const;

  std::string path_;
  const Comm* comm_ = nullptr;
  bool writable_ = false;
  bool read_only_ = false;  // opened read-only: see fail_reading
  Handle file_;
};

// Writes `path` atomically: the file is built at a temporary name (io/temp_files.hpp: hidden,
// with rank 0's host and PID), then fsync'd and renamed by rank 0. A run that dies before
// commit() leaves at most the temporary file, never `path`; the next commit into the same folder
// removes such leftovers of runs that have ended.
class AtomicPath {
 public:
  AtomicPath(std::string path, const Comm* comm);
  ~AtomicPath();  // removes the temporary file unless committed
  const std::string& temp() const { return temp_; }
  const std::string& final_path() const { return path_; }
  // Call after the file is closed on every rank. Throws (on every rank) when the fsync or the
  // rename fails, the temporary file then being removed. Returns, on rank 0, the stale temporary
  // files of ended runs it removed from the folder (io/temp_files.hpp).
  std::vector<std::string> commit();
  // Rethrows a failure of the write as "<path>: cannot write <what>: <reason> (its temporary file
  // was removed)", the temporary file's name taken out of the reason (it is gone).
  [[noreturn]] void fail(const std::exception& e, const std::string& what) const;

 private:
  std::string path_, temp_;
  const Comm* comm_;
  bool committed_ = false;
};

// Ends the HDF5 library; main calls it before MPI is finalized (HDF5 has no exit handler of its
// own here: it would close parallel files after MPI_Finalize). After a failed file close it does
// nothing: HDF5 keeps such a file half-closed and would crash closing it again; the process then
// abandons it (its temporary file is removed by AtomicPath).
void library_shutdown();

// fsync a file and the folder holding it; throws std::runtime_error naming the path and the OS
// reason when the file cannot be opened or synced (an error the write itself may not have shown,
// e.g. on a network file system or a full disk).
void fsync_path(const std::string& path);

// The HDF5 error stack's innermost message (where an MPI-IO or OS error is described), as
// " (message)", or "" when the stack is empty.
std::string error_reason();

}  // namespace signalrank::h5
