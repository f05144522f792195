#include "io/checkpoint.hpp"

#include <boost/archive/binary_iarchive.hpp>
#include <boost/archive/binary_oarchive.hpp>
#include <boost/serialization/string.hpp>
#include <boost/serialization/vector.hpp>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "io/h5.hpp"

namespace signalrank {

std::string RunFingerprint::difference(const RunFingerprint& o) const {
  if (ranks != o.ranks)
    return "it was made by " + std::to_string(o.ranks) + " ranks and this run has " + std::to_string(ranks);
  if (universe_path != o.universe_path) return "it was made for universe " + o.universe_path;
  if (universe_bytes != o.universe_bytes || universe_mtime_ns != o.universe_mtime_ns)
    return "the universe file " + universe_path + " changed since";
  if (campaign_text != o.campaign_text) return "the campaign file changed since";
  if (as_of_week != o.as_of_week) return "it was made for another --as-of week";
  if (partition != o.partition) return "it was made with the " + o.partition + " partition and this run uses " + partition;
  if (bounds != o.bounds) return "it was made with another partition of the providers";
  return {};
}

std::string checkpoint_dir(const std::string& out, const std::string& campaign, const std::string& as_of) {
  return (std::filesystem::path(out) / campaign / (".checkpoint-" + as_of)).string();
}

std::string checkpoint_file(const std::string& dir, int rank) {
  return (std::filesystem::path(dir) / ("rank-" + std::to_string(rank) + ".bin")).string();
}

void save_checkpoint(const std::string& path, const PageRankCheckpoint& c) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw std::runtime_error("cannot write checkpoint " + tmp);
    boost::archive::binary_oarchive ar(out);
    ar << c;
    out.flush();
    if (!out) throw std::runtime_error("cannot write checkpoint " + tmp);
  }
  h5::fsync_path(tmp);
  std::filesystem::rename(tmp, path);
  h5::fsync_path(path);
}

PageRankCheckpoint load_checkpoint(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read checkpoint " + path);
  PageRankCheckpoint c;
  try {
    boost::archive::binary_iarchive ar(in);
    ar >> c;
  } catch (const std::exception& e) {
    throw std::runtime_error("checkpoint " + path + " is unreadable (" + e.what() + "); delete its folder to start over");
  }
  return c;
}

RunFingerprint fingerprint_files(const std::string& universe, const std::string& campaign_text) {
  RunFingerprint f;
  f.universe_path = std::filesystem::absolute(universe).lexically_normal().string();
  struct stat st {};
  if (::stat(universe.c_str(), &st) == 0) {
    f.universe_bytes = static_cast<std::uint64_t>(st.st_size);
    f.universe_mtime_ns = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  }
  f.campaign_text = campaign_text;
  return f;
}

}  // namespace signalrank
