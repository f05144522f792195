// io/h5.hpp: RawColumn / read_column_into read the same values as HDF5 itself, on several threads,
// only where that is safe (contiguous, unfiltered, native type, read-only serial file), and fail
// with a clear error on a truncated file or a read past the end.
#include <gtest/gtest.h>
#include <omp.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <numeric>
#include <vector>

#include "io/error.hpp"
#include "io/h5.hpp"

namespace fs = std::filesystem;
using namespace signalrank;

namespace {

std::uint32_t value_at(std::uint64_t i) { return static_cast<std::uint32_t>(i * 2654435761u + 17); }

class RawColumns : public ::testing::Test {
 protected:
  // 5,000,003 values: 20 MB, so a whole-column read spans three 8 MiB pieces (three threads' work).
  static constexpr std::uint64_t kN = 5'000'003;

  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("signalrank_h5_raw_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    path_ = (dir_ / "columns.h5").string();
    values_.resize(kN);
    for (std::uint64_t i = 0; i < kN; ++i) values_[i] = value_at(i);
    h5::File f = h5::File::create(path_, nullptr);
    f.write_column<std::uint32_t>("/contiguous", kN, 0, values_);
    // The same values chunked and deflated, written with the HDF5 API directly.
    hsize_t dims = kN, chunk = 65536;
    h5::Handle space(H5Screate_simple(1, &dims, nullptr), H5Sclose);
    h5::Handle dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
    H5Pset_chunk(dcpl.id(), 1, &chunk);
    H5Pset_deflate(dcpl.id(), 1);
    h5::Handle d(H5Dcreate2(f.id(), "/chunked", H5T_NATIVE_UINT32, space.id(), H5P_DEFAULT, dcpl.id(), H5P_DEFAULT),
                 H5Dclose);
    ASSERT_GE(d.id(), 0);
    ASSERT_GE(H5Dwrite(d.id(), H5T_NATIVE_UINT32, H5S_ALL, H5S_ALL, H5P_DEFAULT, values_.data()), 0);
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path dir_;
  std::string path_;
  std::vector<std::uint32_t> values_;
};

TEST_F(RawColumns, OnlySafeDatasetsAreRaw) {
  {
    const h5::File f = h5::File::open(path_, nullptr);
    const auto raw = f.raw_column<std::uint32_t>("/contiguous");
    ASSERT_TRUE(raw.has_value());
    EXPECT_EQ(raw->size(), kN);
    EXPECT_FALSE(f.raw_column<std::uint32_t>("/chunked").has_value());     // chunked + deflate
    EXPECT_FALSE(f.raw_column<std::uint64_t>("/contiguous").has_value());  // other type: HDF5 converts
    EXPECT_FALSE(f.raw_column<std::int32_t>("/contiguous").has_value());   // same size, other type
  }
  const h5::File writable = h5::File::open(path_, nullptr, /*writable=*/true);
  EXPECT_FALSE(writable.raw_column<std::uint32_t>("/contiguous").has_value());
}

// A file with a user block in front of the HDF5 data, and a dataset stored in an external file:
// both read through HDF5 (their dataset offsets are not offsets into the .h5 file).
TEST_F(RawColumns, UserBlockAndExternalStorageAreNotRaw) {
  const std::vector<std::uint32_t> want(values_.begin(), values_.begin() + 1000);
  // `path`'s /column: not raw, and read through HDF5 it holds `want`.
  auto expect_read_through_hdf5 = [&](const std::string& path) {
    SCOPED_TRACE(path);
    h5::File f = h5::File::open(path, nullptr);
    EXPECT_FALSE(f.raw_column<std::uint32_t>("/column").has_value());
    std::vector<std::uint32_t> got(want.size());
    f.read_column_into<std::uint32_t>("/column", 0, got.size(), got.data());
    EXPECT_EQ(got, want);
  };
  const std::string with_user_block = (dir_ / "user_block.h5").string();
  {
    h5::Handle fcpl(H5Pcreate(H5P_FILE_CREATE), H5Pclose);
    ASSERT_GE(H5Pset_userblock(fcpl.id(), 512), 0);
    h5::Handle file(H5Fcreate(with_user_block.c_str(), H5F_ACC_TRUNC, fcpl.id(), H5P_DEFAULT), H5Fclose);
    hsize_t dims = want.size();
    h5::Handle space(H5Screate_simple(1, &dims, nullptr), H5Sclose);
    h5::Handle d(H5Dcreate2(file.id(), "/column", H5T_NATIVE_UINT32, space.id(), H5P_DEFAULT, H5P_DEFAULT,
                            H5P_DEFAULT),
                 H5Dclose);
    ASSERT_GE(H5Dwrite(d.id(), H5T_NATIVE_UINT32, H5S_ALL, H5S_ALL, H5P_DEFAULT, want.data()), 0);
  }
  expect_read_through_hdf5(with_user_block);
  const std::string with_external = (dir_ / "external.h5").string(), raw_file = (dir_ / "external.bin").string();
  {
    h5::Handle file(H5Fcreate(with_external.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose);
    h5::Handle dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
    ASSERT_GE(H5Pset_external(dcpl.id(), raw_file.c_str(), 0, want.size() * sizeof(std::uint32_t)), 0);
    hsize_t dims = want.size();
    h5::Handle space(H5Screate_simple(1, &dims, nullptr), H5Sclose);
    h5::Handle d(H5Dcreate2(file.id(), "/column", H5T_NATIVE_UINT32, space.id(), H5P_DEFAULT, dcpl.id(), H5P_DEFAULT),
                 H5Dclose);
    ASSERT_GE(d.id(), 0);
    ASSERT_GE(H5Dwrite(d.id(), H5T_NATIVE_UINT32, H5S_ALL, H5S_ALL, H5P_DEFAULT, want.data()), 0);
  }
  expect_read_through_hdf5(with_external);
}

TEST_F(RawColumns, ParallelReadsMatchHdf5) {
  ASSERT_GE(omp_get_max_threads(), 2) << "the test is about reads on several threads";
  const h5::File f = h5::File::open(path_, nullptr);
  struct Slice {
    std::uint64_t offset, count;
  };
  for (const Slice s : {Slice{0, kN}, Slice{1, kN - 1}, Slice{2'097'151, 2'097'154}, Slice{kN - 1, 1}, Slice{7, 0},
                        Slice{4'194'303, 805'700}}) {
    SCOPED_TRACE(testing::Message() << "offset " << s.offset << " count " << s.count);
    const std::vector<std::uint32_t> want(values_.begin() + static_cast<std::ptrdiff_t>(s.offset),
                                          values_.begin() + static_cast<std::ptrdiff_t>(s.offset + s.count));
    for (const char* name : {"/contiguous", "/chunked"}) {
      std::vector<std::uint32_t> got(s.count, 0xdeadbeef);
      f.read_column_into<std::uint32_t>(name, s.offset, s.count, got.data());
      EXPECT_EQ(got, want) << name;
    }
    // Through HDF5's conversion (not raw) the values are the same.
    std::vector<std::uint64_t> wide(s.count);
    f.read_column_into<std::uint64_t>("/contiguous", s.offset, s.count, wide.data());
    EXPECT_TRUE(std::equal(wide.begin(), wide.end(), want.begin()));
  }
  // Many threads reading small pieces of one RawColumn at once.
  const auto raw = f.raw_column<std::uint32_t>("/contiguous");
  ASSERT_TRUE(raw.has_value());
  std::vector<std::uint32_t> got(kN);
#pragma omp parallel for schedule(dynamic, 1)
  for (std::uint64_t k = 0; k < kN; k += 4099) raw->read(k, std::min<std::uint64_t>(4099, kN - k), got.data() + k);
  EXPECT_EQ(got, values_);
}

TEST_F(RawColumns, MappedWindowsHoldTheValues) {
  const h5::File f = h5::File::open(path_, nullptr);
  const auto raw = f.raw_column<std::uint32_t>("/contiguous");
  ASSERT_TRUE(raw.has_value());
  // Windows that start and end off page boundaries, one element, the whole column.
  for (const auto& [first, count] : {std::pair<std::uint64_t, std::uint64_t>{0, kN}, {1, 1}, {1023, 1026},
                                     {kN - 5, 5}, {3'000'001, 999'999}}) {
    SCOPED_TRACE(testing::Message() << "first " << first << " count " << count);
    const auto window = raw->map(first, count);
    ASSERT_NE(window, nullptr);
    const auto* v = static_cast<const std::uint32_t*>(window.get());
    EXPECT_TRUE(std::equal(v, v + count, values_.begin() + static_cast<std::ptrdiff_t>(first)));
  }
  EXPECT_EQ(raw->map(7, 0), nullptr);
  EXPECT_THROW(raw->map(kN - 4, 8), std::out_of_range);
  // A truncated file is refused before any page is mapped (a fault there would be SIGBUS).
  fs::resize_file(path_, 1'000'000);
  EXPECT_THROW(raw->map(0, 16), InputError);
}

TEST_F(RawColumns, ReadPastTheEndIsRefused) {
  const h5::File f = h5::File::open(path_, nullptr);
  const auto raw = f.raw_column<std::uint32_t>("/contiguous");
  ASSERT_TRUE(raw.has_value());
  std::vector<std::uint32_t> got(8);
  EXPECT_THROW(raw->read(kN - 4, 8, got.data()), std::out_of_range);
  std::vector<std::uint32_t> all(kN + 1);
  EXPECT_THROW(f.read_column_into<std::uint32_t>("/contiguous", 0, kN + 1, all.data()), std::out_of_range);
}

TEST_F(RawColumns, TruncatedFileIsAnInputErrorNamingTheDataset) {
  const h5::File f = h5::File::open(path_, nullptr);
  const auto raw = f.raw_column<std::uint32_t>("/contiguous");
  ASSERT_TRUE(raw.has_value());
  // The file loses its tail after it was opened (a copy cut short on shared storage).
  fs::resize_file(path_, 1'000'000);
  std::vector<std::uint32_t> got(kN);
  try {
    f.read_column_into<std::uint32_t>("/contiguous", 0, kN, got.data());
    FAIL() << "expected an InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(path_), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("/contiguous"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("truncated"), std::string::npos) << e.what();
  }
}

}  // namespace
