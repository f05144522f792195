#include "io/temp_files.hpp"

#include <signal.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cctype>
#include <climits>
#include <filesystem>
#include <string_view>

namespace signalrank {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kMarker = ".tmp.";

// The writer's host and PID of a temporary file name, or false when `name` is not one of ours.
// Ours: "." + target + ".tmp." + host + "." + digits, or "." + target + ".tmp." + digits (older).
bool parse_temporary(std::string_view name, std::string* host, long* pid) {
  if (name.size() < 2 || name[0] != '.') return false;
  const std::size_t marker = name.rfind(kMarker);
  if (marker == std::string_view::npos || marker == 0) return false;
  const std::string_view rest = name.substr(marker + kMarker.size());
  const std::size_t dot = rest.rfind('.');
  const std::string_view digits = dot == std::string_view::npos ? rest : rest.substr(dot + 1);
  if (digits.empty() || digits.size() > 9) return false;
  for (char c : digits)
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  *pid = std::stol(std::string(digits));
  *host = dot == std::string_view::npos ? std::string() : std::string(rest.substr(0, dot));
  return *pid > 0;
}

// The first `n` bytes of `s`, cut back to a UTF-8 character boundary, with "..." when cut.
std::string head(const std::string& s, std::size_t n) {
  if (s.size() <= n) return s;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return s.substr(0, n) + "...";
}

bool process_exists(long pid) { return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM; }

}  // namespace

std::string this_host() {
  std::array<char, HOST_NAME_MAX + 1> name{};
  if (gethostname(name.data(), name.size() - 1) != 0 || name[0] == '\0') return "unknown-host";
  std::string host = name.data();
  for (char& c : host)
    if (c == '/') c = '_';
  return host;
}

std::string temporary_name(const std::string& path, const std::string& host, long pid) {
  const fs::path p(path);
  return (p.parent_path() / ("." + p.filename().string() + std::string(kMarker) + host + "." + std::to_string(pid)))
      .string();
}

std::string temporary_name(const std::string& path) { return temporary_name(path, this_host(), ::getpid()); }

std::string name_length_problem(const std::string& path) {
  std::error_code ec;
  fs::path p = fs::absolute(path, ec);
  if (ec) p = path;
  p = p.lexically_normal();
  // The longest temporary name of `path`: a 64-character host name and a 10-digit PID.
  const std::string temp = temporary_name(p.string(), std::string(64, 'h'), 9999999999L);
  if (temp.size() >= PATH_MAX)
    return "the path is " + std::to_string(p.string().size()) + " bytes long, more than this system allows (PATH_MAX " +
           std::to_string(PATH_MAX) + " bytes, less room for the temporary name)";
  fs::path existing = p.parent_path();
  while (!existing.empty() && !fs::is_directory(existing, ec) && existing != existing.parent_path())
    existing = existing.parent_path();
  long name_max = existing.empty() ? -1 : ::pathconf(existing.c_str(), _PC_NAME_MAX);
  if (name_max <= 0) name_max = NAME_MAX;
  for (const fs::path& part : fs::path(temp)) {
    const std::string name = part.string();
    if (static_cast<long>(name.size()) <= name_max) continue;
    const bool is_temp = part == fs::path(temp).filename();
    const std::string shown = is_temp ? p.filename().string() : name;
    return "the name '" + head(shown, 60) + "' is " + std::to_string(shown.size()) +
           " bytes long; the file system holds names of at most " + std::to_string(name_max) + " bytes" +
           (is_temp ? " (with room for the hidden temporary name it is first written as)" : "");
  }
  return {};
}

std::vector<std::string> remove_stale_temporaries(const std::string& folder) {
  std::vector<std::string> removed;
  const std::string host = this_host();
  std::error_code ec;
  fs::directory_iterator it(folder.empty() ? fs::path(".") : fs::path(folder), ec);
  if (ec) return removed;
  for (const fs::directory_entry& e : it) {
    std::string writer_host;
    long pid = 0;
    if (!parse_temporary(e.path().filename().string(), &writer_host, &pid)) continue;
    if (!writer_host.empty() && writer_host != host) continue;
    if (pid == ::getpid() || process_exists(pid)) continue;
    std::error_code rm;
    if (e.is_directory(rm) || rm) continue;
    if (fs::remove(e.path(), rm)) removed.push_back(e.path().string());
  }
  return removed;
}

std::string describe_removed_temporaries(const std::vector<std::string>& removed) {
  std::string out;
  for (const std::string& path : removed) {
    std::string host;
    long pid = 0;
    parse_temporary(fs::path(path).filename().string(), &host, &pid);
    out += "removed stale temporary file " + path + " (left by process " + std::to_string(pid) +
           ", which has ended)\n";
  }
  return out;
}

}  // namespace signalrank
