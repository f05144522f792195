// What the ingest readers share: bad-row bookkeeping, line numbering across chunks and ranks,
// the NPI -> provider index, per-chunk code dictionaries, header checks, and the two collective
// steps (bad rows gathered on rank 0 in file/line order; the global code dictionary).
//
// How a large file is read: every rank maps the file and takes its share of the bytes after the
// header, cut at line starts (csv::split_at_lines, the same cut on every rank without talking);
// the share is cut again into chunks that threads parse independently. A chunk counts its lines
// and records bad rows by chunk-local line index; number_lines() then turns those into file line
// numbers with one exscan over ranks and a prefix sum over chunks, so every message names the
// exact line whatever the rank and thread count.
#pragma once
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "io/csv.hpp"
#include "io/universe.hpp"
#include "partition/comm.hpp"

namespace signalrank::ingest {

// A row that failed validation.
struct BadRow {
  std::uint8_t file = 0;   // the reader's file number (report order: providers, claims, referrals)
  std::uint64_t line = 0;  // chunk-local 0-based index until number_lines(), then the file's line
  std::string field;       // column name, empty for the whole row
  std::string reason;
  std::string text;  // the line as read, without its line end (for <out>.rejects.csv)
};

// The bad rows of one chunk: every one is counted, the first `keep` are kept with their text
// (enough for the rejects file when the run tolerates them, and for the first messages when not).
class BadRows {
 public:
  BadRows() = default;
  BadRows(std::uint8_t file, std::size_t keep) : file_(file), keep_(keep) {}
  void add(std::uint64_t line_index, std::string_view field, std::string reason, std::string_view text);
  std::uint64_t count() const { return count_; }
  std::vector<BadRow>& rows() { return rows_; }
  const std::vector<BadRow>& rows() const { return rows_; }

 private:
  std::uint8_t file_ = 0;
  std::size_t keep_ = 0;
  std::uint64_t count_ = 0;
  std::vector<BadRow> rows_;
};

// One kept row's counts and its line: what ingest collects, on the error path only, to find the
// line at which duplicate rows overflow a sum (find_claims, find_edges).
struct CountsAtLine {
  std::uint64_t line = 0;  // chunk-local index until the caller adds the chunk's first line
  std::array<std::uint32_t, 3> counts{};  // in the order the finder documents
};

// What every chunk reader fills in besides its rows.
struct ChunkBase {
  BadRows bad;
  std::uint64_t lines = 0;       // lines in the chunk, blank ones included
  std::uint64_t rows_read = 0;   // non-blank data lines, bad ones included
  std::uint64_t first_line = 0;  // the file line of the chunk's first line (set by number_lines)
};

// Numbers the lines of consecutive `chunks`: with `comm`, they are this rank's share of a file
// split over the ranks in rank order (collective); without, they cover the whole file.
template <class Chunk>
void number_lines(const Comm* comm, std::uint64_t header_lines, std::vector<Chunk>& chunks) {
  std::uint64_t mine = 0;
  for (const auto& c : chunks) mine += c.lines;
  std::uint64_t before = header_lines + (comm ? comm->exscan_sum(mine) : 0);
  for (auto& c : chunks) {
    c.first_line = before + 1;
    for (auto& b : c.bad.rows()) b.line += c.first_line;
    before += c.lines;
  }
}

// This rank's chunks of the bytes [data_begin, size) of a file: its share among `ranks`, cut at
// line starts, then cut into pieces of about `chunk_bytes` (at least `min_chunks` when the share
// is large enough to be worth it, so that every thread has work).
std::vector<csv::ByteRange> plan_chunks(std::string_view data, std::size_t data_begin, int rank, int ranks,
                                        std::size_t chunk_bytes, std::size_t min_chunks);

// NPI -> provider index (position in the ascending NPI list). Open addressing over 32-bit keys
// (every valid NPI is below 3e9), one cache line touched per lookup.
class NpiIndex {
 public:
  NpiIndex() = default;
  explicit NpiIndex(std::span<const std::uint64_t> npis);
  // The provider index of `npi`, or -1 when it is not in the universe.
  std::int64_t find(std::uint64_t npi) const {
    if (slots_.empty()) return -1;
    const auto key = static_cast<std::uint32_t>(npi);
    for (std::size_t s = hash(key);; s = (s + 1) & mask_) {
      const Slot& slot = slots_[s];
      if (slot.npi == key) return slot.index;
      if (slot.npi == 0) return -1;
    }
  }

 private:
  struct Slot {
    std::uint32_t npi = 0;  // 0 = empty (never a valid NPI)
    std::uint32_t index = 0;
  };
  std::size_t hash(std::uint32_t key) const {
    return static_cast<std::size_t>((std::uint64_t{key} * 0x9E3779B97F4A7C15ull) >> shift_);
  }
  std::vector<Slot> slots_;
  std::size_t mask_ = 0;
  unsigned shift_ = 63;
};

// The distinct codes of one chunk, numbered in order of first appearance.
class CodeTable {
 public:
  std::uint32_t find_or_add(const csv::CodeKey& key);
  const std::vector<csv::CodeKey>& keys() const { return keys_; }
  std::size_t size() const { return keys_.size(); }

 private:
  void rehash(std::size_t slots);
  std::vector<csv::CodeKey> keys_;
  std::vector<std::uint32_t> slots_;  // id + 1; 0 = empty
};

// The global code dictionary: every rank's codes, sorted and unique, the same on every rank
// (collective). `to_global[i]` receives the global index of `local[i]`.
std::vector<Code> merge_codes(const Comm& comm, std::span<const csv::CodeKey> local, std::vector<std::uint32_t>* to_global);

// Bad rows of all ranks, in file/line order, on rank 0 (collective). `total` is known everywhere.
// Rank 0 receives all rows when total <= limit (the rejects file needs them), else the first
// `shown` of the file order (each rank sends only its first `shown`, which is enough).
struct BadRowReport {
  std::uint64_t total = 0;
  std::vector<BadRow> rows;
};
BadRowReport gather_bad_rows(const Comm& comm, std::vector<BadRow> local, std::uint64_t local_total,
                             std::uint64_t limit, std::size_t shown);

// Splits the data lines of one chunk and checks their shape: NUL bytes, quoting and the field
// count. A line that fails is recorded in `bad` (naming the column) and split() returns false.
class RowSplitter {
 public:
  // `names`: the expected columns; `chunk`: the bytes the lines come from (for the NUL search).
  RowSplitter(char delimiter, std::span<const std::string> names, std::string_view chunk);
  bool split(std::string_view line, std::uint64_t line_index, BadRows& bad);
  std::string_view operator[](std::size_t i) const { return fields_[i]; }
  const std::string& name(std::size_t i) const { return names_[i]; }

 private:
  csv::Tokenizer tokenizer_;
  std::span<const std::string> names_;
  std::vector<std::string_view> fields_;
  const char* next_nul_;  // the next NUL byte at or after the current line, or chunk end
  const char* chunk_end_;
};

// ---- headers -----------------------------------------------------------------------------

// True when the first field of `line` starts like a column name (a letter or '_'), not data.
bool looks_like_header(std::string_view line, char delimiter);

// Checks that the first line names exactly `expected` (case-insensitive, spaces trimmed);
// throws InputError(file, 1, column, reason) for a missing or a wrong header.
void expect_header(const std::string& file, std::string_view line, char delimiter,
                   std::span<const std::string_view> expected);

// Throws InputError for an empty file (nothing but a byte-order mark and blank lines) or binary
// data (a NUL byte in the first 64 KiB; later ones are caught row by row by RowSplitter).
void check_text_file(const std::string& file, std::string_view data);

// "a,b,c" for messages.
std::string join_names(std::span<const std::string_view> names, char delimiter = ',');

}  // namespace signalrank::ingest
