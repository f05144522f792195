// Preemption-safe checkpoints of the PageRank state, one file per rank, written when `score` is
// told to stop (SIGUSR1 / SIGTERM, as Slurm does before preempting or at the end of the time
// limit) and read back by the rerun.
//
// A file is a 40-byte header — the magic "SRCKPT02", the rank, the iterations done, the payload's
// length and its xxh3-64 — then the payload: the Boost.Serialization binary archive of a
// PageRankCheckpoint. The header lets a reader tell a whole file from a truncated or corrupted
// one before it deserializes anything, and lets the ranks agree on the iteration cheaply.
//
// A checkpoint is only valid for the very same run: its fingerprint names the universe and
// campaign files (path, bytes, modification time), the as-of week, the rank count and the
// ownership bounds. Anything else is refused with a message that says what differs.
#pragma once
#include <cstdint>
#include <stdexcept>
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

// Atomic per-rank write (temporary name, fsync, rename). Throws std::runtime_error naming the
// file and the OS reason (e.g. a full disk); the temporary file is then removed.
void save_checkpoint(const std::string& path, const PageRankCheckpoint& c);
// Reads and verifies one rank's file. Throws CheckpointError when it cannot be resumed: missing,
// not a checkpoint, truncated, its payload not matching its checksum, or not deserializable.
PageRankCheckpoint load_checkpoint(const std::string& path);

// What is wrong with a checkpoint file: what() is "<path>: <reason>".
class CheckpointError : public std::runtime_error {
 public:
  CheckpointError(std::string path, std::string reason)
      : std::runtime_error(path + ": " + reason), path_(std::move(path)), reason_(std::move(reason)) {}
  const std::string& path() const { return path_; }
  const std::string& reason() const { return reason_; }

 private:
  std::string path_, reason_;
};

// Rank 0, once every rank's file is written: `DIR/stop.txt` says the run stopped with a complete
// checkpoint after `iteration` (exit code 4). A batch script whose launcher cannot pass the
// ranks' exit code on (mpirun after a SIGTERM exits 1 whatever they return) reads it.
void mark_checkpoint_complete(const std::string& dir, int iteration, int ranks);
std::string checkpoint_marker(const std::string& dir);

RunFingerprint fingerprint_files(const std::string& universe, const std::string& campaign_text);

}  // namespace signalrank

BOOST_CLASS_VERSION(signalrank::RunFingerprint, 1)
