#include "io/checkpoint.hpp"

#include <boost/archive/binary_iarchive.hpp>
#include <boost/archive/binary_oarchive.hpp>
#include <boost/serialization/string.hpp>
#include <boost/serialization/vector.hpp>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "io/h5.hpp"
#include "io/temp_files.hpp"

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

namespace {

constexpr char kMagic[8] = {'S', 'R', 'C', 'K', 'P', 'T', '0', '2'};

struct Header {
  char magic[8];
  std::int32_t rank;
  std::int32_t iterations_done;
  std::uint64_t payload_bytes;
  std::uint64_t payload_xxh3;
  std::uint64_t reserved;
};
static_assert(sizeof(Header) == 40);

// Writes all of `data` to `fd`, or throws naming `path` and the OS reason.
void write_all(int fd, const char* data, std::size_t n, const std::string& path) {
  while (n > 0) {
    const ssize_t put = ::write(fd, data, n);
    if (put < 0 && errno == EINTR) continue;
    if (put <= 0) throw std::runtime_error(path + ": cannot write the checkpoint: " + std::strerror(put < 0 ? errno : EIO));
    data += put;
    n -= static_cast<std::size_t>(put);
  }
}

}  // namespace

void save_checkpoint(const std::string& path, const PageRankCheckpoint& c) {
  std::ostringstream archive(std::ios::binary);
  {
    boost::archive::binary_oarchive ar(archive);
    ar << c;
  }
  const std::string payload = std::move(archive).str();
  Header h{};
  std::memcpy(h.magic, kMagic, sizeof kMagic);
  h.rank = c.rank;
  h.iterations_done = c.iterations_done;
  h.payload_bytes = payload.size();
  h.payload_xxh3 = XXH3_64bits(payload.data(), payload.size());

  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  if (ec) throw std::runtime_error(path + ": cannot create the checkpoint folder: " + ec.message());
  const std::string tmp = temporary_name(path);
  try {
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) throw std::runtime_error(tmp + ": cannot create the checkpoint: " + std::strerror(errno));
    try {
      write_all(fd, reinterpret_cast<const char*>(&h), sizeof h, tmp);
      write_all(fd, payload.data(), payload.size(), tmp);
    } catch (...) {
      ::close(fd);
      throw;
    }
    if (::close(fd) != 0) throw std::runtime_error(tmp + ": cannot write the checkpoint: " + std::strerror(errno));
    h5::fsync_path(tmp);
    std::filesystem::rename(tmp, path, ec);
    if (ec) throw std::runtime_error("cannot rename " + tmp + " to " + path + ": " + ec.message());
  } catch (...) {
    std::filesystem::remove(tmp, ec);
    throw;
  }
  h5::fsync_path(path);
}

PageRankCheckpoint load_checkpoint(const std::string& path) {
  auto refuse = [&](const std::string& why) { return CheckpointError(path, why); };
  std::ifstream in(path, std::ios::binary);
  if (!in) throw refuse("cannot read the checkpoint file");
  Header h{};
  in.read(reinterpret_cast<char*>(&h), sizeof h);
  if (in.gcount() != static_cast<std::streamsize>(sizeof h) || std::memcmp(h.magic, kMagic, sizeof kMagic) != 0)
    throw refuse("it is not a signalrank checkpoint of this version (no SRCKPT02 header)");
  std::error_code ec;
  const std::uint64_t bytes = std::filesystem::file_size(path, ec);
  if (ec || bytes != sizeof h + h.payload_bytes)
    throw refuse("it is truncated or extended: its header announces " + std::to_string(sizeof h + h.payload_bytes) +
                 " bytes, the file has " + std::to_string(bytes));
  std::string payload(h.payload_bytes, '\0');
  in.read(payload.data(), static_cast<std::streamsize>(payload.size()));
  if (in.gcount() != static_cast<std::streamsize>(payload.size())) throw refuse("cannot read the checkpoint file");
  if (XXH3_64bits(payload.data(), payload.size()) != h.payload_xxh3)
    throw refuse("it is corrupted: its payload does not match the checksum in its header");
  PageRankCheckpoint c;
  try {
    std::istringstream archive(payload, std::ios::binary);
    boost::archive::binary_iarchive ar(archive);
    ar >> c;
  } catch (const std::exception& e) {
    throw refuse(std::string("it is unreadable (") + e.what() + ")");
  }
  if (c.rank != h.rank || c.iterations_done != h.iterations_done)
    throw refuse("it is inconsistent: its header and its payload name different ranks or iterations");
  return c;
}

std::string checkpoint_marker(const std::string& dir) { return (std::filesystem::path(dir) / "stop.txt").string(); }

void mark_checkpoint_complete(const std::string& dir, int iteration, int ranks) {
  const std::string path = checkpoint_marker(dir), tmp = temporary_name(path);
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << "signalrank score stopped on a signal after PageRank iteration " << iteration << " with a checkpoint of "
        << ranks << " rank files; exit code 4; rerun the same command to resume\n";
    out.close();
    if (!out) {
      std::error_code ec;
      std::filesystem::remove(tmp, ec);
      throw std::runtime_error(path + ": cannot write: " + std::strerror(errno));
    }
  }
  h5::fsync_path(tmp);
  std::filesystem::rename(tmp, path);
  h5::fsync_path(path);
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
