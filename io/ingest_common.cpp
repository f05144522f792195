#include "io/ingest_common.hpp"

#include <xxhash.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <stdexcept>

#include "io/error.hpp"
#include "io/text.hpp"

namespace signalrank::ingest {

void BadRows::add(std::uint64_t line_index, std::string_view field, std::string reason, std::string_view text) {
  ++count_;
  if (rows_.size() < keep_) rows_.push_back({file_, line_index, std::string(field), std::move(reason), std::string(text)});
}

std::vector<csv::ByteRange> plan_chunks(std::string_view data, std::size_t data_begin, int rank, int ranks,
                                        std::size_t chunk_bytes, std::size_t min_chunks) {
  data_begin = std::min(data_begin, data.size());
  const auto shares = csv::split_at_lines(data, {data_begin, data.size()}, static_cast<std::size_t>(ranks));
  const csv::ByteRange mine = shares[static_cast<std::size_t>(rank)];
  chunk_bytes = std::max<std::size_t>(chunk_bytes, 1);
  std::size_t pieces = std::max<std::size_t>(1, (mine.size() + chunk_bytes - 1) / chunk_bytes);
  // Below 64 KiB per thread, splitting costs more than it saves.
  if (mine.size() >= min_chunks * (std::size_t{1} << 16)) pieces = std::max(pieces, min_chunks);
  return csv::split_at_lines(data, mine, pieces);
}

// ---- NpiIndex ----------------------------------------------------------------------------

NpiIndex::NpiIndex(std::span<const std::uint64_t> npis) {
  if (npis.size() >= (std::size_t{1} << 31)) throw std::runtime_error("too many providers for the NPI index");
  // At most half full: probe sequences stay short.
  const std::size_t slots = std::max<std::size_t>(16, std::bit_ceil(2 * npis.size()));
  slots_.assign(slots, Slot{});
  mask_ = slots - 1;
  shift_ = static_cast<unsigned>(64 - std::countr_zero(slots));
  for (std::size_t i = 0; i < npis.size(); ++i) {
    const auto key = static_cast<std::uint32_t>(npis[i]);
    std::size_t s = hash(key);
    while (slots_[s].npi != 0 && slots_[s].npi != key) s = (s + 1) & mask_;
    slots_[s] = {key, static_cast<std::uint32_t>(i)};
  }
}

// ---- CodeTable ---------------------------------------------------------------------------

namespace {
std::size_t code_hash(const csv::CodeKey& k) {
  return static_cast<std::size_t>(XXH3_64bits_withSeed(k.text, k.size, k.system));
}
}  // namespace

std::uint32_t CodeTable::find_or_add(const csv::CodeKey& key) {
  if (2 * (keys_.size() + 1) > slots_.size()) rehash(std::max<std::size_t>(64, 2 * slots_.size()));
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t s = code_hash(key) & mask;; s = (s + 1) & mask) {
    const std::uint32_t v = slots_[s];
    if (v == 0) {
      keys_.push_back(key);
      slots_[s] = static_cast<std::uint32_t>(keys_.size());
      return static_cast<std::uint32_t>(keys_.size() - 1);
    }
    if (keys_[v - 1] == key) return v - 1;
  }
}

void CodeTable::rehash(std::size_t slots) {
  slots_.assign(slots, 0);
  const std::size_t mask = slots - 1;
  for (std::size_t i = 0; i < keys_.size(); ++i) {
    std::size_t s = code_hash(keys_[i]) & mask;
    while (slots_[s] != 0) s = (s + 1) & mask;
    slots_[s] = static_cast<std::uint32_t>(i + 1);
  }
}

std::vector<Code> merge_codes(const Comm& comm, std::span<const csv::CodeKey> local, std::vector<std::uint32_t>* to_global) {
  std::vector<csv::CodeKey> all = comm.allgatherv<csv::CodeKey>(local);
  std::sort(all.begin(), all.end());
  all.erase(std::unique(all.begin(), all.end()), all.end());
  if (all.size() > UINT32_MAX) throw std::runtime_error("more than 2^32 distinct codes");
  std::vector<Code> codes(all.size());
  for (std::size_t i = 0; i < all.size(); ++i) {
    codes[i].system = static_cast<CodeSystem>(all[i].system);
    codes[i].code = std::string(all[i].code());
  }
  if (to_global) {
    to_global->resize(local.size());
    for (std::size_t i = 0; i < local.size(); ++i)
      (*to_global)[i] = static_cast<std::uint32_t>(std::lower_bound(all.begin(), all.end(), local[i]) - all.begin());
  }
  return codes;
}

// ---- bad rows ----------------------------------------------------------------------------

namespace {

bool file_line_less(const BadRow& a, const BadRow& b) { return a.file != b.file ? a.file < b.file : a.line < b.line; }

void put_u64(std::vector<char>& out, std::uint64_t v) {
  const auto* p = reinterpret_cast<const char*>(&v);
  out.insert(out.end(), p, p + sizeof v);
}
void put_string(std::vector<char>& out, const std::string& s) {
  put_u64(out, s.size());
  out.insert(out.end(), s.begin(), s.end());
}

class Reader {
 public:
  explicit Reader(const std::vector<char>& in) : in_(in) {}
  bool done() const { return at_ >= in_.size(); }
  std::uint64_t u64() {
    std::uint64_t v = 0;
    std::memcpy(&v, in_.data() + at_, sizeof v);
    at_ += sizeof v;
    return v;
  }
  std::string string() {
    const std::size_t n = u64();
    std::string s(in_.data() + at_, n);
    at_ += n;
    return s;
  }

 private:
  const std::vector<char>& in_;
  std::size_t at_ = 0;
};

}  // namespace

BadRowReport gather_bad_rows(const Comm& comm, std::vector<BadRow> local, std::uint64_t local_total,
                             std::uint64_t limit, std::size_t shown) {
  BadRowReport report;
  report.total = comm.sum(local_total);
  std::stable_sort(local.begin(), local.end(), file_line_less);
  if (report.total > limit && local.size() > shown) local.resize(shown);
  std::vector<char> packed;
  for (const BadRow& b : local) {
    put_u64(packed, b.file);
    put_u64(packed, b.line);
    put_string(packed, b.field);
    put_string(packed, b.reason);
    put_string(packed, b.text);
  }
  local = {};
  const std::vector<char> all = comm.gatherv<char>(packed);
  if (!comm.root()) return report;
  Reader in(all);
  while (!in.done()) {
    BadRow b;
    b.file = static_cast<std::uint8_t>(in.u64());
    b.line = in.u64();
    b.field = in.string();
    b.reason = in.string();
    b.text = in.string();
    report.rows.push_back(std::move(b));
  }
  std::stable_sort(report.rows.begin(), report.rows.end(), file_line_less);
  if (report.total > limit && report.rows.size() > shown) report.rows.resize(shown);
  return report;
}

// ---- rows --------------------------------------------------------------------------------

RowSplitter::RowSplitter(char delimiter, std::span<const std::string> names, std::string_view chunk)
    : tokenizer_(delimiter), names_(names), fields_(names.size()), chunk_end_(chunk.data() + chunk.size()) {
  const void* nul = std::memchr(chunk.data(), '\0', chunk.size());
  next_nul_ = nul ? static_cast<const char*>(nul) : chunk_end_;
}

bool RowSplitter::split(std::string_view line, std::uint64_t line_index, BadRows& bad) {
  const std::size_t expected = names_.size();
  if (next_nul_ < line.data()) {
    const void* nul = std::memchr(line.data(), '\0', static_cast<std::size_t>(chunk_end_ - line.data()));
    next_nul_ = nul ? static_cast<const char*>(nul) : chunk_end_;
  }
  if (next_nul_ < line.data() + line.size()) {
    // Name the column by counting delimiters before the NUL (quotes ignored: it is binary anyway).
    const auto before = static_cast<std::size_t>(
        std::count(line.data(), next_nul_, tokenizer_.delimiter()));
    bad.add(line_index, before < expected ? names_[before] : std::string(), "NUL byte: binary data, not CSV text", line);
    return false;
  }
  const csv::SplitResult r = tokenizer_.split(line, fields_);
  const auto column = [&](std::size_t i) { return i < expected ? names_[i] : std::string(); };
  if (r.problem == csv::FieldProblem::unterminated_quote) {
    bad.add(line_index, column(r.problem_field), "unterminated quote (a quoted field cannot span lines)", line);
    return false;
  }
  if (r.problem == csv::FieldProblem::text_after_quote) {
    bad.add(line_index, column(r.problem_field), "text after the closing quote", line);
    return false;
  }
  if (r.fields < expected) {
    bad.add(line_index, names_[r.fields],
            "missing: the row has " + std::to_string(r.fields) + " fields, expected " + std::to_string(expected), line);
    return false;
  }
  if (r.fields > expected) {
    bad.add(line_index, names_[expected - 1],
            "extra data after the last column: the row has " + std::to_string(r.fields) + " fields, expected " +
                std::to_string(expected),
            line);
    return false;
  }
  return true;
}

// ---- headers -----------------------------------------------------------------------------

std::string join_names(std::span<const std::string_view> names, char delimiter) {
  std::string s;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i) s += delimiter == '\t' ? std::string("<TAB>") : std::string(1, delimiter);
    s += names[i];
  }
  return s;
}

bool looks_like_header(std::string_view line, char delimiter) {
  std::string_view first = csv::trim(line.substr(0, line.find(delimiter)));
  if (!first.empty() && first.front() == '"') first.remove_prefix(1);
  if (first.empty()) return false;
  const char c = first.front();
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

void expect_header(const std::string& file, std::string_view line, char delimiter,
                   std::span<const std::string_view> expected) {
  const std::string want = "'" + join_names(expected) + "'";
  if (!looks_like_header(line, delimiter))
    throw InputError(file, 1, std::string(expected[0]), "missing header line: expected " + want + ", found a data row");
  csv::Tokenizer tok(delimiter);
  std::vector<std::string_view> fields(expected.size() + 1);
  const csv::SplitResult r = tok.split(line, fields);
  if (r.problem != csv::FieldProblem::none)
    throw InputError(file, 1, "", "wrong header: unterminated quote (expected " + want + ")");
  for (std::size_t i = 0; i < expected.size(); ++i) {
    if (i >= r.fields)
      throw InputError(file, 1, std::string(expected[i]),
                       "wrong header: column " + std::to_string(i + 1) + " is missing (expected " + want + ")");
    const std::string_view got = csv::trim(fields[i]);
    if (!csv::iequals(got, expected[i]))
      throw InputError(file, 1, std::string(expected[i]),
                       "wrong header: column " + std::to_string(i + 1) + " is " + text::quote(got) + " (expected " +
                           want + ")");
  }
  if (r.fields > expected.size())
    throw InputError(file, 1, text::shown(csv::trim(fields[expected.size()])),
                     "wrong header: unexpected column " + std::to_string(expected.size() + 1) + " (expected " + want + ")");
}

void check_text_file(const std::string& file, std::string_view data) {
  std::uint64_t line = 0;
  const std::string binary = csv::binary_problem(data, &line);
  if (!binary.empty()) throw InputError(file, line, "", binary);
  const std::size_t body = csv::file_start(data).first_line_begin;
  if (data.find_first_not_of(" \t\r\n", body) == std::string_view::npos)
    throw InputError(file, 1, "", data.size() == body ? "empty file" : "empty file (blank lines only)");
}

}  // namespace signalrank::ingest
