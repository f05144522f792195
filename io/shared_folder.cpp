#include "io/shared_folder.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <climits>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>

#include "io/error.hpp"
#include "io/temp_files.hpp"

namespace signalrank {
namespace {

namespace fs = std::filesystem;

// The folder itself, or the nearest ancestor that exists ("." for a relative path with none).
fs::path existing_folder(const std::string& folder) {
  std::error_code ec;
  fs::path p = fs::absolute(folder, ec);
  if (ec) p = folder;
  while (!p.empty() && !fs::is_directory(p, ec)) {
    if (p == p.parent_path()) break;
    p = p.parent_path();
  }
  return p.empty() ? fs::path(".") : p;
}

std::string host_name() {
  std::array<char, HOST_NAME_MAX + 1> name{};
  if (gethostname(name.data(), name.size() - 1) != 0) return "unknown host";
  return name.data();
}

// What each rank found, gathered on every rank.
struct Seen {
  int sees;
  char host[64];
};

}  // namespace

void check_shared_folder(const Comm& comm, const std::string& option, const std::string& folder) {
  if (comm.size() == 1) return;
  // Rank 0: the probe's path and token, or why it could not write one.
  std::string probe, token, problem;
  bool full = false;
  if (comm.root()) {
    const fs::path dir = existing_folder(folder);
    std::random_device seed;
    token = fmt::format("{:016x}{:08x}", (std::uint64_t{seed()} << 32) | seed(), static_cast<unsigned>(getpid()));
    probe = (dir / (".signalrank-shared-check-" + token)).string();
    std::ofstream out(probe, std::ios::trunc);
    out << token << '\n' << host_name() << '\n';
    out.close();
    if (!out) {
      const int err = errno;
      std::error_code ec;
      fs::remove(probe, ec);
      // A full disk or an I/O error is the environment's failure (exit 70); a folder the user may
      // not write to is a configuration error (exit 3).
      full = err == ENOSPC || err == EDQUOT || err == EIO;
      problem = fmt::format("cannot write in '{}' (for '{}'): {}", dir.string(), folder, std::strerror(err));
    }
  }
  comm.bcast(problem);
  if (!problem.empty()) {
    std::vector<int> flag{full ? 1 : 0};
    comm.bcast(flag);
    if (flag[0]) throw std::runtime_error(option + ": " + problem);
    throw ConfigError(option, 0, "", problem);
  }
  comm.bcast(probe);
  comm.bcast(token);

  std::ifstream in(probe);
  std::string seen;
  std::getline(in, seen);
  Seen me{};
  me.sees = in && seen == token ? 1 : 0;
  std::strncpy(me.host, host_name().c_str(), sizeof me.host - 1);
  // Once gathered, every rank has looked: the probe can go.
  const std::vector<Seen> all = comm.allgatherv<Seen>(std::span<const Seen>(&me, 1));
  if (comm.root()) {
    std::error_code ec;
    fs::remove(probe, ec);
  }
  const auto is_blind = [](const Seen& s) { return s.sees == 0; };
  const auto blind = std::find_if(all.begin(), all.end(), is_blind);
  if (blind == all.end()) return;
  throw ConfigError(option, 0, "",
                    fmt::format("'{}' is not shared by all ranks: rank {} on {} does not see the file rank 0 on {} "
                                "wrote there ({} of {} ranks do not). The snapshot is one file written by every "
                                "rank, so it needs a folder on storage all nodes share (a parallel or network "
                                "file system), not node-local /tmp or scratch",
                                folder, blind - all.begin(), blind->host, all[0].host,
                                std::count_if(all.begin(), all.end(), is_blind), all.size()));
}

void check_output_folder(const Comm& comm, const std::string& option, const std::string& folder,
                         const std::string& file_name) {
  std::string problem;
  if (comm.root()) {
    problem = name_length_problem((fs::path(folder) / file_name).string());
    std::error_code ec;
    if (problem.empty()) {
      // The nearest part of the path that exists must be a folder this process may write in.
      fs::path p = fs::absolute(folder, ec).lexically_normal();
      while (!p.empty() && !fs::exists(p, ec) && p != p.parent_path()) p = p.parent_path();
      if (!fs::is_directory(p, ec))
        problem = fmt::format("'{}' is in the way of the folder '{}': it is not a folder", p.string(), folder);
      else if (::access(p.c_str(), W_OK | X_OK) != 0)
        problem = fmt::format("cannot write in '{}' (for '{}'): {}", p.string(), folder, std::strerror(errno));
    }
  }
  comm.bcast(problem);
  if (!problem.empty()) throw ConfigError(option, 0, "", problem);
}

}  // namespace signalrank
