// Preemption-safe checkpoints of the PageRank state, one file per rank (Boost.Serialization,
// binary archive), written when `score` is told to stop (SIGUSR1 / SIGTERM, as Slurm does before
// preempting or at the end of the time limit) and read back by the rerun.
//
// A checkpoint is only valid for the very same run: its fingerprint names the universe and
// campaign files (path, bytes, modification time), the as-of week, the rank count and the
// ownership bounds. Anything else is refused with a message that says what differs.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <boost/serialization/version.hpp>

namespace signalrank {

struct RunFingerprint {
  std::string universe_path;
  std::uint64_t universe_bytes = 0;
  std::int64_t universe_mtime_ns = 0;
  std::string campaign_text;
  std::int32_t as_of_week = 0;
  std::int32_t ranks = 0;
  std::vector<std::uint64_t> bounds;  // read layout
  std::string partition = "block";    // ownership (score --partition; "graph_4" for a stored one)

  // An empty string when equal, else which part differs (for the refusal message).
  std::string difference(const RunFingerprint& o) const;

  template <class Archive>
  void serialize(Archive& ar, unsigned version) {
    ar & universe_path & universe_bytes & universe_mtime_ns & campaign_text & as_of_week & ranks & bounds;
    if (version >= 1) ar & partition;  // version 0 checkpoints were all "block"
  }
};

struct PageRankCheckpoint {
  RunFingerprint fingerprint;
  std::int32_t rank = 0;
  std::int32_t iterations_done = 0;
  double dangling_mass = 0;
  double residual = 0;
  std::vector<double> x;  // owned values after `iterations_done` iterations

  template <class Archive>
  void serialize(Archive& ar, unsigned /*version*/) {
    ar & fingerprint & rank & iterations_done & dangling_mass & residual & x;
  }
};

// The folder of a run's checkpoint: OUT/<campaign>/.checkpoint-<as_of>/ (one file per rank).
std::string checkpoint_dir(const std::string& out, const std::string& campaign, const std::string& as_of);
std::string checkpoint_file(const std::string& dir, int rank);

// Atomic per-rank write (temporary name, fsync, rename).
void save_checkpoint(const std::string& path, const PageRankCheckpoint& c);
PageRankCheckpoint load_checkpoint(const std::string& path);

RunFingerprint fingerprint_files(const std::string& universe, const std::string& campaign_text);

}  // namespace signalrank

BOOST_CLASS_VERSION(signalrank::RunFingerprint, 1)
