#include "io/universe.hpp"

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <optional>
#include <parallel/algorithm>
#include <stdexcept>

#include <fmt/format.h>

#include "io/agree.hpp"
#include "io/dates.hpp"
#include "io/error.hpp"
#include "io/ingest_providers.hpp"
#include "io/npi.hpp"
#include "io/text.hpp"
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
// Reading checks every universe as far as each reader goes, so that a damaged or crafted file is
// an input error (exit 2) naming its dataset and first bad row, never an out-of-bounds access:
//  - on open, O(1): every dataset there, the lengths agreeing (one row per provider, P + 1
//    offsets, the claims and edge columns of one length each), the offsets starting at 0 and
//    ending at their table's row count;
//  - the provider table and dictionaries, O(P), when read: NPIs valid and strictly ascending,
//    every field in its domain, every specialty index below the dictionary's size;
//  - each slice as it is read: its offsets never decreasing, every code and provider index below
//    its table's size (within the scans that read the rows: no second pass over the claims),
//    the out-weights equal to the out-edges' sums.
// Rows are numbered from 0 in the messages, as h5py numbers them.
namespace {
// The largest of v[0..n) (0 when n == 0), on the calling thread: a vectorised streaming max,
// checked once after (the bad row is only looked for when there is one).
std::uint32_t max_of(const std::uint32_t* v, std::uint64_t n) {
  std::uint32_t m = 0;
#pragma omp simd reduction(max : m)
  for (std::uint64_t k = 0; k < n; ++k) m = std::max(m, v[k]);
  return m;
}
}  // namespace

struct UniverseReader::Impl {
  std::string path;
  h5::File file;
  std::uint64_t providers = 0, claims = 0, edges = 0, codes = 0, specialties = 0;
  std::int32_t first_week = 0, last_week = -1;

  [[noreturn]] void bad(const std::string& what) const { throw InputError(path, 0, "", what); }
  // A claims row whose code index is past the dictionary, or whose week is outside /claims' range.
  [[noreturn]] void bad_code(std::uint64_t row, std::uint32_t code) const {
    bad(fmt::format("dataset /claims/code, row {}: code index {} is not below the {} codes", row, code, codes));
  }
  [[noreturn]] void bad_week(std::uint64_t row, std::int32_t week) const {
    bad(fmt::format("dataset /claims/week, row {}: week {} is outside /claims' first_week {} to last_week {}", row,
                    week, first_week, last_week));
  }
  void check_layout();
  // Offsets [lo, hi] (hi - lo + 1 values) of the CSR `name` over a table of `rows` rows.
  std::vector<std::uint64_t> offsets(const char* name, std::uint64_t lo, std::uint64_t hi, std::uint64_t rows) const;
  // Provider indices (in_src, out_dst) [begin, begin + n) of dataset `name`, whose largest is
  // `largest`: all below P.
  void check_providers(const char* name, std::uint64_t begin, const std::uint32_t* v, std::uint64_t n,
                       std::uint32_t largest) const;
  void check_providers(const char* name, std::uint64_t begin, const std::uint32_t* v, std::uint64_t n) const {
    check_providers(name, begin, v, n, max_of(v, n));
  }
  EdgeColumns edge_columns(const char* other, const char* bene, std::uint64_t begin, std::uint64_t end) const;
};

namespace {
constexpr const char* kProviderColumnNames[] = {"/providers/entity_type", "/providers/taxonomy", "/providers/specialty",
                                                "/providers/state", "/providers/zip5", "/providers/out_weight"};
constexpr const char* kClaimColumnNames[] = {"/claims/code", "/claims/services", "/claims/patients"};
constexpr const char* kOutEdgeColumnNames[] = {"/referrals/out_pair_count", "/referrals/out_bene_count",
                                               "/referrals/out_same_day", "/referrals/in_src",
                                               "/referrals/in_bene_count"};

// An element of a mapped column, which HDF5 need not have aligned to its type: memcpy is the
// defined way to load it (one plain load on x86).
template <class T>
T load(const unsigned char* column, std::uint64_t i) {
  T v;
  std::memcpy(&v, column + i * sizeof(T), sizeof(T));
  return v;
}
}  // namespace

void UniverseReader::Impl::check_layout() {
  const h5::File& f = file;
  providers = f.column_size("/providers/npi");
  if (providers > UINT32_MAX)
    bad(fmt::format("dataset /providers/npi has {} rows; a universe holds at most {} providers", providers, UINT32_MAX));
  auto same_length = [&](const char* reference, std::uint64_t n, std::span<const char* const> names, const char* per) {
    for (const char* name : names)
      if (const std::uint64_t m = f.column_size(name); m != n)
        bad(fmt::format("dataset {} has {} rows and {} has {}: they hold one row per {}", name, m, reference, n, per));
  };
  same_length("/providers/npi", providers, kProviderColumnNames, "provider");
  specialties = f.column_size("/providers/specialty_names");
  if (specialties > 65536)
    bad(fmt::format("dataset /providers/specialty_names has {} names; a universe holds at most 65536", specialties));
  codes = f.column_size("/codes/system");
  const char* code_text[] = {"/codes/code"};
  same_length("/codes/system", codes, code_text, "code");
  if (codes > UINT32_MAX) bad(fmt::format("dataset /codes/system has {} rows; at most {} codes", codes, UINT32_MAX));
  claims = f.column_size("/claims/week");
  same_length("/claims/week", claims, kClaimColumnNames, "claims row");
  edges = f.column_size("/referrals/out_dst");
  same_length("/referrals/out_dst", edges, kOutEdgeColumnNames, "edge (each edge is stored by source and by destination)");
  auto csr = [&](const char* name, std::uint64_t rows, const char* table) {
    if (const std::uint64_t n = f.column_size(name); n != providers + 1)
      bad(fmt::format("dataset {} has {} rows; with {} providers it has {}", name, n, providers, providers + 1));
    if (const auto first = f.read_column<std::uint64_t>(name, 0, 1)[0]; first != 0)
      bad(fmt::format("dataset {}, row 0: {}; the offsets start at 0", name, first));
    if (const auto last = f.read_column<std::uint64_t>(name, providers, 1)[0]; last != rows)
      bad(fmt::format("dataset {}, row {}: {}; the offsets end at {}'s {} rows", name, providers, last, table, rows));
  };
  csr("/claims/offsets", claims, "/claims/week");
  csr("/referrals/out_offsets", edges, "/referrals/out_dst");
  csr("/referrals/in_offsets", edges, "/referrals/in_src");
  const std::int64_t first = f.attr_int("/claims", "first_week"), last = f.attr_int("/claims", "last_week");
  if (claims > 0) {
    // Weeks from 1900 to 2200 (Monday numbers from 1970-01-05), the first not after the last.
    constexpr std::int64_t kLowest = -3653, kHighest = 11999;
    if (first < kLowest || first > kHighest || last < kLowest || last > kHighest || first > last)
      bad(fmt::format("attributes first_week {} and last_week {} of /claims are not a range of weeks", first, last));
    first_week = static_cast<std::int32_t>(first);
    last_week = static_cast<std::int32_t>(last);
  }
}

std::vector<std::uint64_t> UniverseReader::Impl::offsets(const char* name, std::uint64_t lo, std::uint64_t hi,
                                                         std::uint64_t rows) const {
  if (lo > hi || hi > providers) throw std::out_of_range(std::string("UniverseReader: offsets past the providers of ") + name);
  std::vector<std::uint64_t> off = file.read_column<std::uint64_t>(name, lo, hi - lo + 1);
  for (std::size_t i = 1; i < off.size(); ++i)
    if (off[i] < off[i - 1])
      bad(fmt::format("dataset {}, row {}: {} is below row {}'s {} (offsets never decrease)", name, lo + i, off[i],
                      lo + i - 1, off[i - 1]));
  if (off.back() > rows)
    bad(fmt::format("dataset {}, row {}: {} is past the table's {} rows", name, hi, off.back(), rows));
  return off;
}

void UniverseReader::Impl::check_providers(const char* name, std::uint64_t begin, const std::uint32_t* v,
                                           std::uint64_t n, std::uint32_t largest) const {
  if (largest < providers) return;
  const auto k = static_cast<std::uint64_t>(std::find_if(v, v + n, [&](std::uint32_t x) { return x >= providers; }) - v);
  bad(fmt::format("dataset {}, row {}: provider index {} is not below the {} providers", name, begin + k, v[k],
                  providers));
}

UniverseReader::UniverseReader(const Comm& comm, const std::string& path) : impl_(std::make_unique<Impl>()) {
  impl_->path = path;
  // Each rank opens the file on its own (serial driver, read-only): reads are independent
  // hyperslabs of the rank's own slice, and no collective is needed. The checks agree, so that a
  // file one node cannot read fails every rank alike.
  agree_on_errors(comm, [&] {
    impl_->file = h5::File::open(path, nullptr);
    if (!impl_->file.has_attr("/", "format") || impl_->file.attr_string("/", "format") != kUniverseFormat)
      throw InputError(path, 0, "", "not a signalrank universe file (format attribute missing or different)");
    impl_->check_layout();
  });
}
UniverseReader::~UniverseReader() = default;
UniverseReader::UniverseReader(UniverseReader&&) noexcept = default;

const std::string& UniverseReader::path() const { return impl_->path; }
std::uint64_t UniverseReader::num_providers() const { return impl_->providers; }
std::uint64_t UniverseReader::num_claims() const { return impl_->claims; }
std::uint64_t UniverseReader::num_edges() const { return impl_->edges; }
std::int32_t UniverseReader::first_week() const { return impl_->first_week; }
std::int32_t UniverseReader::last_week() const { return impl_->last_week; }
std::string UniverseReader::inputs_json() const { return impl_->file.attr_string("/", "inputs"); }

Providers UniverseReader::read_providers() const {
  const Impl& u = *impl_;
  const h5::File& f = u.file;
  const std::uint64_t n = u.providers;
  Providers p;
  p.npi = f.read_column<std::uint64_t>("/providers/npi", 0, n);
  p.entity_type = f.read_column<std::uint8_t>("/providers/entity_type", 0, n);
  p.specialty = f.read_column<std::uint16_t>("/providers/specialty", 0, n);
  auto fixed = [&](const char* name, auto& col) {
    std::size_t w = 0;
    auto bytes = f.read_strings(name, 0, n, &w);
    col.resize(n);
    using Arr = typename std::decay_t<decltype(col)>::value_type;
    if (w != std::tuple_size_v<Arr>)
      u.bad(fmt::format("dataset {} holds strings of {} bytes, not {}", name, w, std::tuple_size_v<Arr>));
    std::memcpy(col.data(), bytes.data(), bytes.size());
  };
  fixed("/providers/taxonomy", p.taxonomy);
  fixed("/providers/state", p.state);
  fixed("/providers/zip5", p.zip5);
  std::size_t w = 0;
  const std::uint64_t ns = u.specialties;
  auto names = f.read_strings("/providers/specialty_names", 0, ns, &w);
  for (std::uint64_t i = 0; i < ns; ++i) {
    p.specialty_names.emplace_back(names.data() + i * w, strnlen(names.data() + i * w, w));
    if (std::string why = text::field_problem(p.specialty_names.back(), ingest::kMaxSpecialtyBytes); !why.empty())
      u.bad(fmt::format("dataset /providers/specialty_names, row {}: {}", i, why));
  }
  // Every value in its domain (what ingest accepts), so that nothing else reaches a ranking or
  // an export: one pass over the P rows.
  auto row_problem = [&](std::size_t i) -> std::string {
    if (!npi_valid(p.npi[i])) return fmt::format("dataset /providers/npi, row {}: {} is not a valid NPI", i, p.npi[i]);
    if (i > 0 && p.npi[i] <= p.npi[i - 1])
      return fmt::format("dataset /providers/npi, row {}: {} is not above row {}'s {} (NPIs are strictly ascending)", i,
                         p.npi[i], i - 1, p.npi[i - 1]);
    if (p.entity_type[i] != 1 && p.entity_type[i] != 2)
      return fmt::format("dataset /providers/entity_type, row {}: {} is not 1 (individual) or 2 (organization)", i,
                         p.entity_type[i]);
    if (p.specialty[i] >= ns)
      return fmt::format("dataset /providers/specialty, row {}: {} is not below the {} names of "
                         "/providers/specialty_names",
                         i, p.specialty[i], ns);
    const auto& t = p.taxonomy[i];
    if (!std::all_of(t.begin(), t.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z'); }))
      return fmt::format("dataset /providers/taxonomy, row {}: {} is not a 10-character taxonomy code", i,
                         text::quote(std::string_view(t.data(), t.size())));
    if (!ingest::is_usps_state(p.state_of(i)))
      return fmt::format("dataset /providers/state, row {}: {} is not a USPS state code", i, text::quote(p.state_of(i)));
    const auto& z = p.zip5[i];
    if (!std::all_of(z.begin(), z.end(), [](char c) { return c >= '0' && c <= '9'; }))
      return fmt::format("dataset /providers/zip5, row {}: {} is not a 5-digit ZIP code", i,
                         text::quote(std::string_view(z.data(), z.size())));
    return {};
  };
  // The fast pass on all threads, the message only for the first bad row.
  auto row_ok = [&](std::size_t i) {
    const auto& t = p.taxonomy[i];
    const auto& z = p.zip5[i];
    auto digit = [](char c) { return c >= '0' && c <= '9'; };
    return npi_valid(p.npi[i]) && (i == 0 || p.npi[i] > p.npi[i - 1]) &&
           (p.entity_type[i] == 1 || p.entity_type[i] == 2) && p.specialty[i] < ns &&
           std::all_of(t.begin(), t.end(), [&](char c) { return digit(c) || (c >= 'A' && c <= 'Z'); }) &&
           ingest::is_usps_state(p.state_of(i)) && std::all_of(z.begin(), z.end(), digit);
  };
  std::uint64_t first_bad = n;
#pragma omp parallel for reduction(min : first_bad) schedule(static)
  for (std::uint64_t i = 0; i < n; ++i)
    if (!row_ok(i)) first_bad = std::min(first_bad, i);
  if (first_bad < n) u.bad(row_problem(first_bad));
  return p;
}

std::vector<Code> UniverseReader::read_codes() const {
  const Impl& u = *impl_;
  const h5::File& f = u.file;
  auto sys = f.read_column<std::uint8_t>("/codes/system", 0, u.codes);
  std::size_t w = 0;
  auto chars = f.read_strings("/codes/code", 0, u.codes, &w);
  std::vector<Code> codes(sys.size());
  for (std::size_t i = 0; i < sys.size(); ++i) {
    if (sys[i] >= kCodeSystemNames.size())
      u.bad(fmt::format("dataset /codes/system, row {}: {} is not a code system (0 CPT, 1 HCPCS, 2 ICD10, 3 NDC)", i,
                        sys[i]));
    codes[i].system = static_cast<CodeSystem>(sys[i]);
    codes[i].code.assign(chars.data() + i * w, strnlen(chars.data() + i * w, w));
    if (std::string why = text::field_problem(codes[i].code, kCodeWidth); !why.empty())
      u.bad(fmt::format("dataset /codes/code, row {}: {}", i, why));
  }
  return codes;
}

std::vector<std::uint64_t> UniverseReader::claim_offsets(std::uint64_t lo, std::uint64_t hi) const {
  return impl_->offsets("/claims/offsets", lo, hi, impl_->claims);
}
std::vector<std::uint64_t> UniverseReader::out_offsets(std::uint64_t lo, std::uint64_t hi) const {
  return impl_->offsets("/referrals/out_offsets", lo, hi, impl_->edges);
}
std::vector<std::uint64_t> UniverseReader::in_offsets(std::uint64_t lo, std::uint64_t hi) const {
  return impl_->offsets("/referrals/in_offsets", lo, hi, impl_->edges);
}

namespace {
// Sets the provider of each of the rows [begin, begin + rows.size()) of a CSR-indexed table from
// its offsets (P + 1 values, small beside the rows).
template <class Row, class Set>
void assign_owners(const std::vector<std::uint64_t>& off, std::uint64_t begin, std::vector<Row>& rows, Set set) {
  if (rows.empty()) return;
  std::size_t p = static_cast<std::size_t>(std::upper_bound(off.begin(), off.end(), begin) - off.begin()) - 1;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    while (p + 1 < off.size() && off[p + 1] <= begin + i) ++p;
    set(rows[i], static_cast<std::uint32_t>(p));
  }
}
}  // namespace

std::vector<ClaimRow> UniverseReader::read_claims(std::uint64_t begin, std::uint64_t end, bool with_patients) const {
  const Impl& u = *impl_;
  const h5::File& f = u.file;
  const std::uint64_t n = end - begin;
  auto week = f.read_column<std::int32_t>("/claims/week", begin, n);
  auto code = f.read_column<std::uint32_t>("/claims/code", begin, n);
  auto services = f.read_column<std::uint32_t>("/claims/services", begin, n);
  auto patients = with_patients ? f.read_column<std::uint32_t>("/claims/patients", begin, n) : std::vector<std::uint32_t>();
  std::vector<ClaimRow> rows(n);
  for (std::uint64_t i = 0; i < n; ++i) {
    if (code[i] >= u.codes) u.bad_code(begin + i, code[i]);
    if (week[i] < u.first_week || week[i] > u.last_week) u.bad_week(begin + i, week[i]);
    rows[i] = {0, week[i], code[i], services[i], with_patients ? patients[i] : 0};
  }
  assign_owners(claim_offsets(0, u.providers), begin, rows, [](ClaimRow& c, std::uint32_t p) { c.provider = p; });
  return rows;
}

UniverseReader::ClaimSeries UniverseReader::read_claim_series(std::uint64_t lo, std::uint64_t hi,
                                                              const std::vector<std::uint8_t>& code_match,
                                                              std::int32_t week_lo, std::int32_t week_hi,
                                                              std::uint64_t chunk_rows, bool map) const {
  const Impl& u = *impl_;
  const h5::File& f = u.file;
  if (chunk_rows == 0) throw std::invalid_argument("read_claim_series: chunk_rows must be at least 1");
  if (code_match.size() != u.codes)
    throw std::invalid_argument("read_claim_series: code_match has " + std::to_string(code_match.size()) +
                                " entries for " + std::to_string(u.codes) + " codes");
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
    std::uint64_t bad_row = UINT64_MAX;  // the run's first row whose code index is out of range
    std::uint32_t bad_code = 0;
    std::int32_t bad_week = INT32_MIN;  // else the bad row's code is out of range
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
      // Bytes, read through load<T>: a mapped column starts where HDF5 put it, not necessarily
      // at a multiple of 4.
      const unsigned char *code, *week, *services;
      if (code_map && week_map && services_map) {
        code = static_cast<const unsigned char*>(code_map.get());
        week = static_cast<const unsigned char*>(week_map.get());
        services = static_cast<const unsigned char*>(services_map.get());
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
        code = reinterpret_cast<const unsigned char*>(code_buf.data());
        week = reinterpret_cast<const unsigned char*>(week_buf.data());
        services = reinterpret_cast<const unsigned char*>(services_buf.data());
      }
      const std::uint64_t codes = code_match.size();
      for (std::uint64_t i = 0; i < n; ++i) {
        while (off[p + 1] <= begin + i) ++p;
        const auto c = load<std::uint32_t>(code, i);
        if (c >= codes) {  // a damaged file: the run stops at its first bad row
          run.bad_row = begin + i;
          run.bad_code = c;
          run.bad_week = INT32_MIN;
          return;
        }
        if (!code_match[c]) continue;
        const auto wk = load<std::int32_t>(week, i);
        if (wk < u.first_week || wk > u.last_week) {  // outside the range /claims says it holds
          run.bad_row = begin + i;
          run.bad_week = wk;
          return;
        }
        if (wk >= week_lo && wk <= week_hi) {
          run.week.push_back(wk);
          run.services.push_back(load<std::uint32_t>(services, i));
          ++run.kept[p - p0];
        }
      }
    }
  };
  for_each_chunk(static_cast<std::size_t>(threads), [&](std::size_t t) { scan(static_cast<int>(t)); });
  for (const Run& run : runs)  // in row order: the first bad row of the slice
    if (run.bad_row != UINT64_MAX) {
      if (run.bad_week != INT32_MIN) u.bad_week(run.bad_row, run.bad_week);
      u.bad_code(run.bad_row, run.bad_code);
    }

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
  const Impl& u = *impl_;
  const h5::File& f = u.file;
  const std::uint64_t n = end - begin;
  auto dst = f.read_column<std::uint32_t>("/referrals/out_dst", begin, n);
  u.check_providers("/referrals/out_dst", begin, dst.data(), n);
  auto bene = f.read_column<std::uint32_t>("/referrals/out_bene_count", begin, n);
  std::vector<std::uint32_t> pair, same;
  if (with_counts) {
    pair = f.read_column<std::uint32_t>("/referrals/out_pair_count", begin, n);
    same = f.read_column<std::uint32_t>("/referrals/out_same_day", begin, n);
  }
  std::vector<EdgeRow> rows(n);
  for (std::uint64_t i = 0; i < n; ++i)
    rows[i] = {0, dst[i], with_counts ? pair[i] : 0, bene[i], with_counts ? same[i] : 0};
  assign_owners(out_offsets(0, u.providers), begin, rows, [](EdgeRow& e, std::uint32_t p) { e.src = p; });
  return rows;
}

// Two edge columns [begin, end), read on all threads when the file allows it
// (h5::File::read_column_into), the provider indices of `other` checked piece by piece as they
// land (in cache: a separate pass over them cost 0.09 s per rank at national scale).
UniverseReader::EdgeColumns UniverseReader::Impl::edge_columns(const char* other, const char* bene,
                                                               std::uint64_t begin, std::uint64_t end) const {
  const Impl& u = *this;
  UniverseReader::EdgeColumns out;
  out.other.resize(end - begin);
  out.bene.resize(end - begin);
  std::atomic<std::uint32_t> largest{0};
  u.file.read_column_into<std::uint32_t>(other, begin, end - begin, out.other.data(),
                                         [&](std::uint64_t first, std::uint64_t n) {
                                           const std::uint32_t m = max_of(out.other.data() + first, n);
                                           std::uint32_t seen = largest.load(std::memory_order_relaxed);
                                           while (m > seen && !largest.compare_exchange_weak(seen, m)) {
                                           }
                                         });
  u.check_providers(other, begin, out.other.data(), out.other.size(), largest.load());
  u.file.read_column_into<std::uint32_t>(bene, begin, end - begin, out.bene.data());
  return out;
}

UniverseReader::EdgeColumns UniverseReader::read_in_columns(std::uint64_t begin, std::uint64_t end) const {
  return impl_->edge_columns("/referrals/in_src", "/referrals/in_bene_count", begin, end);
}

UniverseReader::EdgeColumns UniverseReader::read_out_columns(std::uint64_t begin, std::uint64_t end) const {
  return impl_->edge_columns("/referrals/out_dst", "/referrals/out_bene_count", begin, end);
}

std::vector<EdgeRow> UniverseReader::read_in_edges(std::uint64_t begin, std::uint64_t end) const {
  const Impl& u = *impl_;
  const h5::File& f = u.file;
  const std::uint64_t n = end - begin;
  auto src = f.read_column<std::uint32_t>("/referrals/in_src", begin, n);
  u.check_providers("/referrals/in_src", begin, src.data(), n);
  auto bene = f.read_column<std::uint32_t>("/referrals/in_bene_count", begin, n);
  std::vector<EdgeRow> rows(n);
  for (std::uint64_t i = 0; i < n; ++i) rows[i] = {src[i], 0, 0, bene[i], 0};
  assign_owners(in_offsets(0, u.providers), begin, rows, [](EdgeRow& e, std::uint32_t p) { e.dst = p; });
  return rows;
}

namespace {
// One edge's term of a digest (the splitmix64 finalizer over its three values).
inline std::uint64_t edge_hash(std::uint64_t src, std::uint64_t dst, std::uint64_t bene) {
  std::uint64_t x = (src << 32 | dst) ^ (bene * 0x9e3779b97f4a7c15ULL);
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}
}  // namespace

std::uint64_t UniverseReader::edge_digest(std::uint64_t lo, std::span<const std::uint64_t> out_off,
                                          const EdgeColumns& out, std::span<const std::uint64_t> in_off,
                                          const EdgeColumns& in) const {
  // One side: the hash sum, and the first row whose other end is the provider itself.
  auto side = [&](std::span<const std::uint64_t> off, const EdgeColumns& e, bool by_source, const char* name) {
    const auto n = static_cast<std::int64_t>(off.size()) - 1;
    std::uint64_t sum = 0, loop = UINT64_MAX;
#pragma omp parallel for reduction(+ : sum) reduction(min : loop) schedule(dynamic, 4096)
    for (std::int64_t i = 0; i < n; ++i) {
      const std::uint64_t p = lo + static_cast<std::uint64_t>(i);
      for (std::uint64_t k = off[i] - off[0]; k < off[i + 1] - off[0]; ++k) {
        const std::uint64_t q = e.other[k];
        if (q == p) loop = std::min(loop, k);
        sum += by_source ? edge_hash(p, q, e.bene[k]) : edge_hash(q, p, e.bene[k]);
      }
    }
    if (loop != UINT64_MAX)
      impl_->bad(fmt::format("dataset {}, row {}: an edge from provider {} to itself (a universe holds no self-loops)",
                             name, off[0] + loop, e.other[loop]));
    return sum;
  };
  const std::uint64_t by_source = side(out_off, out, true, "/referrals/out_dst");
  return by_source - side(in_off, in, false, "/referrals/in_src");
}

void UniverseReader::check_edge_digests(const Comm& comm, std::uint64_t digest) const {
  if (comm.sum(digest) != 0)
    impl_->bad("datasets /referrals/in_src and /referrals/in_bene_count do not hold the edges of "
               "/referrals/out_dst and /referrals/out_bene_count (every edge is stored by source and by "
               "destination, alike)");
}

std::vector<std::uint64_t> UniverseReader::out_weight(std::uint64_t lo, std::uint64_t hi) const {
  return impl_->file.read_column<std::uint64_t>("/providers/out_weight", lo, hi - lo);
}

std::vector<std::uint64_t> UniverseReader::out_weight(std::uint64_t lo, std::uint64_t hi,
                                                      std::span<const std::uint64_t> off,
                                                      std::span<const std::uint32_t> bene) const {
  std::vector<std::uint64_t> w = out_weight(lo, hi);
  if (off.size() != w.size() + 1) throw std::invalid_argument("UniverseReader::out_weight: offsets of other providers");
  std::uint64_t bad = UINT64_MAX;
#pragma omp parallel for reduction(min : bad) schedule(dynamic, 4096)
  for (std::int64_t i = 0; i < static_cast<std::int64_t>(w.size()); ++i) {
    std::uint64_t sum = 0;
    for (std::uint64_t k = off[i] - off[0]; k < off[i + 1] - off[0]; ++k) sum += bene[k];
    if (sum != w[i]) bad = std::min(bad, static_cast<std::uint64_t>(i));
  }
  if (bad != UINT64_MAX) {
    std::uint64_t sum = 0;
    for (std::uint64_t k = off[bad] - off[0]; k < off[bad + 1] - off[0]; ++k) sum += bene[k];
    impl_->bad(fmt::format("dataset /providers/out_weight, row {}: {} is not the {} that the provider's out-edges' "
                           "bene_count add up to",
                           lo + bad, w[bad], sum));
  }
  return w;
}

}  // namespace signalrank
