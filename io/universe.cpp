#include "io/universe.hpp"

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <optional>
#include <parallel/algorithm>
#include <stdexcept>

#include "io/dates.hpp"
#include "io/error.hpp"
#include "io/column_file.hpp"
#include "io/h5.hpp"
#include "io/parallel.hpp"
#include "partition/layout.hpp"

namespace signalrank {

bool parse_code_system(std::string_view s, CodeSystem* out) {
  for (std::size_t i = 0; i < kCodeSystemNames.size(); ++i) {
    if (s == kCodeSystemNames[i]) {
      *out = static_cast<CodeSystem>(i);
      return true;
    }
  }
  return false;
}

std::string normalize_code(std::string_view code) {
  std::string out;
  out.reserve(code.size());
  for (char c : code) {
    if (c == '.') continue;
    out.push_back(c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c);
  }
  return out;
}

std::string Providers::taxonomy_of(std::size_t i) const {
  const auto& t = taxonomy[i];
  return std::string(t.data(), strnlen(t.data(), t.size()));
}

void Providers::sort_by_npi() {
  std::vector<std::uint32_t> order(npi.size());
  for (std::uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](auto a, auto b) { return npi[a] < npi[b]; });
  auto permute = [&](auto& col) {
    auto copy = col;
    for (std::size_t i = 0; i < order.size(); ++i) col[i] = copy[order[i]];
  };
  permute(npi);
  permute(entity_type);
  permute(taxonomy);
  permute(specialty);
  permute(state);
  permute(zip5);
}

namespace {
std::string json_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += c;
    }
  }
  return out;
}
}  // namespace

std::string inputs_json(const std::vector<InputFile>& inputs) {
  std::string s = "[";
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    char hash[20];
    std::snprintf(hash, sizeof hash, "%016llx", static_cast<unsigned long long>(inputs[i].xxh3));
    s += (i ? "," : "");
    s += "{\"role\":\"" + json_escape(inputs[i].role) + "\",\"path\":\"" + json_escape(inputs[i].path) +
         "\",\"bytes\":" + std::to_string(inputs[i].bytes) + ",\"xxh3\":\"" + hash + "\"}";
  }
  return s + "]";
}

namespace {

// Routes rows to the rank owning key(row) under `layout`. Skipped (no copy) when every rank
// already holds only its own rows, as the generator's output does.
template <class Row, class Key>
std::vector<Row> route(const Comm& comm, const BlockLayout& layout, std::vector<Row> rows, Key key) {
  const std::uint64_t lo = layout.begin(comm.rank()), hi = layout.end(comm.rank());
  bool local = std::all_of(rows.begin(), rows.end(), [&](const Row& r) { return key(r) >= lo && key(r) < hi; });
  if (comm.all(local)) return rows;
  std::vector<std::uint64_t> counts(comm.size(), 0);
  std::vector<int> dest(rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) counts[dest[i] = layout.owner(key(rows[i]))]++;
  std::vector<std::uint64_t> at(comm.size(), 0);
  for (int r = 1; r < comm.size(); ++r) at[r] = at[r - 1] + counts[r - 1];
  std::vector<Row> send(rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) send[at[dest[i]]++] = rows[i];
  rows = {};
  return comm.alltoallv<Row>(send, counts);
}

template <class Row, class Less>
void sort_rows(std::vector<Row>& rows, Less less) {
  if (!std::is_sorted(rows.begin(), rows.end(), less)) __gnu_parallel::sort(rows.begin(), rows.end(), less);
}

// a += b; false (and a saturated) when the sum does not fit.
bool add_count(std::uint32_t& a, std::uint32_t b) {
  const std::uint64_t s = std::uint64_t{a} + b;
  a = static_cast<std::uint32_t>(std::min<std::uint64_t>(s, UINT32_MAX));
  return s <= UINT32_MAX;
}

// CSR offsets (global row numbers) of the owned providers [lo, hi) from rows sorted by key;
// the last rank adds the closing entry.
template <class Row, class Key>
std::vector<std::uint64_t> csr_offsets(const Comm& comm, std::uint64_t lo, std::uint64_t hi, const std::vector<Row>& rows,
                                       std::uint64_t first_row, Key key) {
  std::vector<std::uint64_t> off(hi - lo + (comm.rank() == comm.size() - 1 ? 1 : 0));
  std::size_t r = 0;
  for (std::uint64_t p = lo; p < hi; ++p) {
    off[p - lo] = first_row + r;
    while (r < rows.size() && key(rows[r]) == p) ++r;
  }
  if (comm.rank() == comm.size() - 1) off.back() = first_row + rows.size();
  return off;
}

template <class Row, class F>
std::vector<std::uint32_t> column_u32(const std::vector<Row>& rows, F f) {
  std::vector<std::uint32_t> c(rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) c[i] = f(rows[i]);
  return c;
}

}  // namespace

IngestCounters write_universe(const Comm& comm, const std::string& path, const Providers& providers,
                              const std::vector<Code>& codes, std::vector<ClaimRow> claims, std::vector<EdgeRow> edges,
                              UniverseMeta meta) {
  const std::uint64_t P = providers.size();
  if (P > UINT32_MAX) throw std::runtime_error("more than 2^32 providers");
  const BlockLayout layout(P, comm.size());
  const std::uint64_t lo = layout.begin(comm.rank()), hi = layout.end(comm.rank());

  // ---- claims: route to owners, sort by (provider, week, code), sum duplicates ----
  claims = route(comm, layout, std::move(claims), [](const ClaimRow& c) { return std::uint64_t{c.provider}; });
  auto claim_less = [](const ClaimRow& a, const ClaimRow& b) {
    if (a.provider != b.provider) return a.provider < b.provider;
    if (a.week != b.week) return a.week < b.week;
    return a.code < b.code;
  };
  sort_rows(claims, claim_less);
  // A sum that does not fit is not an error yet: its key is remembered (the first in key order)
  // and the ranks agree below, before anything is written, so that every rank throws together.
  std::optional<ClaimRow> claim_overflow;
  std::optional<EdgeRow> edge_overflow;
  std::size_t kept = 0;
  for (std::size_t i = 0; i < claims.size(); ++i) {
    if (kept > 0 && !claim_less(claims[kept - 1], claims[i])) {
      ClaimRow& c = claims[kept - 1];
      const bool fits = add_count(c.services, claims[i].services) & add_count(c.patients, claims[i].patients);
      if (!fits && !claim_overflow) claim_overflow = c;
    } else {
      claims[kept++] = claims[i];
    }
  }
  meta.counters.claims_merged = comm.sum(std::uint64_t{claims.size() - kept});
  claims.resize(kept);

  // ---- out-edges: route by source, sort by (src, dst), sum duplicates ----
  edges = route(comm, layout, std::move(edges), [](const EdgeRow& e) { return std::uint64_t{e.src}; });
  auto edge_less = [](const EdgeRow& a, const EdgeRow& b) { return a.src != b.src ? a.src < b.src : a.dst < b.dst; };
  sort_rows(edges, edge_less);
  kept = 0;
  for (std::size_t i = 0; i < edges.size(); ++i) {
    if (kept > 0 && !edge_less(edges[kept - 1], edges[i])) {
      EdgeRow& e = edges[kept - 1];
      const bool fits = add_count(e.pair_count, edges[i].pair_count) & add_count(e.bene_count, edges[i].bene_count) &
                        add_count(e.same_day, edges[i].same_day);
      if (!fits && !edge_overflow) edge_overflow = e;
    } else {
      edges[kept++] = edges[i];
    }
  }
  meta.counters.edges_merged = comm.sum(std::uint64_t{edges.size() - kept});
  edges.resize(kept);
  {
    // Every rank learns every rank's first overflow (one allgather of a few bytes: the only cost
    // on the good path). Owners hold providers in rank order: the lowest rank's is the first.
    struct Found {
      bool claim, edge;
      ClaimRow claim_key;
      EdgeRow edge_key;
    };
    const Found mine{claim_overflow.has_value(), edge_overflow.has_value(), claim_overflow.value_or(ClaimRow{}),
                     edge_overflow.value_or(EdgeRow{})};
    const std::vector<Found> all = comm.allgatherv<Found>(std::span<const Found>(&mine, 1));
    for (const Found& f : all)
      if (f.claim) throw DuplicateSumOverflow(f.claim_key);
    for (const Found& f : all)
      if (f.edge) throw DuplicateSumOverflow(f.edge_key);
  }

  // ---- in-edges: the same edges routed by destination, sorted by (dst, src) ----
  std::vector<EdgeRow> in_edges = route(comm, layout, edges, [](const EdgeRow& e) { return std::uint64_t{e.dst}; });
  auto in_less = [](const EdgeRow& a, const EdgeRow& b) { return a.dst != b.dst ? a.dst < b.dst : a.src < b.src; };
  sort_rows(in_edges, in_less);

  const std::uint64_t n_claims = comm.sum(std::uint64_t{claims.size()});
  const std::uint64_t n_edges = comm.sum(std::uint64_t{edges.size()});
  const std::uint64_t claims_at = comm.exscan_sum(claims.size());
  const std::uint64_t out_at = comm.exscan_sum(edges.size());
  const std::uint64_t in_at = comm.exscan_sum(in_edges.size());

  std::int32_t first_week = INT32_MAX, last_week = INT32_MIN;
  for (const auto& c : claims) {
    first_week = std::min(first_week, c.week);
    last_week = std::max(last_week, c.week);
  }
  first_week = static_cast<std::int32_t>(comm.min(static_cast<double>(first_week)));
  last_week = static_cast<std::int32_t>(comm.max(static_cast<double>(last_week)));

  // ---- write at a temporary name: rank 0 lays the file out, every rank writes its rows ----
  // (h5::ColumnFile: a full disk or a failing write on any rank stops every rank with one error.)
  std::size_t spec_width = 1;
  for (const auto& s : providers.specialty_names) spec_width = std::max(spec_width, s.size());
  for (const auto& c : codes)
    if (c.code.size() > kCodeWidth) throw std::runtime_error("code longer than 16 characters: " + c.code);
  std::string created = utc_now();
  comm.bcast(created);
  h5::AtomicPath target(path, &comm);
  try {
    h5::ColumnFile f(&comm, target.temp());
    for (const char* g : {"/providers", "/codes", "/claims", "/referrals", "/meta"}) f.group(g);
    f.column<std::uint64_t>("/providers/npi", P);
    f.column<std::uint8_t>("/providers/entity_type", P);
    f.column<std::uint16_t>("/providers/specialty", P);
    f.strings("/providers/taxonomy", 10, P);
    f.strings("/providers/state", 2, P);
    f.strings("/providers/zip5", 5, P);
    f.strings("/providers/specialty_names", spec_width, providers.specialty_names.size());
    f.column<std::uint64_t>("/providers/out_weight", P);
    f.column<std::uint8_t>("/codes/system", codes.size());
    f.strings("/codes/code", kCodeWidth, codes.size());
    f.column<std::uint64_t>("/claims/offsets", P + 1);
    f.column<std::int32_t>("/claims/week", n_claims);
    for (const char* c : {"/claims/code", "/claims/services", "/claims/patients"}) f.column<std::uint32_t>(c, n_claims);
    f.column<std::uint64_t>("/referrals/out_offsets", P + 1);
    for (const char* c : {"/referrals/out_dst", "/referrals/out_pair_count", "/referrals/out_bene_count",
                          "/referrals/out_same_day"})
      f.column<std::uint32_t>(c, n_edges);
    f.column<std::uint64_t>("/referrals/in_offsets", P + 1);
    for (const char* c : {"/referrals/in_src", "/referrals/in_bene_count"}) f.column<std::uint32_t>(c, n_edges);

    f.attr("/", "format", std::string(kUniverseFormat));
    f.attr("/", "source", meta.source);
    f.attr("/", "inputs", inputs_json(meta.inputs));
    f.attr("/", "created_utc", created);
    f.attr("/claims", "first_week", std::int64_t{first_week});
    f.attr("/claims", "last_week", std::int64_t{last_week});
    f.attr("/claims", "first_monday", n_claims ? format_week(first_week) : std::string());
    f.attr("/claims", "last_monday", n_claims ? format_week(last_week) : std::string());
    const IngestCounters& c = meta.counters;
    const std::pair<const char*, std::uint64_t> counters[] = {
        {"claims_rows", c.claims_rows},       {"claims_unknown_npi", c.claims_unknown_npi},
        {"claims_merged", c.claims_merged},   {"edge_rows", c.edge_rows},
        {"edges_unknown_npi", c.edges_unknown_npi}, {"edges_self_loops", c.edges_self_loops},
        {"edges_merged", c.edges_merged},     {"bad_rows", c.bad_rows}};
    for (const auto& [name, value] : counters) f.attr("/meta", name, static_cast<std::int64_t>(value));
    f.create();

    // The provider table and the code dictionary: rank 0's copy (every rank holds the same).
    if (comm.root()) {
      f.write<std::uint64_t>("/providers/npi", 0, providers.npi);
      f.write<std::uint8_t>("/providers/entity_type", 0, providers.entity_type);
      f.write<std::uint16_t>("/providers/specialty", 0, providers.specialty);
      f.write_strings("/providers/taxonomy", 0, P, reinterpret_cast<const char*>(providers.taxonomy.data()));
      f.write_strings("/providers/state", 0, P, reinterpret_cast<const char*>(providers.state.data()));
      f.write_strings("/providers/zip5", 0, P, reinterpret_cast<const char*>(providers.zip5.data()));
      std::vector<char> spec(providers.specialty_names.size() * spec_width, '\0');
      for (std::size_t i = 0; i < providers.specialty_names.size(); ++i)
        std::memcpy(spec.data() + i * spec_width, providers.specialty_names[i].data(), providers.specialty_names[i].size());
      f.write_strings("/providers/specialty_names", 0, providers.specialty_names.size(), spec.data());
      std::vector<std::uint8_t> sys(codes.size());
      std::vector<char> code_text(codes.size() * kCodeWidth, '\0');
      for (std::size_t i = 0; i < codes.size(); ++i) {
        sys[i] = static_cast<std::uint8_t>(codes[i].system);
        std::memcpy(code_text.data() + i * kCodeWidth, codes[i].code.data(), codes[i].code.size());
      }
      f.write<std::uint8_t>("/codes/system", 0, sys);
      f.write_strings("/codes/code", 0, codes.size(), code_text.data());
    }

    // Every rank: the CSR offsets of its providers [lo, hi) and its rows.
    auto claim_key = [](const ClaimRow& c) { return std::uint64_t{c.provider}; };
    f.write<std::uint64_t>("/claims/offsets", lo, csr_offsets(comm, lo, hi, claims, claims_at, claim_key));
    std::vector<std::int32_t> week(claims.size());
    for (std::size_t i = 0; i < claims.size(); ++i) week[i] = claims[i].week;
    f.write<std::int32_t>("/claims/week", claims_at, week);
    week = {};
    f.write<std::uint32_t>("/claims/code", claims_at, column_u32(claims, [](auto& c) { return c.code; }));
    f.write<std::uint32_t>("/claims/services", claims_at, column_u32(claims, [](auto& c) { return c.services; }));
    f.write<std::uint32_t>("/claims/patients", claims_at, column_u32(claims, [](auto& c) { return c.patients; }));
    claims = {};

    auto src_key = [](const EdgeRow& e) { return std::uint64_t{e.src}; };
    auto dst_key = [](const EdgeRow& e) { return std::uint64_t{e.dst}; };
    f.write<std::uint64_t>("/referrals/out_offsets", lo, csr_offsets(comm, lo, hi, edges, out_at, src_key));
    f.write<std::uint32_t>("/referrals/out_dst", out_at, column_u32(edges, [](auto& e) { return e.dst; }));
    f.write<std::uint32_t>("/referrals/out_pair_count", out_at, column_u32(edges, [](auto& e) { return e.pair_count; }));
    f.write<std::uint32_t>("/referrals/out_bene_count", out_at, column_u32(edges, [](auto& e) { return e.bene_count; }));
    f.write<std::uint32_t>("/referrals/out_same_day", out_at, column_u32(edges, [](auto& e) { return e.same_day; }));
    std::vector<std::uint64_t> out_weight(hi - lo, 0);
    for (const auto& e : edges) out_weight[e.src - lo] += e.bene_count;
    f.write<std::uint64_t>("/providers/out_weight", lo, out_weight);
    edges = {};
    f.write<std::uint64_t>("/referrals/in_offsets", lo, csr_offsets(comm, lo, hi, in_edges, in_at, dst_key));
    f.write<std::uint32_t>("/referrals/in_src", in_at, column_u32(in_edges, [](auto& e) { return e.src; }));
    f.write<std::uint32_t>("/referrals/in_bene_count", in_at, column_u32(in_edges, [](auto& e) { return e.bene_count; }));
    in_edges = {};
    f.finish();
    meta.counters.stale_temporaries = target.commit();
  } catch (const std::exception& e) {
    target.fail(e, "the universe");  // the same message on every rank (agreed)
  }
  return meta.counters;
}

// ------------------------------------------------------------------------------------------
struct UniverseReader::Impl {
  std::string path;
  h5::File file;
};

UniverseReader::UniverseReader(const Comm& comm, const std::string& path) : impl_(std::make_unique<Impl>()) {
  impl_->path = path;
  // Each rank opens the file on its own (serial driver, read-only): reads are independent
  // hyperslabs of the rank's own slice, and no collective is needed.
  impl_->file = h5::File::open(path, nullptr);
  if (!impl_->file.has_attr("/", "format") || impl_->file.attr_string("/", "format") != kUniverseFormat)
    throw InputError(path, 0, "", "not a signalrank universe file (format attribute missing or different)");
  (void)comm;
}
UniverseReader::~UniverseReader() = default;
UniverseReader::UniverseReader(UniverseReader&&) noexcept = default;

const std::string& UniverseReader::path() const { return impl_->path; }
std::uint64_t UniverseReader::num_providers() const { return impl_->file.column_size("/providers/npi"); }
std::uint64_t UniverseReader::num_claims() const { return impl_->file.column_size("/claims/week"); }
std::uint64_t UniverseReader::num_edges() const { return impl_->file.column_size("/referrals/out_dst"); }
std::int32_t UniverseReader::first_week() const {
  return static_cast<std::int32_t>(impl_->file.attr_int("/claims", "first_week"));
}
std::int32_t UniverseReader::last_week() const {
  return static_cast<std::int32_t>(impl_->file.attr_int("/claims", "last_week"));
}
std::string UniverseReader::inputs_json() const { return impl_->file.attr_string("/", "inputs"); }

Providers UniverseReader::read_providers() const {
  const h5::File& f = impl_->file;
  Providers p;
  p.npi = f.read_column<std::uint64_t>("/providers/npi");
  const std::uint64_t n = p.npi.size();
  p.entity_type = f.read_column<std::uint8_t>("/providers/entity_type");
  p.specialty = f.read_column<std::uint16_t>("/providers/specialty");
  auto fixed = [&](const char* name, auto& col) {
    std::size_t w = 0;
    auto bytes = f.read_strings(name, 0, n, &w);
    col.resize(n);
    using Arr = typename std::decay_t<decltype(col)>::value_type;
    if (w != std::tuple_size_v<Arr>) throw std::runtime_error(impl_->path + ": " + name + " has the wrong width");
    std::memcpy(col.data(), bytes.data(), bytes.size());
  };
  fixed("/providers/taxonomy", p.taxonomy);
  fixed("/providers/state", p.state);
  fixed("/providers/zip5", p.zip5);
  std::size_t w = 0;
  const std::uint64_t ns = f.column_size("/providers/specialty_names");
  auto names = f.read_strings("/providers/specialty_names", 0, ns, &w);
  for (std::uint64_t i = 0; i < ns; ++i) p.specialty_names.emplace_back(names.data() + i * w, strnlen(names.data() + i * w, w));
  return p;
}

std::vector<Code> UniverseReader::read_codes() const {
  const h5::File& f = impl_->file;
  auto sys = f.read_column<std::uint8_t>("/codes/system");
  std::size_t w = 0;
  auto text = f.read_strings("/codes/code", 0, sys.size(), &w);
  std::vector<Code> codes(sys.size());
  for (std::size_t i = 0; i < sys.size(); ++i) {
    codes[i].system = static_cast<CodeSystem>(sys[i]);
    codes[i].code.assign(text.data() + i * w, strnlen(text.data() + i * w, w));
  }
  return codes;
}

std::vector<std::uint64_t> UniverseReader::claim_offsets(std::uint64_t lo, std::uint64_t hi) const {
  return impl_->file.read_column<std::uint64_t>("/claims/offsets", lo, hi - lo + 1);
}
std::vector<std::uint64_t> UniverseReader::out_offsets(std::uint64_t lo, std::uint64_t hi) const {
  return impl_->file.read_column<std::uint64_t>("/referrals/out_offsets", lo, hi - lo + 1);
}
std::vector<std::uint64_t> UniverseReader::in_offsets(std::uint64_t lo, std::uint64_t hi) const {
  return impl_->file.read_column<std::uint64_t>("/referrals/in_offsets", lo, hi - lo + 1);
}

namespace {
// Sets the provider of each of the rows [begin, begin + rows.size()) of a CSR-indexed table from
// its offsets column (P + 1 values, small beside the rows, read once).
template <class Row, class Set>
void assign_owners(const h5::File& f, const char* offsets_name, std::uint64_t begin, std::vector<Row>& rows,
                   Set set) {
  if (rows.empty()) return;
  const auto off = f.read_column<std::uint64_t>(offsets_name);
  std::size_t p = static_cast<std::size_t>(std::upper_bound(off.begin(), off.end(), begin) - off.begin()) - 1;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    while (p + 1 < off.size() && off[p + 1] <= begin + i) ++p;
    set(rows[i], static_cast<std::uint32_t>(p));
  }
}
}  // namespace

std::vector<ClaimRow> UniverseReader::read_claims(std::uint64_t begin, std::uint64_t end, bool with_patients) const {
  const h5::File& f = impl_->file;
  const std::uint64_t n = end - begin;
  auto week = f.read_column<std::int32_t>("/claims/week", begin, n);
  auto code = f.read_column<std::uint32_t>("/claims/code", begin, n);
  auto services = f.read_column<std::uint32_t>("/claims/services", begin, n);
  auto patients = with_patients ? f.read_column<std::uint32_t>("/claims/patients", begin, n) : std::vector<std::uint32_t>();
  std::vector<ClaimRow> rows(n);
  for (std::uint64_t i = 0; i < n; ++i) rows[i] = {0, week[i], code[i], services[i], with_patients ? patients[i] : 0};
  assign_owners(f, "/claims/offsets", begin, rows, [](ClaimRow& c, std::uint32_t p) { c.provider = p; });
  return rows;
}

UniverseReader::ClaimSeries UniverseReader::read_claim_series(std::uint64_t lo, std::uint64_t hi,
                                                              const std::vector<std::uint8_t>& code_match,
                                                              std::int32_t week_lo, std::int32_t week_hi,
                                                              std::uint64_t chunk_rows, bool map) const {
  const h5::File& f = impl_->file;
  if (chunk_rows == 0) throw std::invalid_argument("read_claim_series: chunk_rows must be at least 1");
  const std::vector<std::uint64_t> off = claim_offsets(lo, hi);
  const std::uint64_t providers = hi - lo;
  auto code_raw = f.raw_column<std::uint32_t>("/claims/code");
  auto week_raw = f.raw_column<std::int32_t>("/claims/week");
  auto services_raw = f.raw_column<std::uint32_t>("/claims/services");
  const bool raw = code_raw && week_raw && services_raw;
  // Threads take contiguous runs of providers with about the same number of rows. Without raw
  // columns every read goes through HDF5, which takes one thread at a time: one run then.
  const int threads = raw ? std::max(1, omp_get_max_threads()) : 1;
  std::vector<std::uint64_t> first(static_cast<std::size_t>(threads) + 1, providers);
  first[0] = 0;
  for (int t = 1; t < threads; ++t) {
    const std::uint64_t row = off.front() + (off.back() - off.front()) * static_cast<std::uint64_t>(t) / threads;
    // The provider whose rows hold `row`: the last p with off[p] <= row.
    const auto k = static_cast<std::uint64_t>(std::upper_bound(off.begin(), off.end(), row) - off.begin());
    first[t] = std::max(first[t - 1], std::min(k == 0 ? 0 : k - 1, providers));
  }
  // Each run: its kept rows and its providers' kept counts, filtered window by window. A window is
  // mapped (no copy; the week and services pages are only touched where a code matches: a
  // campaign keeps well under 1 % of the rows) or else copied into buffers reused from one window
  // to the next.
  struct Run {
    std::vector<std::int32_t> week;
    std::vector<std::uint32_t> services;
    std::vector<std::uint64_t> kept;  // per provider of the run
  };
  std::vector<Run> runs(static_cast<std::size_t>(threads));
  auto scan = [&](int t) {
    Run& run = runs[static_cast<std::size_t>(t)];
    const std::uint64_t p0 = first[t], p1 = first[t + 1];
    run.kept.assign(p1 - p0, 0);
    std::vector<std::uint32_t> code_buf, services_buf;
    std::vector<std::int32_t> week_buf;
    std::uint64_t p = p0;
    for (std::uint64_t begin = off[p0]; begin < off[p1]; begin += chunk_rows) {
      const std::uint64_t n = std::min(chunk_rows, off[p1] - begin);
      std::shared_ptr<const void> code_map, week_map, services_map;
      if (raw && map) {
        code_map = code_raw->map(begin, n);
        week_map = week_raw->map(begin, n);
        services_map = services_raw->map(begin, n);
      }
      const std::uint32_t *code, *services;
      const std::int32_t* week;
      if (code_map && week_map && services_map) {
        code = static_cast<const std::uint32_t*>(code_map.get());
        week = static_cast<const std::int32_t*>(week_map.get());
        services = static_cast<const std::uint32_t*>(services_map.get());
      } else {
        code_buf.resize(n);
        week_buf.resize(n);
        services_buf.resize(n);
        if (raw) {
          code_raw->read(begin, n, code_buf.data());
          week_raw->read(begin, n, week_buf.data());
          services_raw->read(begin, n, services_buf.data());
        } else {
          f.read_column_into<std::uint32_t>("/claims/code", begin, n, code_buf.data());
          f.read_column_into<std::int32_t>("/claims/week", begin, n, week_buf.data());
          f.read_column_into<std::uint32_t>("/claims/services", begin, n, services_buf.data());
        }
        code = code_buf.data();
        week = week_buf.data();
        services = services_buf.data();
      }
      for (std::uint64_t i = 0; i < n; ++i) {
        while (off[p + 1] <= begin + i) ++p;
        if (code[i] < code_match.size() && code_match[code[i]] && week[i] >= week_lo && week[i] <= week_hi) {
          run.week.push_back(week[i]);
          run.services.push_back(services[i]);
          ++run.kept[p - p0];
        }
      }
    }
  };
  for_each_chunk(static_cast<std::size_t>(threads), [&](std::size_t t) { scan(static_cast<int>(t)); });

  // The runs in provider order: offsets from the kept counts, then the rows.
  ClaimSeries out;
  out.offsets.assign(providers + 1, 0);
  std::uint64_t total = 0;
  for (int t = 0; t < threads; ++t) {
    const Run& run = runs[static_cast<std::size_t>(t)];
    for (std::uint64_t k = 0; k < run.kept.size(); ++k) out.offsets[first[t] + k + 1] = total += run.kept[k];
  }
  out.week.reserve(total);
  out.services.reserve(total);
  for (const Run& run : runs) {
    out.week.insert(out.week.end(), run.week.begin(), run.week.end());
    out.services.insert(out.services.end(), run.services.begin(), run.services.end());
  }
  return out;
}

std::vector<EdgeRow> UniverseReader::read_out_edges(std::uint64_t begin, std::uint64_t end, bool with_counts) const {
  const h5::File& f = impl_->file;
  const std::uint64_t n = end - begin;
  auto dst = f.read_column<std::uint32_t>("/referrals/out_dst", begin, n);
  auto bene = f.read_column<std::uint32_t>("/referrals/out_bene_count", begin, n);
  std::vector<std::uint32_t> pair, same;
  if (with_counts) {
    pair = f.read_column<std::uint32_t>("/referrals/out_pair_count", begin, n);
    same = f.read_column<std::uint32_t>("/referrals/out_same_day", begin, n);
  }
  std::vector<EdgeRow> rows(n);
  for (std::uint64_t i = 0; i < n; ++i)
    rows[i] = {0, dst[i], with_counts ? pair[i] : 0, bene[i], with_counts ? same[i] : 0};
  assign_owners(f, "/referrals/out_offsets", begin, rows, [](EdgeRow& e, std::uint32_t p) { e.src = p; });
  return rows;
}

namespace {
// Two edge columns [begin, end), read on all threads when the file allows it (h5::File::read_column_into).
UniverseReader::EdgeColumns read_edge_columns(const h5::File& f, const char* other, const char* bene,
                                              std::uint64_t begin, std::uint64_t end) {
  UniverseReader::EdgeColumns out;
  out.other.resize(end - begin);
  out.bene.resize(end - begin);
  f.read_column_into<std::uint32_t>(other, begin, end - begin, out.other.data());
  f.read_column_into<std::uint32_t>(bene, begin, end - begin, out.bene.data());
  return out;
}
}  // namespace

UniverseReader::EdgeColumns UniverseReader::read_in_columns(std::uint64_t begin, std::uint64_t end) const {
  return read_edge_columns(impl_->file, "/referrals/in_src", "/referrals/in_bene_count", begin, end);
}

UniverseReader::EdgeColumns UniverseReader::read_out_columns(std::uint64_t begin, std::uint64_t end) const {
  return read_edge_columns(impl_->file, "/referrals/out_dst", "/referrals/out_bene_count", begin, end);
}

std::vector<EdgeRow> UniverseReader::read_in_edges(std::uint64_t begin, std::uint64_t end) const {
  const h5::File& f = impl_->file;
  const std::uint64_t n = end - begin;
  auto src = f.read_column<std::uint32_t>("/referrals/in_src", begin, n);
  auto bene = f.read_column<std::uint32_t>("/referrals/in_bene_count", begin, n);
  std::vector<EdgeRow> rows(n);
  for (std::uint64_t i = 0; i < n; ++i) rows[i] = {src[i], 0, 0, bene[i], 0};
  assign_owners(f, "/referrals/in_offsets", begin, rows, [](EdgeRow& e, std::uint32_t p) { e.dst = p; });
  return rows;
}

std::vector<std::uint64_t> UniverseReader::out_weight(std::uint64_t lo, std::uint64_t hi) const {
  return impl_->file.read_column<std::uint64_t>("/providers/out_weight", lo, hi - lo);
}

}  // namespace signalrank
