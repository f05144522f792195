// What export, diff and backtest share: RFC 4180 output written atomically, the few fields they read from a snapshot's `inputs` JSON, and the
// checks that two files describe the same universe.
//
// CSV output (README, "Activation and closed loop"): UTF-8 without a byte-order mark, comma
// separated, a header line, CRLF line ends (RFC 4180), a field quoted only when it holds a comma,
// a quote or a line break, with quotes doubled inside.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "io/error.hpp"
#include "io/snapshot.hpp"
#include "io/universe.hpp"
#include "partition/comm.hpp"

namespace signalrank {

// ---- CSV ---------------------------------------------------------------------------------------

constexpr std::string_view kCsvLineEnd = "\r\n";

// `field` as RFC 4180 wants it: unchanged, or quoted with its quotes doubled.
std::string csv_quote(std::string_view field);
// One record: the fields quoted as needed, joined by commas, ended by CRLF.
std::string csv_record(const std::vector<std::string>& fields);

// Writes `text` to `path` at a hidden temporary name in the same folder, fsyncs and renames, so
// `path` is either the previous file or the complete new one. Throws std::runtime_error on an
// I/O failure (the temporary file is removed).
void write_text_atomically(const std::string& path, std::string_view text);

// A ConfigError naming `option` when the folder that would hold `path` does not exist (checked
// before any heavy work, so a typo does not cost a whole computation).
// Also refuses an empty path, an existing path that is not a regular file (a device would be
// replaced by a file), and a path that is the same file as one of `inputs` ((option, path) pairs,
// e.g. {"--universe", u}: "'<path>' is the --universe file: writing there would destroy it").
using NamedPath = std::pair<std::string, std::string>;
void check_output_folder(const std::string& option, const std::string& path, const std::vector<NamedPath>& inputs = {});

// A ConfigError naming `option` unless `path` is a regular file (or a link to one): "no such
// file", "a directory, not a file", or the OS's reason (a loop of symbolic links, say).
void check_input_file(const std::string& option, const std::string& path);

// A snapshot named by command-line `option`: a ConfigError when the file does not exist, an
// InputError when it is not a snapshot.
Snapshot open_snapshot(const std::string& option, const std::string& path);

// ---- snapshot inputs JSON --------------------------------------------------------------------

// The raw text of the value of `key` in the top-level JSON object `json` (an object, array,
// string with its quotes, or number), or nullopt when absent. Enough JSON for the `inputs`
// attribute that score writes; not a general parser.
std::optional<std::string> json_member(std::string_view json, std::string_view key);
// A string member's text (no escapes resolved beyond \" and \\), or nullopt.
std::optional<std::string> json_string(std::string_view json, std::string_view key);
std::optional<std::uint64_t> json_uint(std::string_view json, std::string_view key);

// What a snapshot recorded about one of its input files.
struct RecordedInput {
  std::string path;
  std::uint64_t bytes = 0;
  std::string xxh3;  // 16 hex digits
};
// The `role` entry ("universe", "campaign", "suppression") of a snapshot's inputs, if recorded.
std::optional<RecordedInput> recorded_input(const Snapshot& s, std::string_view role);
std::string hex64(std::uint64_t v);

// ---- same universe ---------------------------------------------------------------------------

// Throws ConfigError(`file`, field "npi") unless the NPIs of snapshot `s` are exactly `npis`
// (ascending). `against` names the other side in the message.
void check_same_npis(const std::string& file, const Snapshot& s, const std::vector<std::uint64_t>& npis,
                     const std::string& against);

// Sorted copy of a snapshot's NPI column.
std::vector<std::uint64_t> sorted_npis(const Snapshot& s);

// Index of `npi` in the ascending `npis`, or -1.
std::int64_t index_of(const std::vector<std::uint64_t>& npis, std::uint64_t npi);

}  // namespace signalrank
