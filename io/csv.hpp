// CSV reading for ingest: memory-mapped input files, a tokenizer that splits one line into fields
// without allocating, line-aligned byte ranges for parallel reading, and strict parsers for the
// numbers, NPIs and codes of SPEC §2 that say exactly what is wrong with a field.
//
// Dialect (RFC 4180 with the relaxations real files need):
//  - ',' or '\t' delimiters (the legacy CMS files are tab-separated);
//  - quoted fields, `""` inside quotes for one `"`, delimiters inside quotes;
//  - LF or CRLF line ends, a UTF-8 byte-order mark before the first line, blank lines (skipped);
//  - a `"` inside an unquoted field is kept as an ordinary character.
// Not supported: a line break inside a quoted field. Every reader splits the file at line feeds
// first (that is what makes byte ranges independent), so such a field ends at the line end and is
// reported as an unterminated quote. The tokenizer does not check that bytes are UTF-8 (the
// published CMS files are not always UTF-8, in columns ingest does not use): each reader checks
// the fields it stores (io/text.hpp). The reasons below quote values with text::quote (bounded).
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "io/universe.hpp"

namespace signalrank::csv {

// ---- files -------------------------------------------------------------------------------

// A whole file mapped read-only. Throws InputError(path, 0, "", "cannot open ...") when it
// cannot be opened. An empty file maps to an empty view.
class MappedFile {
 public:
  explicit MappedFile(const std::string& path);
  ~MappedFile();
  MappedFile(MappedFile&& o) noexcept;
  MappedFile& operator=(MappedFile&& o) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const std::string& path() const { return path_; }
  std::string_view view() const { return {data_, size_}; }
  std::size_t size() const { return size_; }

 private:
  std::string path_;
  const char* data_ = nullptr;
  std::size_t size_ = 0;
};

// ---- lines -------------------------------------------------------------------------------

// Strips one trailing '\r' (CRLF line ends).
inline std::string_view chomp(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

// Calls f(line, index) for every line of `text` (index 0, 1, ...; the line without its '\n' and
// without a trailing '\r'), and returns the number of lines. A final line without '\n' counts.
template <class F>
std::uint64_t for_each_line(std::string_view text, F&& f) {
  const char* p = text.data();
  const char* const end = p + text.size();
  std::uint64_t index = 0;
  while (p < end) {
    const auto* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
    const char* stop = nl ? nl : end;
    f(chomp(std::string_view(p, static_cast<std::size_t>(stop - p))), index);
    ++index;
    p = nl ? nl + 1 : end;
  }
  return index;
}

// Where the data of a file starts: after a UTF-8 byte-order mark and, when `has_header`, after
// the first line. `first_line` is that first line (after the mark, without its line end).
struct FileStart {
  std::string_view first_line;
  std::size_t first_line_begin = 0;  // 3 after a byte-order mark, else 0
  std::size_t after_first_line = 0;  // offset of the second line (or the file size)
};
FileStart file_start(std::string_view data);

// A half-open byte range [begin, end) of a file.
struct ByteRange {
  std::size_t begin = 0, end = 0;
  std::size_t size() const { return end - begin; }
};

// The first line start at or after `pos`, not before `floor` (a line starts at `floor` or right
// after a '\n').
std::size_t line_start_at_or_after(std::string_view data, std::size_t floor, std::size_t pos);

// Cuts `range` into `parts` consecutive ranges whose boundaries are line starts (some may be
// empty when lines are long). Deterministic: any caller cutting the same range gets the same
// boundaries, so ranks agree on who reads which line without talking.
std::vector<ByteRange> split_at_lines(std::string_view data, ByteRange range, std::size_t parts);

// The 1-based line number holding byte `offset` of `data`, counting from the file start.
std::uint64_t line_of_offset(std::string_view data, std::size_t offset);

// Why `data` is not a text file, judged from its first 64 KiB (a NUL byte: binary data, often a
// compressed or HDF5 file passed by mistake), or empty when it looks like text. `line` receives
// the line holding the first NUL byte.
std::string binary_problem(std::string_view data, std::uint64_t* line);

// ---- fields ------------------------------------------------------------------------------

enum class FieldProblem : std::uint8_t { none, unterminated_quote, text_after_quote };

struct SplitResult {
  std::size_t fields = 0;  // fields found (may exceed the span given to split())
  FieldProblem problem = FieldProblem::none;
  std::size_t problem_field = 0;  // 0-based index of the field with the problem
};

// Splits one line (without its line end) into fields. Unquoted fields are views into the line;
// quoted fields are views into the line too unless they contain `""`, in which case they are
// unescaped into a buffer owned by the tokenizer, valid until the next split(). The buffer grows
// to the longest line seen, so there is no allocation per row.
class Tokenizer {
 public:
  explicit Tokenizer(char delimiter = ',') : delimiter_(delimiter) {}
  char delimiter() const { return delimiter_; }
  // Stores up to out.size() fields in `out`; further fields are counted, not stored.
  SplitResult split(std::string_view line, std::span<std::string_view> out);

 private:
  bool split_unquoted(std::string_view line, std::span<std::string_view> out, SplitResult& r) const;

  char delimiter_;
  std::vector<char> buffer_;
};

// Removes spaces and tabs at both ends (the CMS referral files pad numbers with spaces).
inline std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// ASCII case-insensitive equality (header names).
bool iequals(std::string_view a, std::string_view b);

// Appends `field` to `out`, quoted when it holds a delimiter, a quote or a line break.
void append_field(std::string& out, std::string_view field, char delimiter = ',');

// ---- numbers -----------------------------------------------------------------------------

enum class NumberError : std::uint8_t { none, empty, negative, not_integer, not_number, too_large };

// A count: digits only (after trimming spaces), 0 <= value <= 2^32-1.
NumberError parse_count(std::string_view text, std::uint32_t* out);
// A count that may be fractional (the CMS `Tot_Srvcs`): rounded to the nearest integer, halves
// away from zero (std::lround); negative, non-finite or above 2^32-1 after rounding is an error.
NumberError parse_rounded_count(std::string_view text, std::uint32_t* out);
// A non-negative decimal number (e.g. hop-teaming `average_day_wait`); empty is allowed.
NumberError check_decimal(std::string_view text);
// The reason text for an error of the parsers above, quoting the field.
std::string number_reason(NumberError e, std::string_view text);

// ---- NPIs --------------------------------------------------------------------------------

enum class NpiError : std::uint8_t { none, empty, not_ten_digits, bad_first_digit, bad_check_digit };
// Ten digits (after trimming spaces), first digit 1 or 2, valid check digit (io/npi.hpp).
NpiError parse_npi(std::string_view text, std::uint64_t* out);
std::string npi_reason(NpiError e, std::string_view text);

// ---- codes -------------------------------------------------------------------------------

// A normalized code (upper-case, dots removed) with its system, in a fixed-size, trivially
// copyable form: hashed per row without allocating, and exchanged between ranks as bytes.
struct CodeKey {
  std::uint8_t system = 0;
  std::uint8_t size = 0;
  char text[kCodeWidth] = {};
  std::string_view code() const { return {text, size}; }
  friend bool operator==(const CodeKey& a, const CodeKey& b) {
    return a.system == b.system && a.size == b.size && std::memcmp(a.text, b.text, a.size) == 0;
  }
  // The same order as Code's (system, then code as a string).
  friend bool operator<(const CodeKey& a, const CodeKey& b) {
    return a.system != b.system ? a.system < b.system : a.code() < b.code();
  }
};

enum class CodeError : std::uint8_t { none, empty, too_long, bad_character };
// Normalizes `text` (trimmed, upper-cased, dots removed; as normalize_code()) into `out`.
// Letters, digits and '-' are allowed (NDC codes carry dashes).
CodeError make_code_key(CodeSystem system, std::string_view text, CodeKey* out);
std::string code_reason(CodeError e, std::string_view text);
// CPT, HCPCS, ICD10 or NDC, case-insensitive (trimmed).
bool parse_code_system_ci(std::string_view text, CodeSystem* out);

}  // namespace signalrank::csv
