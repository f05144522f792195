#include "io/ingest_providers.hpp"

#include <algorithm>
#include <bitset>

#include "io/error.hpp"
#include "io/text.hpp"

namespace signalrank::ingest {

namespace {

constexpr std::array<std::string_view, 59> kUspsStates = {
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "FL", "GA", "HI", "ID", "IL", "IN", "IA", "KS", "KY", "LA", "ME", "MD",
    "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM", "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC",
    "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY", "DC", "PR", "VI", "GU", "AS", "MP", "AA", "AE", "AP"};

const std::bitset<26 * 26>& state_set() {
  static const std::bitset<26 * 26> set = [] {
    std::bitset<26 * 26> s;
    for (auto c : kUspsStates) s.set(static_cast<std::size_t>((c[0] - 'A') * 26 + (c[1] - 'A')));
    return s;
  }();
  return set;
}

char upper(char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c; }
bool is_alnum(char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }

}  // namespace

bool is_usps_state(std::string_view code) {
  if (code.size() != 2 || code[0] < 'A' || code[0] > 'Z' || code[1] < 'A' || code[1] > 'Z') return false;
  return state_set().test(static_cast<std::size_t>((code[0] - 'A') * 26 + (code[1] - 'A')));
}

ProvidersLayout read_providers_header(const std::string& file, std::string_view data) {
  check_text_file(file, data);
  const csv::FileStart start = csv::file_start(data);
  expect_header(file, start.first_line, ',', kProviderColumns);
  ProvidersLayout layout;
  layout.names.assign(kProviderColumns.begin(), kProviderColumns.end());
  layout.data_begin = start.after_first_line;
  return layout;
}

void parse_providers(const ProvidersLayout& layout, std::string_view chunk, ProvidersChunk& out) {
  RowSplitter row(',', layout.names, chunk);
  std::string_view last_specialty;
  std::uint32_t last_specialty_id = UINT32_MAX;
  out.lines += csv::for_each_line(chunk, [&](std::string_view line, std::uint64_t index) {
    if (line.empty()) return;
    ++out.rows_read;
    if (!row.split(line, index, out.bad)) return;
    auto bad = [&](std::size_t column, std::string reason) { out.bad.add(index, layout.names[column], std::move(reason), line); };
    ProviderRow p;
    p.line_index = index;
    p.text = line;

    const csv::NpiError npi_error = csv::parse_npi(row[0], &p.npi);
    if (npi_error != csv::NpiError::none) return bad(0, csv::npi_reason(npi_error, row[0]));

    const std::string_view entity = csv::trim(row[1]);
    if (entity != "1" && entity != "2") return bad(1, text::quote(entity) + " is not an entity type (1 individual, 2 organization)");
    p.entity_type = static_cast<std::uint8_t>(entity[0] - '0');

    const std::string_view taxonomy = csv::trim(row[2]);
    if (taxonomy.size() != 10 || !std::all_of(taxonomy.begin(), taxonomy.end(), is_alnum))
      return bad(2, text::quote(taxonomy) + " is not a 10-character taxonomy code");
    std::transform(taxonomy.begin(), taxonomy.end(), p.taxonomy.begin(), upper);

    const std::string_view state_text = csv::trim(row[4]);
    const char st[2] = {state_text.size() == 2 ? upper(state_text[0]) : '\0',
                        state_text.size() == 2 ? upper(state_text[1]) : '\0'};
    if (!is_usps_state(std::string_view(st, 2))) return bad(4, text::quote(state_text) + " is not a USPS state code");
    p.state = {st[0], st[1]};

    const std::string_view zip = csv::trim(row[5]);
    if (zip.size() != 5 || !std::all_of(zip.begin(), zip.end(), [](char c) { return c >= '0' && c <= '9'; }))
      return bad(5, text::quote(zip) + " is not a 5-digit ZIP code");
    std::copy(zip.begin(), zip.end(), p.zip5.begin());

    // The specialty names repeat heavily: remember the last one, look up the rest without
    // building a string unless the name is new. A name is checked when it would enter the
    // chunk's dictionary (its length before it is hashed); a bad one never enters, so every row
    // holding it is reported.
    const std::string_view specialty = csv::trim(row[3]);
    if (last_specialty_id == UINT32_MAX || specialty != last_specialty) {
      if (specialty.size() > kMaxSpecialtyBytes) return bad(3, text::field_problem(specialty, kMaxSpecialtyBytes));
      auto it = out.specialty_ids.find(specialty);
      if (it == out.specialty_ids.end()) {
        if (std::string problem = text::field_problem(specialty, kMaxSpecialtyBytes); !problem.empty())
          return bad(3, std::move(problem));
        it = out.specialty_ids.emplace(std::string(specialty), static_cast<std::uint32_t>(out.specialties.size())).first;
        out.specialties.emplace_back(specialty);
      }
      last_specialty_id = it->second;
      last_specialty = it->first;  // a stable copy (the field may live in the tokenizer's buffer)
    }
    p.specialty = last_specialty_id;
    out.rows.push_back(p);
  });
}

Providers build_providers(const std::string& file, std::vector<ProvidersChunk>& chunks, BadRows& duplicates) {
  // The specialty dictionary: every chunk's names, sorted and unique.
  std::vector<std::string> names;
  for (const auto& c : chunks) names.insert(names.end(), c.specialties.begin(), c.specialties.end());
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  if (names.size() > 65535) throw InputError(file, 0, "specialty", "more than 65535 distinct specialties");

  struct Ref {
    std::uint64_t npi, line;
    const ProviderRow* row;
    std::uint16_t specialty;
  };
  std::vector<Ref> refs;
  for (const auto& c : chunks) {
    std::vector<std::uint16_t> to_global(c.specialties.size());
    for (std::size_t i = 0; i < c.specialties.size(); ++i)
      to_global[i] = static_cast<std::uint16_t>(std::lower_bound(names.begin(), names.end(), c.specialties[i]) - names.begin());
    for (const auto& r : c.rows) refs.push_back({r.npi, c.first_line + r.line_index, &r, to_global[r.specialty]});
  }
  std::sort(refs.begin(), refs.end(), [](const Ref& a, const Ref& b) { return a.npi != b.npi ? a.npi < b.npi : a.line < b.line; });

  Providers p;
  p.specialty_names = std::move(names);
  for (std::size_t i = 0; i < refs.size(); ++i) {
    const Ref& r = refs[i];
    if (!p.npi.empty() && p.npi.back() == r.npi) {
      std::size_t first = i;
      while (refs[first - 1].npi == r.npi) --first;
      duplicates.add(r.line, "npi",
                     "duplicate NPI " + std::to_string(r.npi) + " (first on line " + std::to_string(refs[first].line) + ")",
                     r.row->text);
      continue;
    }
    p.npi.push_back(r.npi);
    p.entity_type.push_back(r.row->entity_type);
    p.taxonomy.push_back(r.row->taxonomy);
    p.specialty.push_back(r.specialty);
    p.state.push_back(r.row->state);
    p.zip5.push_back(r.row->zip5);
  }
  return p;
}

}  // namespace signalrank::ingest
