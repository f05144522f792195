// io/hash.hpp: describe_input_cached returns what describe_input does, from its cache only while
// the file is unchanged, and works the same when the cache is off or cannot be written.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "io/hash.hpp"

namespace fs = std::filesystem;
using namespace signalrank;

namespace {

class HashCache : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("signalrank_hash_cache_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    ::setenv("SIGNALRANK_CACHE_DIR", (dir_ / "cache").c_str(), 1);
    ::unsetenv("SIGNALRANK_HASH_CACHE");
  }
  void TearDown() override {
    ::unsetenv("SIGNALRANK_CACHE_DIR");
    ::unsetenv("SIGNALRANK_HASH_CACHE");
    fs::remove_all(dir_);
  }
  std::string write(const std::string& name, const std::string& text) const {
    const std::string p = (dir_ / name).string();
    std::ofstream(p, std::ios::binary) << text;
    return p;
  }
  static void expect_same(const InputFile& a, const InputFile& b) {
    EXPECT_EQ(a.role, b.role);
    EXPECT_EQ(a.path, b.path);
    EXPECT_EQ(a.bytes, b.bytes);
    EXPECT_EQ(a.xxh3, b.xxh3);
  }
  fs::path dir_;
};

TEST_F(HashCache, ReusesTheHashOnlyWhileTheFileIsUnchanged) {
  const std::string a = write("a.bin", std::string(100000, 'x'));
  const std::string b = write("b.bin", "other");
  bool hit = true;
  expect_same(describe_input_cached("universe", a, &hit), describe_input("universe", a));
  EXPECT_FALSE(hit);
  expect_same(describe_input_cached("universe", a, &hit), describe_input("universe", a));
  EXPECT_TRUE(hit);
  // Another file does not evict it.
  expect_same(describe_input_cached("universe", b, &hit), describe_input("universe", b));
  EXPECT_FALSE(hit);
  describe_input_cached("universe", a, &hit);
  EXPECT_TRUE(hit);
  // One byte more: hashed again, and the new hash is the one remembered.
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  std::ofstream(a, std::ios::binary | std::ios::app) << 'y';
  const InputFile changed = describe_input_cached("universe", a, &hit);
  EXPECT_FALSE(hit);
  expect_same(changed, describe_input("universe", a));
  EXPECT_EQ(changed.bytes, 100001u);
  describe_input_cached("universe", a, &hit);
  EXPECT_TRUE(hit);
  // The same bytes rewritten in place (same size): a new status-change time, hashed again.
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  write("a.bin", std::string(100000, 'z') + "y");
  const InputFile rewritten = describe_input_cached("universe", a, &hit);
  EXPECT_FALSE(hit);
  expect_same(rewritten, describe_input("universe", a));
  EXPECT_NE(rewritten.xxh3, changed.xxh3);
}

TEST_F(HashCache, OffOrUnwritableMeansAlwaysHashing) {
  const std::string a = write("a.bin", "some bytes");
  ::setenv("SIGNALRANK_HASH_CACHE", "off", 1);
  bool hit = true;
  for (int i = 0; i < 2; ++i) {
    expect_same(describe_input_cached("campaign", a, &hit), describe_input("campaign", a));
    EXPECT_FALSE(hit);
  }
  EXPECT_FALSE(fs::exists(dir_ / "cache"));
  ::unsetenv("SIGNALRANK_HASH_CACHE");
  // A cache folder that is a file: nothing can be stored, the hash is still right.
  write("blocker", "");
  ::setenv("SIGNALRANK_CACHE_DIR", (dir_ / "blocker").c_str(), 1);
  for (int i = 0; i < 2; ++i) {
    expect_same(describe_input_cached("campaign", a, &hit), describe_input("campaign", a));
    EXPECT_FALSE(hit);
  }
  // A file that does not exist: the same error as describe_input.
  EXPECT_THROW(describe_input_cached("campaign", (dir_ / "missing").string()), std::runtime_error);
}

}  // namespace
