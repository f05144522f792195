#include "io/csv.hpp"

#include <fast_float/fast_float.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cmath>
#include <limits>

#include "io/error.hpp"
#include "io/npi.hpp"
#include "io/text.hpp"

namespace signalrank::csv {

// ---- files -------------------------------------------------------------------------------

MappedFile::MappedFile(const std::string& path) : path_(path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw InputError(path, 0, "", std::string("cannot open: ") + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    throw InputError(path, 0, "", "cannot open: not a regular file");
  }
  size_ = static_cast<std::size_t>(st.st_size);
  if (size_ > 0) {
    void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      const int err = errno;
      ::close(fd);
      throw InputError(path, 0, "", std::string("cannot map: ") + std::strerror(err));
    }
    // Readers stream through their byte range once.
    ::madvise(p, size_, MADV_SEQUENTIAL);
    data_ = static_cast<const char*>(p);
  }
  ::close(fd);
}

MappedFile::~MappedFile() {
  if (data_) ::munmap(const_cast<char*>(data_), size_);
}

MappedFile::MappedFile(MappedFile&& o) noexcept : path_(std::move(o.path_)), data_(o.data_), size_(o.size_) {
  o.data_ = nullptr;
  o.size_ = 0;
}

MappedFile& MappedFile::operator=(MappedFile&& o) noexcept {
  if (this != &o) {
    if (data_) ::munmap(const_cast<char*>(data_), size_);
    path_ = std::move(o.path_);
    data_ = o.data_;
    size_ = o.size_;
    o.data_ = nullptr;
    o.size_ = 0;
  }
  return *this;
}

// ---- lines -------------------------------------------------------------------------------

FileStart file_start(std::string_view data) {
  FileStart s;
  if (data.size() >= 3 && static_cast<unsigned char>(data[0]) == 0xEF && static_cast<unsigned char>(data[1]) == 0xBB &&
      static_cast<unsigned char>(data[2]) == 0xBF)
    s.first_line_begin = 3;
  const std::size_t nl = data.find('\n', s.first_line_begin);
  const std::size_t stop = nl == std::string_view::npos ? data.size() : nl;
  s.first_line = chomp(data.substr(s.first_line_begin, stop - s.first_line_begin));
  s.after_first_line = nl == std::string_view::npos ? data.size() : nl + 1;
  return s;
}

std::size_t line_start_at_or_after(std::string_view data, std::size_t floor, std::size_t pos) {
  if (pos <= floor) return floor;
  if (pos >= data.size()) return data.size();
  if (data[pos - 1] == '\n') return pos;
  const std::size_t nl = data.find('\n', pos);
  return nl == std::string_view::npos ? data.size() : nl + 1;
}

std::vector<ByteRange> split_at_lines(std::string_view data, ByteRange range, std::size_t parts) {
  parts = std::max<std::size_t>(parts, 1);
  std::vector<std::size_t> cut(parts + 1);
  cut[0] = range.begin;
  cut[parts] = range.end;
  for (std::size_t i = 1; i < parts; ++i) {
    const std::size_t nominal = range.begin + static_cast<std::size_t>(
                                                  static_cast<unsigned __int128>(range.size()) * i / parts);
    // Aligned against the whole file, so that the same nominal offset gives the same cut for
    // every caller; clamped into the range (a long line may push a cut past its end).
    cut[i] = std::clamp(line_start_at_or_after(data, range.begin, nominal), cut[i - 1], range.end);
  }
  std::vector<ByteRange> out(parts);
  for (std::size_t i = 0; i < parts; ++i) out[i] = {cut[i], cut[i + 1]};
  return out;
}

std::uint64_t line_of_offset(std::string_view data, std::size_t offset) {
  offset = std::min(offset, data.size());
  return 1 + static_cast<std::uint64_t>(std::count(data.begin(), data.begin() + static_cast<std::ptrdiff_t>(offset), '\n'));
}

std::string binary_problem(std::string_view data, std::uint64_t* line) {
  const std::string_view head = data.substr(0, std::size_t{1} << 16);
  const std::size_t nul = head.find('\0');
  if (nul == std::string_view::npos) return {};
  if (line) *line = line_of_offset(data, nul);
  std::string hint;
  if (head.size() >= 2 && static_cast<unsigned char>(head[0]) == 0x1F && static_cast<unsigned char>(head[1]) == 0x8B)
    hint = " (gzip-compressed: decompress it first)";
  else if (head.substr(0, 4) == "\x89HDF")
    hint = " (an HDF5 file)";
  else if (head.substr(0, 4) == "PK\x03\x04")
    hint = " (a zip archive: extract it first)";
  return "binary data (NUL byte), not a CSV text file" + hint;
}

// ---- fields ------------------------------------------------------------------------------

// The common case, a line without any quote: delimiters found 16 bytes at a time (SSE2, part of
// every x86-64), fields cut at the set bits. Returns false, having stored nothing that matters,
// as soon as it meets a quote: the caller then takes the general path.
bool Tokenizer::split_unquoted(std::string_view line, std::span<std::string_view> out, SplitResult& r) const {
  const char* const p = line.data();
  const std::size_t size = line.size();
  std::size_t n = 0, field_begin = 0, i = 0;
  auto cut = [&](std::size_t at) {
    if (n < out.size()) out[n] = std::string_view(p + field_begin, at - field_begin);
    ++n;
    field_begin = at + 1;
  };
#if defined(__SSE2__)
  const __m128i delimiters = _mm_set1_epi8(delimiter_);
  const __m128i quotes = _mm_set1_epi8('"');
  for (; i + 16 <= size; i += 16) {
    const __m128i block = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    if (_mm_movemask_epi8(_mm_cmpeq_epi8(block, quotes)) != 0) return false;
    auto mask = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(block, delimiters)));
    while (mask != 0) {
      cut(i + static_cast<std::size_t>(std::countr_zero(mask)));
      mask &= mask - 1;
    }
  }
#endif
  for (; i < size; ++i) {
    if (p[i] == '"') return false;
    if (p[i] == delimiter_) cut(i);
  }
  cut(size);
  r.fields = n;
  return true;
}

SplitResult Tokenizer::split(std::string_view line, std::span<std::string_view> out) {
  SplitResult r;
  if (split_unquoted(line, out, r)) return r;
  const char* p = line.data();
  const char* const end = p + line.size();
  // Unescaped quoted fields never grow, so one line's worth of buffer is always enough and is
  // never reallocated while views into it are alive.
  if (buffer_.size() < line.size()) buffer_.resize(std::max(line.size(), 2 * buffer_.size()));
  char* w = buffer_.data();
  std::size_t n = 0;
  for (;;) {
    std::string_view field;
    if (p < end && *p == '"') {
      const char* q = p + 1;
      const char* const content = q;
      char* copy_begin = nullptr;  // set once a "" forces unescaping into the buffer
      for (;;) {
        const auto* quote = static_cast<const char*>(std::memchr(q, '"', static_cast<std::size_t>(end - q)));
        if (!quote) {
          r.fields = n + 1;
          r.problem = FieldProblem::unterminated_quote;
          r.problem_field = n;
          return r;
        }
        if (quote + 1 < end && quote[1] == '"') {
          if (!copy_begin) {
            copy_begin = w;
            q = content;
          }
          const std::size_t len = static_cast<std::size_t>(quote + 1 - q);
          std::memcpy(w, q, len);  // the text up to and including one quote
          w += len;
          q = quote + 2;
          continue;
        }
        if (copy_begin) {
          const std::size_t len = static_cast<std::size_t>(quote - q);
          std::memcpy(w, q, len);
          w += len;
          field = std::string_view(copy_begin, static_cast<std::size_t>(w - copy_begin));
        } else {
          field = std::string_view(content, static_cast<std::size_t>(quote - content));
        }
        p = quote + 1;
        break;
      }
      if (p < end && *p != delimiter_) {
        r.fields = n + 1;
        r.problem = FieldProblem::text_after_quote;
        r.problem_field = n;
        return r;
      }
    } else {
      const char* q = p;
      while (q < end && *q != delimiter_) ++q;
      field = std::string_view(p, static_cast<std::size_t>(q - p));
      p = q;
    }
    if (n < out.size()) out[n] = field;
    ++n;
    if (p >= end) break;
    ++p;  // the delimiter; a delimiter at the very end opens one last, empty field
  }
  r.fields = n;
  return r;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

void append_field(std::string& out, std::string_view field, char delimiter) {
  if (field.find_first_of(std::string{delimiter} + "\"\r\n") == std::string_view::npos) {
    out += field;
    return;
  }
  out += '"';
  for (char c : field) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

// ---- numbers -----------------------------------------------------------------------------

namespace {
bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}
bool is_decimal(std::string_view s) {
  double v = 0;
  auto res = fast_float::from_chars(s.data(), s.data() + s.size(), v);
  return res.ec == std::errc() && res.ptr == s.data() + s.size() && std::isfinite(v);
}
}  // namespace

NumberError parse_count(std::string_view text, std::uint32_t* out) {
  const std::string_view s = trim(text);
  if (s.empty()) return NumberError::empty;
  std::uint64_t v = 0;
  std::size_t i = 0;
  for (; i < s.size(); ++i) {
    const unsigned d = static_cast<unsigned>(s[i]) - '0';
    if (d > 9) break;
    v = v * 10 + d;
    if (v > std::numeric_limits<std::uint32_t>::max()) {
      return all_digits(s) ? NumberError::too_large : (is_decimal(s) ? NumberError::not_integer : NumberError::not_number);
    }
  }
  if (i == s.size()) {
    *out = static_cast<std::uint32_t>(v);
    return NumberError::none;
  }
  // Slow path: say precisely what is wrong.
  if (s[0] == '-' && (all_digits(s.substr(1)) || is_decimal(s.substr(1)))) return NumberError::negative;
  if (is_decimal(s)) return NumberError::not_integer;
  return NumberError::not_number;
}

NumberError parse_rounded_count(std::string_view text, std::uint32_t* out) {
  const std::string_view s = trim(text);
  if (s.empty()) return NumberError::empty;
  // Integers (the common case) take the exact path.
  std::uint32_t exact = 0;
  const NumberError e = parse_count(s, &exact);
  if (e == NumberError::none || e == NumberError::too_large || e == NumberError::empty) {
    *out = exact;
    return e;
  }
  double v = 0;
  auto res = fast_float::from_chars(s.data(), s.data() + s.size(), v);
  if (res.ec != std::errc() || res.ptr != s.data() + s.size() || !std::isfinite(v)) return NumberError::not_number;
  if (v < 0) return NumberError::negative;
  if (v >= 4294967295.5) return NumberError::too_large;
  *out = static_cast<std::uint32_t>(std::lround(v));
  return NumberError::none;
}

NumberError check_decimal(std::string_view text) {
  const std::string_view s = trim(text);
  if (s.empty()) return NumberError::none;
  double v = 0;
  auto res = fast_float::from_chars(s.data(), s.data() + s.size(), v);
  if (res.ec != std::errc() || res.ptr != s.data() + s.size() || !std::isfinite(v)) return NumberError::not_number;
  if (v < 0) return NumberError::negative;
  return NumberError::none;
}

std::string number_reason(NumberError e, std::string_view text) {
  const std::string q = text::quote(trim(text));
  switch (e) {
    case NumberError::none: return {};
    case NumberError::empty: return "empty (a number is required)";
    case NumberError::negative: return q + " is negative";
    case NumberError::not_integer: return q + " is not a whole number";
    case NumberError::not_number: return q + " is not a number";
    case NumberError::too_large: return q + " is larger than 4294967295";
  }
  return "invalid number";
}

// ---- NPIs --------------------------------------------------------------------------------

NpiError parse_npi(std::string_view text, std::uint64_t* out) {
  const std::string_view s = trim(text);
  if (s.empty()) return NpiError::empty;
  if (s.size() != 10) return NpiError::not_ten_digits;
  std::uint64_t v = 0;
  for (char c : s) {
    const unsigned d = static_cast<unsigned>(c) - '0';
    if (d > 9) return NpiError::not_ten_digits;
    v = v * 10 + d;
  }
  if (s[0] != '1' && s[0] != '2') return NpiError::bad_first_digit;
  if (!npi_valid(v)) return NpiError::bad_check_digit;
  *out = v;
  return NpiError::none;
}

std::string npi_reason(NpiError e, std::string_view text) {
  const std::string q = text::quote(trim(text));
  switch (e) {
    case NpiError::none: return {};
    case NpiError::empty: return "empty (an NPI is required)";
    case NpiError::not_ten_digits: return q + " is not a 10-digit NPI";
    case NpiError::bad_first_digit: return q + " is not an NPI (the first digit must be 1 or 2)";
    case NpiError::bad_check_digit: return q + " fails the NPI check digit";
  }
  return "invalid NPI";
}

// ---- codes -------------------------------------------------------------------------------

CodeError make_code_key(CodeSystem system, std::string_view text, CodeKey* out) {
  const std::string_view s = trim(text);
  CodeKey k;
  k.system = static_cast<std::uint8_t>(system);
  std::size_t n = 0;
  for (char c : s) {
    if (c == '.') continue;
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-')) return CodeError::bad_character;
    if (n == kCodeWidth) return CodeError::too_long;
    k.text[n++] = c;
  }
  if (n == 0) return CodeError::empty;
  k.size = static_cast<std::uint8_t>(n);
  *out = k;
  return CodeError::none;
}

std::string code_reason(CodeError e, std::string_view text) {
  const std::string q = text::quote(trim(text));
  switch (e) {
    case CodeError::none: return {};
    case CodeError::empty: return "empty (a code is required)";
    case CodeError::too_long: return q + " is longer than " + std::to_string(kCodeWidth) + " characters";
    case CodeError::bad_character: return q + " holds characters other than letters, digits, '.' and '-'";
  }
  return "invalid code";
}

bool parse_code_system_ci(std::string_view text, CodeSystem* out) {
  // The names as SPEC writes them, first: one comparison for almost every row.
  for (std::size_t i = 0; i < kCodeSystemNames.size(); ++i) {
    if (text == kCodeSystemNames[i]) {
      *out = static_cast<CodeSystem>(i);
      return true;
    }
  }
  const std::string_view s = trim(text);
  for (std::size_t i = 0; i < kCodeSystemNames.size(); ++i) {
    if (iequals(s, kCodeSystemNames[i])) {
      *out = static_cast<CodeSystem>(i);
      return true;
    }
  }
  return false;
}

}  // namespace signalrank::csv
