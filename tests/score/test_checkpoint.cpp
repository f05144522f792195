// Checkpoint files: a round trip keeps every bit; fingerprints say what differs.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

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
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
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
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("is unreadable"), std::string::npos) << e.what();
  }
  std::filesystem::remove(path);
}
