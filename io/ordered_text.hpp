// One text file written by all ranks together: each append() is collective and places rank r's
// bytes after rank r-1's, so the file is the same whatever the rank count. MPI-IO, written at a
// temporary name and renamed on commit().
#pragma once
#include <mpi.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "io/h5.hpp"
#include "partition/comm.hpp"

namespace signalrank {

class OrderedTextWriter {
 public:
  OrderedTextWriter(const Comm& comm, const std::string& path);
  ~OrderedTextWriter();
  OrderedTextWriter(const OrderedTextWriter&) = delete;
  OrderedTextWriter& operator=(const OrderedTextWriter&) = delete;

  void append(std::string_view local);  // collective
  void commit();                        // collective
  std::uint64_t bytes() const { return offset_; }

 private:
  const Comm& comm_;
  h5::AtomicPath target_;
  MPI_File fh_ = MPI_FILE_NULL;
  std::uint64_t offset_ = 0;
};

}  // namespace signalrank
