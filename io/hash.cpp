#include "io/hash.hpp"

#include <xxhash.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <vector>

namespace signalrank {

InputFile describe_input(const std::string& role, const std::string& path) {
  InputFile f{role, path, 0, 0};
  std::unique_ptr<FILE, int (*)(FILE*)> in(std::fopen(path.c_str(), "rb"), std::fclose);
  if (!in) throw std::runtime_error(path + ": cannot open");
  std::unique_ptr<XXH3_state_t, XXH_errorcode (*)(XXH3_state_t*)> st(XXH3_createState(), XXH3_freeState);
  XXH3_64bits_reset(st.get());
  std::vector<char> buf(1 << 22);
  std::size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), in.get())) > 0) {
    XXH3_64bits_update(st.get(), buf.data(), n);
    f.bytes += n;
  }
  f.xxh3 = XXH3_64bits_digest(st.get());
  return f;
}

namespace {

// The identity of a file's content as far as the file system tells: "dev ino size mtime ctime".
std::string file_identity(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return {};
  std::ostringstream id;
  id << st.st_dev << ' ' << st.st_ino << ' ' << st.st_size << ' '
     << static_cast<long long>(st.st_mtim.tv_sec) * 1000000000LL + st.st_mtim.tv_nsec << ' '
     << static_cast<long long>(st.st_ctim.tv_sec) * 1000000000LL + st.st_ctim.tv_nsec;
  return id.str();
}

std::filesystem::path cache_file() {
  const char* off = std::getenv("SIGNALRANK_HASH_CACHE");
  if (off && std::string(off) == "off") return {};
  std::filesystem::path dir;
  if (const char* d = std::getenv("SIGNALRANK_CACHE_DIR"); d && *d) dir = d;
  else if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) dir = std::filesystem::path(x) / "signalrank";
  else if (const char* h = std::getenv("HOME"); h && *h) dir = std::filesystem::path(h) / ".cache" / "signalrank";
  else return {};
  return dir / "xxh3-cache";
}

// Cache lines: "<identity> <size> <xxh3 hex>", oldest first.
std::vector<std::string> read_cache(const std::filesystem::path& file) {
  std::vector<std::string> lines;
  std::ifstream in(file);
  for (std::string l; std::getline(in, l);)
    if (!l.empty()) lines.push_back(l);
  return lines;
}

}  // namespace

InputFile describe_input_cached(const std::string& role, const std::string& path, bool* cache_hit) {
  if (cache_hit) *cache_hit = false;
  const std::filesystem::path cache = cache_file();
  const std::string before = cache.empty() ? std::string() : file_identity(path);
  if (before.empty()) return describe_input(role, path);
  const std::string prefix = before + ' ';
  std::vector<std::string> lines = read_cache(cache);
  for (const std::string& l : lines) {
    if (l.compare(0, prefix.size(), prefix) != 0) continue;
    std::istringstream rest(l.substr(prefix.size()));
    std::uint64_t bytes = 0;
    std::string hex;
    if (rest >> bytes >> hex && hex.size() == 16) {
      if (cache_hit) *cache_hit = true;
      return InputFile{role, path, bytes, std::stoull(hex, nullptr, 16)};
    }
  }
  InputFile f = describe_input(role, path);
  if (file_identity(path) != before) return f;  // changed while being read: do not remember it
  // Drop older lines for the same file (same device and inode), keep the 63 most recent others.
  const std::string same_file = before.substr(0, before.find(' ', before.find(' ') + 1) + 1);
  std::vector<std::string> kept;
  for (const std::string& l : lines)
    if (l.compare(0, same_file.size(), same_file) != 0) kept.push_back(l);
  if (kept.size() > 63) kept.erase(kept.begin(), kept.end() - 63);
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(f.xxh3));
  kept.push_back(before + ' ' + std::to_string(f.bytes) + ' ' + hex);
  std::error_code ec;
  std::filesystem::create_directories(cache.parent_path(), ec);
  const std::filesystem::path tmp = cache.string() + ".tmp-" + std::to_string(::getpid());
  {
    std::ofstream out(tmp);
    for (const std::string& l : kept) out << l << '\n';
    if (!out) {
      std::filesystem::remove(tmp, ec);
      return f;
    }
  }
  std::filesystem::rename(tmp, cache, ec);  // atomic: readers see the old or the new cache
  if (ec) std::filesystem::remove(tmp, ec);
  return f;
}

}  // namespace signalrank
