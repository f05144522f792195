// A file of 1-D columns that every rank writes its rows of, and that survives any rank's I/O error.
//
// HDF5's collective MPI-IO writes cannot survive an error on one rank: the failing rank leaves
// HDF5's collective calls early and the others wait in them forever (a full disk hung a 2-rank
// score). So the file is built in two steps, each ending with an agreement of all ranks:
//   1. create(): rank 0 alone makes the whole layout with serial HDF5 — groups, the attributes,
//      every dataset contiguous and allocated at once (no fill) — and closes it; the ranks learn
//      the datasets' byte offsets in the file.
//   2. write(): each rank writes its rows with pwrite(2) at those offsets (on all its threads);
//      a failure is recorded, not thrown, so no rank leaves early. finish(): every rank syncs and
//      closes its descriptor, then all agree: if any rank failed, every rank throws the first
//      failing rank's message (the path and the OS reason, e.g. "No space left on device").
// The bytes written are those of the native types the datasets are declared with, exactly what
// HDF5 itself would have written, so the file is an ordinary HDF5 file.
//
// The file is written at `path` as given: pair it with AtomicPath for an atomic result.
#pragma once
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "io/h5.hpp"
#include "partition/comm.hpp"

namespace signalrank::h5 {

class ColumnFile {
 public:
  // `comm` null: a serial file (one process, the same two steps).
  ColumnFile(const Comm* comm, std::string path);
  ~ColumnFile();
  ColumnFile(const ColumnFile&) = delete;
  ColumnFile& operator=(const ColumnFile&) = delete;

  // ---- the layout: declared the same on every rank, before create() ----
  void group(const std::string& name);
  template <class T>
  void column(const std::string& name, std::uint64_t rows) {
    declare(name, native_type<T>(), sizeof(T), 0, rows);
  }
  // Fixed-width, NUL-padded strings of `width` bytes.
  void strings(const std::string& name, std::size_t width, std::uint64_t rows);
  using AttrValue = std::variant<std::string, std::int64_t, double>;
  // An attribute of the object `obj` ("/" for the root, or a declared group), written at create().
  void attr(const std::string& obj, const std::string& name, AttrValue value);

  // Collective: rank 0 creates the file with the declared layout; every rank opens it for writing.
  // Throws (every rank, the same message) when that fails.
  void create();

  // Rows [offset, offset + rows.size()) of column `name` (any rank, any rows; ranks write disjoint
  // rows). A failed write is remembered and reported by finish(); later writes are skipped.
  template <class T>
  void write(const std::string& name, std::uint64_t offset, std::span<const T> rows) {
    write_bytes(name, sizeof(T), offset, rows.size(), rows.data());
  }
  // `count` strings of the column's width, `data` holding count * width bytes.
  void write_strings(const std::string& name, std::uint64_t offset, std::uint64_t count, const char* data);

  // Collective: every rank syncs and closes its descriptor; throws on every rank, with the first
  // failing rank's message, when any write or sync failed.
  void finish();

  // Collective, after finish(): rank 0 adds an attribute with serial HDF5 (e.g. timings that
  // include the write itself). Throws on every rank when it fails.
  void add_attr(const std::string& obj, const std::string& name, const AttrValue& value);

 private:
  struct Column {
    std::string name;
    hid_t type;
    std::size_t elem, width;  // width > 0: strings
    std::uint64_t rows;
    std::uint64_t offset = 0;  // byte offset in the file (rank 0 finds it, all ranks learn it)
  };
  void declare(const std::string& name, hid_t type, std::size_t elem, std::size_t width, std::uint64_t rows);
  void write_bytes(const std::string& name, std::size_t elem, std::uint64_t offset, std::uint64_t count,
                   const void* data);
  const Column& find(const std::string& name) const;
  // Throws on every rank when `problem` is non-empty on some rank (the first such rank's text).
  void agree(std::string problem) const;

  const Comm* comm_;
  std::string path_;
  std::vector<std::string> groups_;
  std::vector<Column> columns_;
  std::vector<std::tuple<std::string, std::string, AttrValue>> attrs_;
  int fd_ = -1;
  std::string failed_;  // this rank's first write failure
};

}  // namespace signalrank::h5
