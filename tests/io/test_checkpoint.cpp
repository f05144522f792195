// Checkpoint files: a round trip keeps every bit; fingerprints say what differs.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "io/checkpoint.hpp"

using namespace signalrank;

TEST(Checkpoint, RoundTripKeepsEveryBit) {
  PageRankCheckpoint c;
  c.fingerprint = {"/data/universe.h5", 1234, 5678, "name = \"tavr\"\n", 2862, 4, {0, 1024, 2048, 3072, 4000}, "graph_4"};
  c.rank = 2;
  c.iterations_done = 17;
  c.dangling_mass = 0.123456789012345678;
  c.residual = 3.5e-9;
  for (int i = 0; i < 1000; ++i) c.x.push_back(1.0 / (i + 3));
  const std::string path = (std::filesystem::temp_directory_path() / "signalrank_ckpt_test" / "rank-2.bin").string();
  save_checkpoint(path, c);
  std::vector<std::string> files;  // no temporary file left beside it
  for (const auto& e : std::filesystem::directory_iterator(std::filesystem::path(path).parent_path()))
    files.push_back(e.path().filename().string());
  EXPECT_EQ(files, std::vector<std::string>{"rank-2.bin"});
  PageRankCheckpoint d = load_checkpoint(path);
  EXPECT_EQ(d.fingerprint.difference(c.fingerprint), "");
  EXPECT_EQ(d.rank, 2);
  EXPECT_EQ(d.iterations_done, 17);
  EXPECT_EQ(d.dangling_mass, c.dangling_mass);
  EXPECT_EQ(d.residual, c.residual);
  EXPECT_EQ(d.x, c.x);
  std::filesystem::remove_all(std::filesystem::path(path).parent_path());
}

TEST(Checkpoint, FingerprintNamesTheDifference) {
  RunFingerprint a{"/u.h5", 10, 20, "campaign", 100, 2, {0, 1024, 2000}};
  RunFingerprint b = a;
  EXPECT_EQ(a.difference(b), "");
  b.ranks = 4;
  EXPECT_EQ(a.difference(b), "it was made by 4 ranks and this run has 2");
  b = a;
  b.universe_bytes = 11;
  EXPECT_EQ(a.difference(b), "the universe file /u.h5 changed since");
  b = a;
  b.campaign_text = "other";
  EXPECT_EQ(a.difference(b), "the campaign file changed since");
  b = a;
  b.as_of_week = 99;
  EXPECT_EQ(a.difference(b), "it was made for another --as-of week");
  b = a;
  b.bounds = {0, 2048, 2000};
  EXPECT_EQ(a.difference(b), "it was made with another partition of the providers");
  b = a;
  b.partition = "graph_2";
  EXPECT_EQ(a.difference(b), "it was made with the graph_2 partition and this run uses block");
}

TEST(Checkpoint, CorruptFileIsReportedNotCrashed) {
  const std::string path = (std::filesystem::temp_directory_path() / "signalrank_ckpt_corrupt.bin").string();
  std::ofstream(path) << "not a checkpoint";
  try {
    load_checkpoint(path);
    FAIL() << "no exception";
  } catch (const CheckpointError& e) {
    EXPECT_EQ(e.path(), path);
    EXPECT_EQ(e.reason(), "it is not a signalrank checkpoint of this version (no SRCKPT02 header)");
    EXPECT_EQ(std::string(e.what()), path + ": " + e.reason());
  }
  std::filesystem::remove(path);
}

// Every damage a file can take is found from its header and checksum, before anything is
// deserialized: a truncated file, an extended one, any changed byte of the payload.
TEST(Checkpoint, DamageIsFoundBeforeDeserializing) {
  PageRankCheckpoint c;
  c.fingerprint = {"/u.h5", 1, 2, "campaign", 3, 2, {0, 10, 20}, "block"};
  c.rank = 1;
  c.iterations_done = 9;
  c.x.assign(10, 0.1);
  const std::string path = (std::filesystem::temp_directory_path() / "signalrank_ckpt_damage.bin").string();
  save_checkpoint(path, c);
  const std::string good = [&] {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }();
  auto reason_for = [&](const std::string& bytes) {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
    try {
      load_checkpoint(path);
      return std::string("loaded");
    } catch (const CheckpointError& e) {
      return e.reason();
    }
  };
  EXPECT_EQ(reason_for(good), "loaded");
  EXPECT_EQ(reason_for(good.substr(0, good.size() - 1)),
            "it is truncated or extended: its header announces " + std::to_string(good.size()) + " bytes, the file has " +
                std::to_string(good.size() - 1));
  EXPECT_EQ(reason_for(good + "x"), "it is truncated or extended: its header announces " + std::to_string(good.size()) +
                                        " bytes, the file has " + std::to_string(good.size() + 1));
  EXPECT_EQ(reason_for(good.substr(0, 39)), "it is not a signalrank checkpoint of this version (no SRCKPT02 header)");
  for (std::size_t at : {std::size_t{40}, good.size() / 2, good.size() - 1}) {
    std::string bad = good;
    bad[at] = static_cast<char>(bad[at] ^ 0x10);
    EXPECT_EQ(reason_for(bad), "it is corrupted: its payload does not match the checksum in its header") << at;
  }
  std::string other_rank = good;
  other_rank[8] = 5;  // the header's rank (the payload says 1)
  EXPECT_EQ(reason_for(other_rank), "it is inconsistent: its header and its payload name different ranks or iterations");
  std::filesystem::remove(path);
}
