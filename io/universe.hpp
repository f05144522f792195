// The universe: providers, the code dictionary, weekly claims and the referral graph, as held in
// memory and as stored in universe.h5 (layout in README.md, "universe.h5").
//
// Providers are identified by their index 0..P-1 in ascending NPI order. Claims are sorted by
// (provider, week, code) and indexed by /claims/offsets (CSR, P+1 entries). Referral edges are
// stored twice: by source (/referrals/out_*) and by destination (/referrals/in_*), each with its
// own CSR offsets, so that any rank reads only the slices of the providers it owns.
#pragma once
#include <array>
#include <memory>
#include <span>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "io/big_vector.hpp"
#include "partition/comm.hpp"

namespace signalrank {

constexpr const char* kUniverseFormat = "signalrank-universe-1";

enum class CodeSystem : std::uint8_t { CPT = 0, HCPCS = 1, ICD10 = 2, NDC = 3 };
constexpr std::array<std::string_view, 4> kCodeSystemNames = {"CPT", "HCPCS", "ICD10", "NDC"};
bool parse_code_system(std::string_view s, CodeSystem* out);
// Upper-case, dots removed: "i35.0" -> "I350".
std::string normalize_code(std::string_view code);

struct Code {
  CodeSystem system = CodeSystem::CPT;
  std::string code;  // normalized
  friend bool operator<(const Code& a, const Code& b) {
    return a.system != b.system ? a.system < b.system : a.code < b.code;
  }
  friend bool operator==(const Code& a, const Code& b) = default;
};
constexpr std::size_t kCodeWidth = 16;

// The provider table, identical on every rank.
struct Providers {
  std::vector<std::uint64_t> npi;  // strictly ascending
  std::vector<std::uint8_t> entity_type;
  std::vector<std::array<char, 10>> taxonomy;
  std::vector<std::uint16_t> specialty;      // index into specialty_names
  std::vector<std::string> specialty_names;  // dictionary, sorted
  std::vector<std::array<char, 2>> state;
  std::vector<std::array<char, 5>> zip5;

  std::size_t size() const { return npi.size(); }
  // Sorts every column by NPI (used after parsing, before writing).
  void sort_by_npi();
  std::string_view state_of(std::size_t i) const { return {state[i].data(), 2}; }
  std::string taxonomy_of(std::size_t i) const;
  std::string zip_of(std::size_t i) const { return {zip5[i].data(), 5}; }
  const std::string& specialty_of(std::size_t i) const { return specialty_names[specialty[i]]; }
};

struct ClaimRow {
  std::uint32_t provider;  // index into Providers
  std::int32_t week;       // Monday number (io/dates.hpp)
  std::uint32_t code;      // index into the code dictionary
  std::uint32_t services;
  std::uint32_t patients;
};

struct EdgeRow {
  std::uint32_t src, dst;  // provider indices; src saw the patients first
  std::uint32_t pair_count, bene_count, same_day;
};

// What an input file was: recorded in universe.h5 and copied into every snapshot.
struct InputFile {
  std::string role;  // providers, claims, referrals, generator
  std::string path;
  std::uint64_t bytes = 0;
  std::uint64_t xxh3 = 0;
};
std::string inputs_json(const std::vector<InputFile>& inputs);

// Counts reported by ingest (and stored as attributes of /meta).
struct IngestCounters {
  std::uint64_t claims_rows = 0, claims_unknown_npi = 0, claims_merged = 0;
  std::uint64_t edge_rows = 0, edges_unknown_npi = 0, edges_self_loops = 0, edges_merged = 0;
  std::uint64_t bad_rows = 0;
  // Not stored: the temporary files of ended runs that writing the universe removed from its
  // folder (io/temp_files.hpp), for ingest and generate to report.
  std::vector<std::string> stale_temporaries;
};

struct UniverseMeta {
  std::string source;  // "ingest" or "generate"
  std::vector<InputFile> inputs;
  IngestCounters counters;
};

// Thrown by write_universe on every rank, before anything is written, when summing duplicate
// rows overflows a uint32 count: the first such key in key order, claims before edges. The
// merge no longer knows the rows' input lines; a caller that does (ingest) names the line.
class DuplicateSumOverflow : public std::runtime_error {
 public:
  explicit DuplicateSumOverflow(const ClaimRow& key)
      : std::runtime_error("summing duplicate claims (provider " + std::to_string(key.provider) + ", week " +
                           std::to_string(key.week) + ", code " + std::to_string(key.code) +
                           ") overflows a 32-bit count"),
        in_claims(true), claim(key) {}
  explicit DuplicateSumOverflow(const EdgeRow& key)
      : std::runtime_error("summing duplicate edges (provider " + std::to_string(key.src) + " to " +
                           std::to_string(key.dst) + ") overflows a 32-bit count"),
        in_claims(false), edge(key) {}
  bool in_claims;      // else in the edges
  ClaimRow claim{};    // provider, week, code (in_claims)
  EdgeRow edge{};      // src, dst (!in_claims)
};

// Writes universe.h5 collectively. Every rank passes the same providers and codes, and any
// subset of the claims and edges (each row on exactly one rank); rows are routed to the owner of
// their provider, sorted, and duplicates summed (claims: same provider, week and code; edges:
// same source and destination; DuplicateSumOverflow when a sum does not fit). The file appears
// at `path` only when complete.
// Returns the counters with claims_merged / edges_merged filled in.
IngestCounters write_universe(const Comm& comm, const std::string& path, const Providers& providers,
                              const std::vector<Code>& codes, std::vector<ClaimRow> claims,
                              std::vector<EdgeRow> edges, UniverseMeta meta);

// Read side: the whole provider table and code dictionary, and per-range slices. Every read is
// checked (io/universe.cpp: the layout on open, the tables when read, each slice as it is read):
// a file that is not a well-formed universe throws InputError (exit 2) naming the dataset and
// its first bad row (from 0). A rank checks only what it reads; callers reading per-rank slices
// run them under agree_on_errors (io/agree.hpp).
class UniverseReader {
 public:
  UniverseReader(const Comm& comm, const std::string& path);
  ~UniverseReader();
  UniverseReader(UniverseReader&&) noexcept;

  const std::string& path() const;
  std::uint64_t num_providers() const;
  std::uint64_t num_claims() const;
  std::uint64_t num_edges() const;
  std::int32_t first_week() const;  // Monday numbers of the data's first and last week
  std::int32_t last_week() const;
  std::string inputs_json() const;

  Providers read_providers() const;
  std::vector<Code> read_codes() const;
  // Offsets of providers [lo, hi] (hi - lo + 1 values) into /claims, /referrals/out_*, /referrals/in_*.
  std::vector<std::uint64_t> claim_offsets(std::uint64_t lo, std::uint64_t hi) const;
  std::vector<std::uint64_t> out_offsets(std::uint64_t lo, std::uint64_t hi) const;
  std::vector<std::uint64_t> in_offsets(std::uint64_t lo, std::uint64_t hi) const;
  // Claims rows [begin, end). Without `with_patients` the patients column is not read (0).
  std::vector<ClaimRow> read_claims(std::uint64_t begin, std::uint64_t end, bool with_patients = true) const;
  // The claims of providers [lo, hi) whose code has code_match[code] != 0 and whose week is in
  // [week_lo, week_hi], as a CSR by provider: offsets (hi - lo + 1, from 0), then week and services
  // per kept row, rows in file order. Reads the three columns in chunks, so that memory holds the
  // kept rows only (score keeps one campaign's codes over ~30 weeks: a few percent of the rows).
  struct ClaimSeries {
    std::vector<std::uint64_t> offsets;
    std::vector<std::int32_t> week;
    std::vector<std::uint32_t> services;
  };
  // Each of the rank's OpenMP threads scans a run of providers. Where the columns allow it
  // (h5::RawColumn), windows of `chunk_rows` rows are mapped into memory and only the rows whose
  // code matches are read from the week and services columns (`map`; false: each window is copied
  // out with pread); otherwise all goes through HDF5 on one thread.
  ClaimSeries read_claim_series(std::uint64_t lo, std::uint64_t hi, const std::vector<std::uint8_t>& code_match,
                                std::int32_t week_lo, std::int32_t week_hi,
                                std::uint64_t chunk_rows = std::uint64_t{1} << 22, bool map = true) const;
  // Out-edges [begin, end), src filled in. Without `with_counts` only dst and bene_count are read
  // (pair_count and same_day are 0).
  std::vector<EdgeRow> read_out_edges(std::uint64_t begin, std::uint64_t end, bool with_counts = true) const;
  // In-edges [begin, end): src and bene_count (dst filled in), sorted by (dst, src).
  std::vector<EdgeRow> read_in_edges(std::uint64_t begin, std::uint64_t end) const;
  // The two columns score needs of edges [begin, end), as stored (CSR order): the other endpoint
  // (in_src / out_dst: a global provider index) and bene_count. No per-edge struct is built.
  struct EdgeColumns {
    BigVector<std::uint32_t> other, bene;
  };
  EdgeColumns read_in_columns(std::uint64_t begin, std::uint64_t end) const;
  EdgeColumns read_out_columns(std::uint64_t begin, std::uint64_t end) const;
  // Each referral edge is stored twice, by source and by destination. The digest of a rank's
  // edges: an order-free hash sum over its out-edges (sources lo + i for the rows of `out_off`,
  // from out_offsets(lo, hi)) of (source, destination, bene_count), minus the same over its
  // in-edges (destinations lo + i, `in_off` from in_offsets(lo, hi)). Throws InputError naming
  // the row of a self-loop (ingest removes them). Over all ranks the digests add up to 0 when
  // both copies hold the same edges: check_edge_digests (collective) refuses them otherwise.
  std::uint64_t edge_digest(std::uint64_t lo, std::span<const std::uint64_t> out_off, const EdgeColumns& out,
                            std::span<const std::uint64_t> in_off, const EdgeColumns& in) const;
  void check_edge_digests(const Comm& comm, std::uint64_t digest) const;
  // Sum of bene_count over each provider's out-edges, for providers [lo, hi), as stored.
  std::vector<std::uint64_t> out_weight(std::uint64_t lo, std::uint64_t hi) const;
  // The same, checked against the bene_count of those providers' out-edges (`bene`, from
  // read_out_columns, with their offsets `off`: hi - lo + 1 values from out_offsets(lo, hi)).
  std::vector<std::uint64_t> out_weight(std::uint64_t lo, std::uint64_t hi, std::span<const std::uint64_t> off,
                                        std::span<const std::uint32_t> bene) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace signalrank
