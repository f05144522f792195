#include "io/ingest_claims.hpp"

#include <algorithm>
#include <cstring>

#include "io/dates.hpp"
#include "io/error.hpp"
#include "io/text.hpp"

namespace signalrank::ingest {

namespace {

// The columns of the CMS file that ingest uses, by current and legacy name.
struct PufColumn {
  std::string_view current, legacy;
  std::size_t ClaimsLayout::*slot;
};
constexpr PufColumn kPufColumns[] = {
    {"Rndrng_NPI", "npi", &ClaimsLayout::npi},
    {"HCPCS_Cd", "hcpcs_code", &ClaimsLayout::code},
    {"Tot_Srvcs", "line_srvc_cnt", &ClaimsLayout::services},
    {"Tot_Benes", "bene_unique_cnt", &ClaimsLayout::patients},
};

ClaimsLayout read_puf_header(const std::string& file, std::string_view header) {
  ClaimsLayout layout;
  layout.format = ClaimsFormat::cms_puf;
  // The current release is comma-separated, the legacy files tab-separated.
  layout.delimiter = std::count(header.begin(), header.end(), '\t') > std::count(header.begin(), header.end(), ',') ? '\t' : ',';
  if (!looks_like_header(header, layout.delimiter))
    throw InputError(file, 1, "Rndrng_NPI", "missing header line: the CMS file's columns are found by name");
  csv::Tokenizer tok(layout.delimiter);
  std::vector<std::string_view> fields(4096);
  const csv::SplitResult r = tok.split(header, fields);
  if (r.problem != csv::FieldProblem::none) throw InputError(file, 1, "", "wrong header: unterminated quote");
  if (r.fields > fields.size()) throw InputError(file, 1, "", "wrong header: more than 4096 columns");
  // The names are kept for messages (RowSplitter names the column of a bad row): shown as
  // messages show values, so that a huge or binary name of a column ingest ignores stays short.
  for (std::size_t i = 0; i < r.fields; ++i) layout.names.push_back(text::shown(csv::trim(fields[i])));
  for (const PufColumn& c : kPufColumns) {
    std::size_t found = ClaimsLayout::kNone;
    for (std::size_t i = 0; i < layout.names.size() && found == ClaimsLayout::kNone; ++i)
      if (csv::iequals(layout.names[i], c.current) || csv::iequals(layout.names[i], c.legacy)) found = i;
    if (found == ClaimsLayout::kNone)
      throw InputError(file, 1, std::string(c.current),
                       "column missing from the header (looked for '" + std::string(c.current) + "' or '" +
                           std::string(c.legacy) + "')");
    layout.*c.slot = found;
  }
  return layout;
}

}  // namespace

ClaimsLayout read_claims_header(const std::string& file, std::string_view data, ClaimsFormat format, std::int32_t period_week) {
  check_text_file(file, data);
  const csv::FileStart start = csv::file_start(data);
  ClaimsLayout layout;
  if (format == ClaimsFormat::cms_puf) {
    layout = read_puf_header(file, start.first_line);
    layout.period_week = period_week;
  } else {
    expect_header(file, start.first_line, ',', kWeeklyClaimsColumns);
    layout.names.assign(kWeeklyClaimsColumns.begin(), kWeeklyClaimsColumns.end());
    layout.npi = 0;
    layout.system = 1;
    layout.code = 2;
    layout.week = 3;
    layout.services = 4;
    layout.patients = 5;
  }
  layout.data_begin = start.after_first_line;
  layout.header_lines = 1;
  return layout;
}

namespace {

// Equality of short texts, inlined for the 10-byte NPIs and dates that make up most of a row.
inline bool same_text(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  if (a.size() == 10) return std::memcmp(a.data(), b.data(), 10) == 0;
  return a == b;
}

// Code text as written in the file -> its normalized key and chunk-table id. Direct-mapped: a
// provider's rows cycle through a few codes, which a one-entry memory would keep missing, and
// normalizing plus hashing every row's code costs more than this lookup.
class CodeCache {
 public:
  struct Entry {
    std::uint8_t system = 0xFF;  // 0xFF = empty
    std::uint8_t size = 0;
    char raw[kCodeWidth] = {};
    csv::CodeKey key;
    std::uint32_t id = UINT32_MAX;  // entered in the chunk's table only once a row keeps it
  };
  // The slot for (system, raw); `hit` tells whether it already holds them. Null when the raw
  // text is too long to cache (it is then normalized every time).
  Entry* slot(CodeSystem system, std::string_view raw, bool* hit) {
    if (raw.size() > kCodeWidth) return nullptr;
    std::uint64_t w[2] = {0, 0};
    std::memcpy(w, raw.data(), raw.size());
    const std::uint64_t h = (w[0] * 0x9E3779B97F4A7C15ull) ^ (w[1] * 0xC2B2AE3D27D4EB4Full) ^
                            (raw.size() << 8 | static_cast<std::uint64_t>(system));
    Entry& e = entries_[(h * 0xFF51AFD7ED558CCDull) >> (64 - kBits)];
    *hit = e.system == static_cast<std::uint8_t>(system) && e.size == raw.size() &&
           std::memcmp(e.raw, raw.data(), raw.size()) == 0;
    return &e;
  }
  static void fill(Entry& e, CodeSystem system, std::string_view raw, const csv::CodeKey& key) {
    e.system = static_cast<std::uint8_t>(system);
    e.size = static_cast<std::uint8_t>(raw.size());
    std::memcpy(e.raw, raw.data(), raw.size());
    e.key = key;
    e.id = UINT32_MAX;
  }

 private:
  static constexpr unsigned kBits = 9;
  std::vector<Entry> entries_ = std::vector<Entry>(std::size_t{1} << kBits);
};

// The rows of `chunk` that are kept (valid, NPI in the universe) go to keep(line index, provider,
// week, code cache entry, services, patients); everything else is counted or recorded in `out`.
template <class Keep>
void parse_claim_rows(const ClaimsLayout& layout, const NpiIndex& providers, std::string_view chunk, ClaimsChunk& out,
                      Keep&& keep) {
  const bool puf = layout.format == ClaimsFormat::cms_puf;
  RowSplitter row(layout.delimiter, layout.names, chunk);

  // Consecutive rows mostly repeat the NPI and the week: each is parsed once per run of equal
  // text. Only valid values are remembered, and their text never holds a quote, so it is a view
  // into the mapped file (not into the tokenizer's reusable buffer).
  std::string_view last_npi;
  std::int64_t last_provider = -1;
  std::string_view last_week_text;
  std::int32_t last_week = layout.period_week;
  CodeCache codes;
  CodeCache::Entry uncached;

  out.lines += csv::for_each_line(chunk, [&](std::string_view line, std::uint64_t index) {
    if (line.empty()) return;
    ++out.rows_read;
    if (!row.split(line, index, out.bad)) return;
    auto bad = [&](std::size_t column, std::string reason) { out.bad.add(index, layout.names[column], std::move(reason), line); };

    // npi
    const std::string_view npi_text = csv::trim(row[layout.npi]);
    if (last_npi.empty() || !same_text(npi_text, last_npi)) {
      if (puf && npi_text == "0000000001") {  // the 2012 file's copyright notice
        ++out.pseudo_records;
        return;
      }
      std::uint64_t npi = 0;
      const csv::NpiError e = csv::parse_npi(npi_text, &npi);
      if (e != csv::NpiError::none) return bad(layout.npi, csv::npi_reason(e, npi_text));
      last_npi = npi_text;
      last_provider = providers.find(npi);
    }
    const std::int64_t provider = last_provider;

    // code system and code
    const std::string_view code_text = csv::trim(row[layout.code]);
    CodeSystem system = CodeSystem::CPT;
    if (puf) {
      system = !code_text.empty() && code_text[0] >= '0' && code_text[0] <= '9' ? CodeSystem::CPT : CodeSystem::HCPCS;
    } else if (!csv::parse_code_system_ci(row[layout.system], &system)) {
      return bad(layout.system, "unknown code system " + text::quote(csv::trim(row[layout.system])) +
                                    " (expected CPT, HCPCS, ICD10 or NDC)");
    }
    bool hit = false;
    CodeCache::Entry* code = codes.slot(system, code_text, &hit);
    if (!hit) {
      csv::CodeKey key;
      const csv::CodeError e = csv::make_code_key(system, code_text, &key);
      if (e != csv::CodeError::none) return bad(layout.code, csv::code_reason(e, code_text));
      if (!code) {
        code = &uncached;
        code->key = key;
        code->id = UINT32_MAX;
      } else {
        CodeCache::fill(*code, system, code_text, key);
      }
    }

    // week
    if (!puf) {
      const std::string_view week_text = csv::trim(row[layout.week]);
      if (last_week_text.empty() || !same_text(week_text, last_week_text)) {
        std::int32_t week = 0;
        std::string problem = monday_problem(week_text, &week);
        if (!problem.empty()) return bad(layout.week, std::move(problem));
        if (week > layout.latest_week) return bad(layout.week, future_reason(week_text, layout.today));
        last_week_text = week_text;
        last_week = week;
      }
    }

    // counts
    std::uint32_t services = 0, patients = 0;
    const auto parse = puf ? csv::parse_rounded_count : csv::parse_count;
    csv::NumberError e = parse(row[layout.services], &services);
    if (e != csv::NumberError::none) return bad(layout.services, csv::number_reason(e, row[layout.services]));
    e = parse(row[layout.patients], &patients);
    if (e != csv::NumberError::none) return bad(layout.patients, csv::number_reason(e, row[layout.patients]));

    if (provider < 0) {
      ++out.unknown_npi;
      return;
    }
    keep(index, static_cast<std::uint32_t>(provider), last_week, *code, services, patients);
  });
}

}  // namespace

void parse_claims(const ClaimsLayout& layout, const NpiIndex& providers, std::string_view chunk, ClaimsChunk& out) {
  // The shortest weekly row (`1234567893,CPT,1,2024-01-01,0,0`) takes 31 bytes: reserving for
  // that many rows never reallocates, and costs only address space where rows are longer.
  out.rows.reserve(out.rows.size() + chunk.size() / 31 + 1);
  parse_claim_rows(layout, providers, chunk, out,
                   [&](std::uint64_t, std::uint32_t provider, std::int32_t week, CodeCache::Entry& code,
                       std::uint32_t services, std::uint32_t patients) {
                     if (code.id == UINT32_MAX) code.id = out.codes.find_or_add(code.key);
                     out.rows.push_back({provider, week, code.id, services, patients});
                   });
}

void find_claims(const ClaimsLayout& layout, const NpiIndex& providers, std::string_view chunk, const ClaimRow& key,
                 const csv::CodeKey& code, ClaimsChunk& out, std::vector<CountsAtLine>& found) {
  parse_claim_rows(layout, providers, chunk, out,
                   [&](std::uint64_t index, std::uint32_t provider, std::int32_t week, const CodeCache::Entry& entry,
                       std::uint32_t services, std::uint32_t patients) {
                     if (provider == key.provider && week == key.week && entry.key == code)
                       found.push_back({index, {services, patients, 0}});
                   });
}

std::int32_t latest_week(std::int64_t today) {
  const std::int64_t limit = today + kFutureDays;
  // The last Monday on or before `limit` (floor division: also right before the epoch).
  const std::int64_t since = limit - kMondayEpochDays;
  return static_cast<std::int32_t>(since >= 0 ? since / 7 : -((-since + 6) / 7));
}

std::string future_reason(std::string_view week_text, std::int64_t today) {
  return text::quote(week_text) + " is in the future: the limit is " + format_date(today + kFutureDays) + " (today " +
         format_date(today) + " + " + std::to_string(kFutureDays) + " days; --today sets today)";
}

void ClaimsLayout::set_today(std::int64_t days) {
  today = days;
  latest_week = ingest::latest_week(days);
}

}  // namespace signalrank::ingest
