#include "src/commands/support.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iterator>
#include <memory>

#include "io/h5.hpp"
#include "io/temp_files.hpp"

namespace signalrank {

// ---- CSV ---------------------------------------------------------------------------------------

std::string csv_quote(std::string_view field) {
  if (field.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(field);
  std::string out;
  out.reserve(field.size() + 2);
  out += '"';
  for (char c : field) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

std::string csv_record(const std::vector<std::string>& fields) {
  std::string out;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i) out += ',';
    out += csv_quote(fields[i]);
  }
  out += kCsvLineEnd;
  return out;
}

void write_text_atomically(const std::string& path, std::string_view text) {
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent);
  h5::AtomicPath target(path, nullptr);
  {
    std::unique_ptr<FILE, int (*)(FILE*)> out(std::fopen(target.temp().c_str(), "wb"), std::fclose);
    if (!out) throw std::runtime_error(fmt::format("{}: cannot write: {}", target.temp(), std::strerror(errno)));
    if (std::fwrite(text.data(), 1, text.size(), out.get()) != text.size() || std::fflush(out.get()) != 0)
      throw std::runtime_error(fmt::format("{}: write failed: {}", target.temp(), std::strerror(errno)));
    FILE* f = out.release();
    if (std::fclose(f) != 0)
      throw std::runtime_error(fmt::format("{}: write failed: {}", target.temp(), std::strerror(errno)));
  }
  // fsync, rename, fsync the folder; then leftovers of killed runs in that folder go.
  std::fputs(describe_removed_temporaries(target.commit()).c_str(), stdout);
}

void check_output_folder(const std::string& option, const std::string& path, const std::vector<NamedPath>& inputs) {
  if (path.empty()) throw ConfigError(option, 0, "", "is empty; give a file name");
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (const std::string problem = name_length_problem(path); !problem.empty()) throw ConfigError(option, 0, "", problem);
  std::error_code ec;
  if (!parent.empty() && !std::filesystem::is_directory(parent, ec))
    throw ConfigError(option, 0, "", fmt::format("the folder '{}' for '{}' does not exist", parent.string(), path));
  const auto st = std::filesystem::status(path, ec);
  if (std::filesystem::is_directory(st)) throw ConfigError(option, 0, "", fmt::format("'{}' is a folder; give a file name", path));
  if (std::filesystem::exists(st) && !std::filesystem::is_regular_file(st))
    throw ConfigError(option, 0, "",
                      fmt::format("'{}' exists and is not a regular file (a device, a pipe or a socket): it would be "
                                  "replaced; give a file name",
                                  path));
  // The output replaces the file at `path` (atomically): never one of the command's inputs.
  if (std::filesystem::exists(st))
    for (const auto& [input_option, input] : inputs)
      if (!input.empty() && std::filesystem::equivalent(path, input, ec) && !ec)
        throw ConfigError(option, 0, "",
                          fmt::format("'{}' is the {} file: writing there would destroy it", path, input_option));
}

void check_input_file(const std::string& option, const std::string& path) {
  std::error_code ec;
  const auto st = std::filesystem::status(path, ec);
  if (std::filesystem::is_regular_file(st)) return;
  const std::string why = std::filesystem::is_directory(st)        ? "a directory, not a file"
                          : ec && ec != std::errc::no_such_file_or_directory ? ec.message()
                          : std::filesystem::exists(st)             ? "not a regular file"
                                                                    : "no such file";
  throw ConfigError(option, 0, "", "cannot open '" + path + "': " + why);
}

Snapshot open_snapshot(const std::string& option, const std::string& path) {
  check_input_file(option, path);
  try {
    return read_snapshot(path);
  } catch (const InputError&) {
    throw;  // names the file and what in it is wrong
  } catch (const std::exception& e) {
    throw InputError(path, 0, "", std::string("not a readable signalrank snapshot: ") + e.what());
  }
}

// ---- snapshot inputs JSON --------------------------------------------------------------------

namespace {

std::size_t skip_space(std::string_view s, std::size_t i) {
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) ++i;
  return i;
}

// Index just past the string that starts at s[i] == '"'.
std::size_t skip_string(std::string_view s, std::size_t i) {
  for (++i; i < s.size(); ++i) {
    if (s[i] == '\\') ++i;
    else if (s[i] == '"') return i + 1;
  }
  return s.size();
}

// Index just past the value that starts at s[i].
std::size_t skip_value(std::string_view s, std::size_t i) {
  if (i >= s.size()) return i;
  if (s[i] == '"') return skip_string(s, i);
  if (s[i] == '{' || s[i] == '[') {
    int depth = 0;
    while (i < s.size()) {
      const char c = s[i];
      if (c == '"') {
        i = skip_string(s, i);
        continue;
      }
      if (c == '{' || c == '[') ++depth;
      if (c == '}' || c == ']') {
        if (--depth == 0) return i + 1;
      }
      ++i;
    }
    return i;
  }
  while (i < s.size() && s[i] != ',' && s[i] != '}' && s[i] != ']' && s[i] != ' ') ++i;
  return i;
}

}  // namespace

std::optional<std::string> json_member(std::string_view s, std::string_view key) {
  std::size_t i = skip_space(s, 0);
  if (i >= s.size() || s[i] != '{') return std::nullopt;
  ++i;
  while (true) {
    i = skip_space(s, i);
    if (i >= s.size() || s[i] != '"') return std::nullopt;  // '}' or malformed
    const std::size_t key_end = skip_string(s, i);
    const std::string_view k = s.substr(i + 1, key_end - i - 2);
    i = skip_space(s, key_end);
    if (i >= s.size() || s[i] != ':') return std::nullopt;
    i = skip_space(s, i + 1);
    const std::size_t value_end = skip_value(s, i);
    if (k == key) return std::string(s.substr(i, value_end - i));
    i = skip_space(s, value_end);
    if (i >= s.size() || s[i] != ',') return std::nullopt;
    ++i;
  }
}

std::optional<std::string> json_string(std::string_view json, std::string_view key) {
  auto raw = json_member(json, key);
  if (!raw || raw->size() < 2 || raw->front() != '"') return std::nullopt;
  std::string out;
  for (std::size_t i = 1; i + 1 < raw->size(); ++i) {
    if ((*raw)[i] == '\\' && i + 2 < raw->size()) ++i;
    out += (*raw)[i];
  }
  return out;
}

std::optional<std::uint64_t> json_uint(std::string_view json, std::string_view key) {
  auto raw = json_member(json, key);
  if (!raw || raw->empty() || !std::all_of(raw->begin(), raw->end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  return std::stoull(*raw);
}

std::optional<RecordedInput> recorded_input(const Snapshot& s, std::string_view role) {
  auto object = json_member(s.inputs_json, role);
  if (!object) return std::nullopt;
  RecordedInput r;
  auto path = json_string(*object, "path");
  auto bytes = json_uint(*object, "bytes");
  auto hash = json_string(*object, "xxh3");
  if (!path || !bytes || !hash) return std::nullopt;
  r.path = *path;
  r.bytes = *bytes;
  r.xxh3 = *hash;
  return r;
}

std::string hex64(std::uint64_t v) { return fmt::format("{:016x}", v); }

// ---- same universe ---------------------------------------------------------------------------

std::vector<std::uint64_t> sorted_npis(const Snapshot& s) {
  std::vector<std::uint64_t> v = s.npi;
  std::sort(v.begin(), v.end());
  return v;
}

void check_same_npis(const std::string& file, const Snapshot& s, const std::vector<std::uint64_t>& npis,
                     const std::string& against) {
  const std::vector<std::uint64_t> mine = sorted_npis(s);
  if (mine == npis) return;
  std::vector<std::uint64_t> only_mine, only_theirs;
  std::set_difference(mine.begin(), mine.end(), npis.begin(), npis.end(), std::back_inserter(only_mine));
  std::set_difference(npis.begin(), npis.end(), mine.begin(), mine.end(), std::back_inserter(only_theirs));
  std::string example;
  if (!only_mine.empty()) example = fmt::format("; e.g. NPI {} is only in this snapshot", only_mine.front());
  else if (!only_theirs.empty()) example = fmt::format("; e.g. NPI {} is only in {}", only_theirs.front(), against);
  throw ConfigError(file, 0, "npi",
                    fmt::format("this snapshot is of another universe than {}: {} providers here, {} there, {} only "
                                "here, {} only there{}",
                                against, mine.size(), npis.size(), only_mine.size(), only_theirs.size(), example));
}

std::int64_t index_of(const std::vector<std::uint64_t>& npis, std::uint64_t npi) {
  const auto it = std::lower_bound(npis.begin(), npis.end(), npi);
  return it != npis.end() && *it == npi ? it - npis.begin() : -1;
}

}  // namespace signalrank
