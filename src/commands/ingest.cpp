// signalrank ingest: the CSV inputs of SPEC §2 -> universe.h5 (layout in README.md).
//
//   1. open  — every rank maps the three files and checks their headers (the same verdict on
//              every rank; a bad file stops the run before any row is read);
//   2. providers — every rank parses the whole (small) file, threads splitting it, so every rank
//              holds the same provider table and NPI index without communication;
//   3. claims, referrals — each rank parses its share of the bytes, its threads their chunks;
//              line numbers are made global afterwards (io/ingest_common.hpp);
//   4. codes — the global code dictionary (allgather, sort, unique) and the rows remapped to it;
//   5. bad rows — gathered on rank 0 in file/line order and reported. More than --max-bad-rows:
//              the run fails and writes nothing. Otherwise they go to <out>.rejects.csv;
//   6. write — write_universe routes, sorts and sums duplicates, and writes atomically; a sum
//              that overflows stops it on every rank before anything is written, and the file
//              is read again to name the line (OverflowSearch; that error path only);
//   7. summary on rank 0.
//
// Errors are collective: every rank throws the same InputError, main prints it once (rank 0) and
// every rank exits with its code. When many rows are bad, rank 0 prints one `error:` line per
// row (the first 20, in file/line order) before the final line.
#include <omp.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <exception>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <unistd.h>

#include "io/csv.hpp"
#include "io/dates.hpp"
#include "io/error.hpp"
#include "io/hash.hpp"
#include "io/ingest_claims.hpp"
#include "io/ingest_common.hpp"
#include "io/ingest_providers.hpp"
#include "io/ingest_referrals.hpp"
#include "io/parallel.hpp"
#include "io/temp_files.hpp"
#include "io/text.hpp"
#include "io/universe.hpp"
#include "src/commands/support.hpp"
#include "src/commands/commands.hpp"

namespace signalrank {

namespace {

using namespace ingest;

constexpr std::size_t kShownBadRows = 20;  // messages printed; the rest are counted
enum FileNumber : std::uint8_t { kProvidersFile = 0, kClaimsFile = 1, kReferralsFile = 2 };

struct IngestOptions {
  std::string providers, claims, referrals, out;
  std::string claims_format = "weekly", referrals_format = "cms", period, today;
  std::uint64_t max_bad_rows = 0;
  std::size_t chunk_bytes = std::size_t{4} << 20;
};

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

// Ends the run when any rank holds an error: every rank throws the error of the lowest failing
// rank (main prints it once). Collective.
void fail_together(const Comm& comm, const InputError* local) {
  const int first = comm.first_failed(local != nullptr);
  if (first < 0) return;
  std::string file, field, reason;
  std::vector<std::uint64_t> numbers(2, 0);
  if (comm.rank() == first) {
    file = local->file();
    field = local->field();
    // InputError keeps only the formatted message: the reason is what follows the prefix.
    const std::string prefix = InputError::format(local->file(), local->line(), local->field(), "");
    const std::string what = local->what();
    reason = what.compare(0, prefix.size(), prefix) == 0 ? what.substr(prefix.size()) : what;
    numbers = {local->line(), static_cast<std::uint64_t>(local->exit_code())};
  }
  if (first != 0) {
    comm.bcast(file, first);
    comm.bcast(field, first);
    comm.bcast(reason, first);
    comm.bcast(numbers, first);
  }
  throw InputError(file, numbers[0], field, reason, static_cast<int>(numbers[1]));
}

// Runs `step` on every rank; an InputError on any of them ends the run (see fail_together).
template <class F>
void collectively(const Comm& comm, F&& step) {
  std::optional<InputError> error;
  try {
    step();
  } catch (const InputError& e) {
    error = e;
  }
  fail_together(comm, error ? &*error : nullptr);
}

template <class Chunk, class Parse>
std::vector<Chunk> parse_chunks(std::string_view data, const std::vector<csv::ByteRange>& plan, std::uint8_t file,
                                std::size_t keep, Parse parse) {
  std::vector<Chunk> chunks(plan.size());
  for_each_chunk(plan.size(), [&](std::size_t i) {
    // Parsed into a chunk of this thread's own: the counters and row vectors written for every
    // row must not share cache lines with a neighbouring chunk another thread is filling.
    Chunk local;
    local.bad = BadRows(file, keep);
    parse(data.substr(plan[i].begin, plan[i].size()), local);
    chunks[i] = std::move(local);
  });
  return chunks;
}

template <class Chunk>
void collect_bad_rows(std::vector<Chunk>& chunks, std::vector<BadRow>& rows, std::uint64_t& count) {
  for (auto& c : chunks) {
    count += c.bad.count();
    for (auto& b : c.bad.rows()) rows.push_back(std::move(b));
    c.bad.rows().clear();
  }
}

template <class Chunk, class F>
std::uint64_t sum_of(const std::vector<Chunk>& chunks, F f) {
  std::uint64_t s = 0;
  for (const auto& c : chunks) s += f(c);
  return s;
}

// The claims of every chunk in one vector, codes remapped to the global dictionary.
std::vector<ClaimRow> gather_claims(const Comm& comm, std::vector<ClaimsChunk>& chunks, std::vector<Code>& codes) {
  CodeTable rank_codes;
  std::vector<std::vector<std::uint32_t>> to_rank(chunks.size());
  for (std::size_t c = 0; c < chunks.size(); ++c)
    for (const auto& key : chunks[c].codes.keys()) to_rank[c].push_back(rank_codes.find_or_add(key));
  std::vector<std::uint32_t> to_global;
  codes = merge_codes(comm, rank_codes.keys(), &to_global);

  std::vector<std::size_t> at(chunks.size() + 1, 0);
  for (std::size_t c = 0; c < chunks.size(); ++c) at[c + 1] = at[c] + chunks[c].rows.size();
  std::vector<ClaimRow> rows(at.back());
  for_each_chunk(chunks.size(), [&](std::size_t c) {
    ClaimRow* out = rows.data() + at[c];
    for (const ClaimRow& r : chunks[c].rows) {
      *out = r;
      out->code = to_global[to_rank[c][r.code]];
      ++out;
    }
    chunks[c].rows = {};
  });
  return rows;
}

std::vector<EdgeRow> gather_edges(std::vector<EdgesChunk>& chunks) {
  std::vector<std::size_t> at(chunks.size() + 1, 0);
  for (std::size_t c = 0; c < chunks.size(); ++c) at[c + 1] = at[c] + chunks[c].rows.size();
  std::vector<EdgeRow> rows(at.back());
  for_each_chunk(chunks.size(), [&](std::size_t c) {
    std::copy(chunks[c].rows.begin(), chunks[c].rows.end(), rows.begin() + static_cast<std::ptrdiff_t>(at[c]));
    chunks[c].rows = {};
  });
  return rows;
}

// Input descriptions (bytes, xxh3) computed on rank 0 and shared, so every rank passes the
// same metadata to write_universe.
std::vector<InputFile> describe_inputs(const Comm& comm, const IngestOptions& o) {
  const std::pair<const char*, const std::string*> files[] = {
      {"providers", &o.providers}, {"claims", &o.claims}, {"referrals", &o.referrals}};
  std::vector<InputFile> inputs;
  std::vector<std::uint64_t> numbers;
  for (const auto& [role, path] : files) {
    InputFile f{role, *path, 0, 0};
    if (comm.root()) f = describe_input(role, *path);
    inputs.push_back(f);
    numbers.push_back(f.bytes);
    numbers.push_back(f.xxh3);
  }
  comm.bcast(numbers);
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    inputs[i].bytes = numbers[2 * i];
    inputs[i].xxh3 = numbers[2 * i + 1];
  }
  return inputs;
}

void print_rows(const char* prefix, const std::vector<BadRow>& rows, const std::string* paths) {
  for (const BadRow& b : rows)
    std::fprintf(stderr, "%s: %s\n", prefix, InputError::format(paths[b.file], b.line, b.field, b.reason).c_str());
}

// <out>.rejects.csv: `file,line,field,reason,row` (row = the original line as one quoted field),
// written at a temporary name and renamed.
void write_rejects(const std::string& path, const std::vector<BadRow>& rows, const std::string* paths) {
  std::string text = "file,line,field,reason,row\n";
  for (const BadRow& b : rows) {
    csv::append_field(text, paths[b.file]);
    text += ',' + std::to_string(b.line) + ',';
    csv::append_field(text, b.field);
    text += ',';
    csv::append_field(text, b.reason);
    text += ',';
    csv::append_field(text, b.text);
    text += '\n';
  }
  write_text_atomically(path, text);  // hidden temporary name, fsync, rename; removed on failure
}

// The line at which duplicate rows overflow a sum (write_universe found the key; the lines were
// gone by then). Only on that error path: the file is read again, as it was the first time, each
// rank its share, keeping the counts of the rows with that key; their running sums in file order
// give the line (prefix sums across ranks). Collective; throws the InputError on every rank.
struct OverflowSearch {
  const Comm& comm;
  const IngestOptions& o;
  const Providers& providers;
  const std::vector<Code>& codes;
  std::size_t min_chunks;

  template <class Base>
  struct Chunk : Base {
    std::vector<CountsAtLine> found;
  };

  [[noreturn]] void claims(const csv::MappedFile& file, const ClaimsLayout& layout, const NpiIndex& index,
                           const ClaimRow& key) const {
    const Code& code = codes[key.code];
    csv::CodeKey code_key;
    code_key.system = static_cast<std::uint8_t>(code.system);
    code_key.size = static_cast<std::uint8_t>(code.code.size());
    std::memcpy(code_key.text, code.code.data(), code.code.size());
    const std::string_view data = file.view();
    auto chunks = parse_chunks<Chunk<ClaimsChunk>>(
        data, plan_chunks(data, layout.data_begin, comm.rank(), comm.size(), o.chunk_bytes, min_chunks), kClaimsFile, 0,
        [&](std::string_view text, Chunk<ClaimsChunk>& c) { find_claims(layout, index, text, key, code_key, c, c.found); });
    number_lines(&comm, layout.header_lines, chunks);
    name_line(o.claims, found_rows(chunks), {layout.names[layout.services], layout.names[layout.patients], ""},
              "NPI " + std::to_string(providers.npi[key.provider]) + ", " +
                  std::string(kCodeSystemNames[static_cast<std::size_t>(code.system)]) + " " + code.code + ", week " +
                  format_week(key.week));
  }

  [[noreturn]] void edges(const csv::MappedFile& file, const ReferralsLayout& layout, const NpiIndex& index,
                          const EdgeRow& key) const {
    const std::string_view data = file.view();
    auto chunks = parse_chunks<Chunk<EdgesChunk>>(
        data, plan_chunks(data, layout.data_begin, comm.rank(), comm.size(), o.chunk_bytes, min_chunks), kReferralsFile, 0,
        [&](std::string_view text, Chunk<EdgesChunk>& c) { find_edges(layout, index, text, key, c, c.found); });
    number_lines(&comm, layout.header_lines, chunks);
    std::array<std::string, 3> fields;
    const auto columns = edge_count_columns(layout.format);
    for (std::size_t k = 0; k < 3; ++k) fields[k] = columns[k] == kNoColumn ? "" : layout.names[columns[k]];
    name_line(o.referrals, found_rows(chunks), fields,
              "NPI " + std::to_string(providers.npi[key.src]) + " to " + std::to_string(providers.npi[key.dst]));
  }

  template <class C>
  static std::vector<CountsAtLine> found_rows(std::vector<C>& chunks) {
    std::vector<CountsAtLine> rows;
    for (auto& c : chunks)
      for (CountsAtLine f : c.found) {
        f.line += c.first_line;
        rows.push_back(f);
      }
    return rows;
  }

  // `rows`: this rank's rows of the key in file order (ranks hold consecutive parts of the file).
  [[noreturn]] void name_line(const std::string& file, const std::vector<CountsAtLine>& rows,
                              const std::array<std::string, 3>& fields, const std::string& key) const {
    std::array<std::uint64_t, 3> sum{};
    for (const auto& r : rows)
      for (std::size_t k = 0; k < 3; ++k) sum[k] += r.counts[k];
    for (std::size_t k = 0; k < 3; ++k) sum[k] = comm.exscan_sum(sum[k]);  // the rows before this rank's
    std::vector<std::uint64_t> crossing;  // line, count, sum
    for (std::size_t i = 0; i < rows.size() && crossing.empty(); ++i)
      for (std::size_t k = 0; k < 3 && crossing.empty(); ++k)
        if ((sum[k] += rows[i].counts[k]) > UINT32_MAX) crossing = {rows[i].line, k, sum[k]};
    const int at = comm.first_failed(!crossing.empty());
    if (at < 0) throw std::runtime_error("summing duplicate rows of " + key + " in " + file +
                                         " overflows, but the rows are not found again (did the file change?)");
    comm.bcast(crossing, at);
    std::vector<std::uint64_t> first = {rows.empty() ? 0 : rows.front().line};
    comm.bcast(first, comm.first_failed(!rows.empty()));
    throw InputError(file, crossing[0], fields[crossing[1]],
                     "duplicate rows (" + key + ") sum to " + std::to_string(crossing[2]) +
                         " here, more than 4294967295 (the first of them is on line " + std::to_string(first[0]) + ")");
  }
};

// `clock`: today by the clock of rank 0 (days since 1970-01-01, UTC); --today replaces it.
void check_options(const IngestOptions& o, ClaimsFormat format, std::int64_t clock, std::int64_t* today,
                   std::int32_t* period_week) {
  *today = clock;
  if (!o.today.empty()) {
    const auto days = parse_date(o.today);
    if (!days) throw ConfigError("--today", 0, "", text::quote(o.today) + " is not a date (YYYY-MM-DD)");
    *today = *days;
  }
  if (format == ClaimsFormat::cms_puf) {
    if (o.period.empty()) throw ConfigError("--period", 0, "", "required with --claims-format cms-puf (a Monday, YYYY-MM-DD)");
    const std::string problem = monday_problem(o.period, period_week);
    if (!problem.empty()) throw ConfigError("--period", 0, "", problem);
    if (*period_week > latest_week(*today)) throw ConfigError("--period", 0, "", future_reason(o.period, *today));
  } else if (!o.period.empty()) {
    throw ConfigError("--period", 0, "", "only used with --claims-format cms-puf");
  }
  const std::filesystem::path out(o.out);
  const std::filesystem::path dir = out.parent_path().empty() ? std::filesystem::path(".") : out.parent_path();
  if (!std::filesystem::is_directory(dir)) throw ConfigError("--out", 0, "", "folder '" + dir.string() + "' does not exist");
  if (const std::string problem = name_length_problem(o.out); !problem.empty()) throw ConfigError("--out", 0, "", problem);
  for (const std::string* in : {&o.providers, &o.claims, &o.referrals}) {
    std::error_code ec;
    if (std::filesystem::equivalent(*in, o.out, ec)) throw ConfigError("--out", 0, "", "'" + o.out + "' is an input file");
  }
}

int run_ingest(const Comm& comm, const IngestOptions& o) {
  const auto t_start = std::chrono::steady_clock::now();
  const int threads = omp_get_max_threads();
  const std::string paths[3] = {o.providers, o.claims, o.referrals};
  // Each chunk keeps the text of its first `keep` bad rows: all of them when the run tolerates
  // them (they go to the rejects file), else enough for the first messages.
  const std::size_t keep = static_cast<std::size_t>(std::min<std::uint64_t>(std::max<std::uint64_t>(o.max_bad_rows, kShownBadRows), SIZE_MAX / 2));
  const ClaimsFormat claims_format = o.claims_format == "cms-puf" ? ClaimsFormat::cms_puf : ClaimsFormat::weekly;
  const ReferralsFormat referrals_format =
      o.referrals_format == "hop-teaming" ? ReferralsFormat::hop_teaming : ReferralsFormat::cms;

  // ---- 1. open and check the files -------------------------------------------------------
  // One clock for all ranks (they could straddle midnight).
  std::vector<std::int64_t> clock = {comm.root() ? static_cast<std::int64_t>(std::time(nullptr)) / 86400 : 0};
  comm.bcast(clock);
  std::int64_t today = 0;
  std::int32_t period_week = 0;
  std::unique_ptr<csv::MappedFile> providers_file, claims_file, referrals_file;
  ProvidersLayout providers_layout;
  ClaimsLayout claims_layout;
  ReferralsLayout referrals_layout;
  collectively(comm, [&] {
    check_options(o, claims_format, clock[0], &today, &period_week);
    providers_file = std::make_unique<csv::MappedFile>(o.providers);
    claims_file = std::make_unique<csv::MappedFile>(o.claims);
    referrals_file = std::make_unique<csv::MappedFile>(o.referrals);
    providers_layout = read_providers_header(o.providers, providers_file->view());
    claims_layout = read_claims_header(o.claims, claims_file->view(), claims_format, period_week);
    claims_layout.set_today(today);
    referrals_layout = read_referrals_header(o.referrals, referrals_file->view(), referrals_format);
  });
  const std::uint64_t input_bytes = providers_file->size() + claims_file->size() + referrals_file->size();

  // ---- 2. providers: the whole file on every rank ----------------------------------------
  std::vector<BadRow> bad_rows;
  std::uint64_t bad_count = 0;
  Providers providers;
  BadRows duplicates(kProvidersFile, keep);
  std::uint64_t providers_read = 0;
  {
    const std::string_view data = providers_file->view();
    auto chunks = parse_chunks<ProvidersChunk>(
        data, plan_chunks(data, providers_layout.data_begin, 0, 1, o.chunk_bytes, static_cast<std::size_t>(threads)),
        kProvidersFile, keep, [&](std::string_view text, ProvidersChunk& c) { parse_providers(providers_layout, text, c); });
    number_lines(nullptr, providers_layout.header_lines, chunks);
    collectively(comm, [&] { providers = build_providers(o.providers, chunks, duplicates); });
    providers_read = sum_of(chunks, [](const auto& c) { return c.rows_read; });
    if (comm.root()) {  // every rank found the same bad rows: rank 0 reports them
      collect_bad_rows(chunks, bad_rows, bad_count);
      bad_count += duplicates.count();
      for (auto& b : duplicates.rows()) bad_rows.push_back(std::move(b));
    }
  }
  const NpiIndex npi_index(providers.npi);

  // ---- 3. claims and referrals: this rank's share ----------------------------------------
  const auto min_chunks = static_cast<std::size_t>(threads);
  const std::string_view claims_data = claims_file->view();
  auto claims_chunks = parse_chunks<ClaimsChunk>(
      claims_data, plan_chunks(claims_data, claims_layout.data_begin, comm.rank(), comm.size(), o.chunk_bytes, min_chunks),
      kClaimsFile, keep,
      [&](std::string_view text, ClaimsChunk& c) { parse_claims(claims_layout, npi_index, text, c); });
  number_lines(&comm, claims_layout.header_lines, claims_chunks);

  const std::string_view referrals_data = referrals_file->view();
  auto edge_chunks = parse_chunks<EdgesChunk>(
      referrals_data,
      plan_chunks(referrals_data, referrals_layout.data_begin, comm.rank(), comm.size(), o.chunk_bytes, min_chunks),
      kReferralsFile, keep,
      [&](std::string_view text, EdgesChunk& c) { parse_referrals(referrals_layout, npi_index, text, c); });
  number_lines(&comm, referrals_layout.header_lines, edge_chunks);

  IngestCounters counters;
  counters.claims_rows = comm.sum(sum_of(claims_chunks, [](const auto& c) { return c.rows_read; }));
  counters.claims_unknown_npi = comm.sum(sum_of(claims_chunks, [](const auto& c) { return c.unknown_npi; }));
  const std::uint64_t pseudo_records = comm.sum(sum_of(claims_chunks, [](const auto& c) { return c.pseudo_records; }));
  counters.edge_rows = comm.sum(sum_of(edge_chunks, [](const auto& c) { return c.rows_read; }));
  counters.edges_unknown_npi = comm.sum(sum_of(edge_chunks, [](const auto& c) { return c.unknown_npi; }));
  counters.edges_self_loops = comm.sum(sum_of(edge_chunks, [](const auto& c) { return c.self_loops; }));

  // ---- 4. the code dictionary -------------------------------------------------------------
  std::vector<Code> codes;
  std::vector<ClaimRow> claims = gather_claims(comm, claims_chunks, codes);
  std::vector<EdgeRow> edges = gather_edges(edge_chunks);

  // ---- 5. bad rows ------------------------------------------------------------------------
  collect_bad_rows(claims_chunks, bad_rows, bad_count);
  collect_bad_rows(edge_chunks, bad_rows, bad_count);
  claims_chunks = {};
  edge_chunks = {};
  BadRowReport report = gather_bad_rows(comm, std::move(bad_rows), bad_count, o.max_bad_rows, kShownBadRows);
  counters.bad_rows = report.total;
  if (report.total > o.max_bad_rows) {
    if (report.total == 1) {  // one message says it all (only rank 0's is printed)
      if (comm.root()) throw InputError(paths[report.rows[0].file], report.rows[0].line, report.rows[0].field,
                                        report.rows[0].reason);
      throw InputError(o.out, 0, "", "not written: 1 bad row");
    }
    if (comm.root()) {
      print_rows("error", report.rows, paths);
      if (report.total > report.rows.size())
        std::fprintf(stderr, "error: ... and %llu more bad rows\n",
                     static_cast<unsigned long long>(report.total - report.rows.size()));
      std::fflush(stderr);
    }
    throw InputError(o.out, 0, "",
                     "not written: " + std::to_string(report.total) + " bad rows, more than --max-bad-rows " +
                         std::to_string(o.max_bad_rows));
  }
  collectively(comm, [&] {
    if (providers.size() == 0) throw InputError(o.providers, 0, "", "no valid provider rows");
  });
  const double read_seconds = comm.max(seconds_since(t_start));

  // ---- 6. write -----------------------------------------------------------------------------
  auto t_phase = std::chrono::steady_clock::now();
  UniverseMeta meta;
  meta.source = "ingest";
  meta.inputs = describe_inputs(comm, o);
  meta.counters = counters;
  const double hash_seconds = comm.max(seconds_since(t_phase));
  t_phase = std::chrono::steady_clock::now();
  const std::uint64_t claims_kept = comm.sum(std::uint64_t{claims.size()});
  const std::uint64_t edges_kept = comm.sum(std::uint64_t{edges.size()});
  try {
    counters = write_universe(comm, o.out, providers, codes, std::move(claims), std::move(edges), meta);
  } catch (const DuplicateSumOverflow& overflow) {  // thrown on every rank, nothing written
    const OverflowSearch search{comm, o, providers, codes, min_chunks};
    if (overflow.in_claims) search.claims(*claims_file, claims_layout, npi_index, overflow.claim);
    search.edges(*referrals_file, referrals_layout, npi_index, overflow.edge);
  }
  const double write_seconds = comm.max(seconds_since(t_phase));
  if (comm.root()) std::fputs(describe_removed_temporaries(counters.stale_temporaries).c_str(), stdout);

  const std::string rejects = o.out + ".rejects.csv";
  if (comm.root()) {
    if (report.total > 0) {
      write_rejects(rejects, report.rows, paths);
    } else {
      std::error_code ec;
      std::filesystem::remove(rejects, ec);  // a stale list from an earlier run would mislead
    }
  }
  const double total_seconds = comm.max(seconds_since(t_start));

  // ---- 7. summary -------------------------------------------------------------------------
  if (comm.root()) {
    if (report.total > 0) {
      print_rows("warning", std::vector<BadRow>(report.rows.begin(), report.rows.begin() + static_cast<std::ptrdiff_t>(
                                                                         std::min(report.rows.size(), kShownBadRows))),
                 paths);
      std::fprintf(stderr, "warning: %llu bad rows skipped (--max-bad-rows %llu), listed in %s\n",
                   static_cast<unsigned long long>(report.total), static_cast<unsigned long long>(o.max_bad_rows),
                   rejects.c_str());
    }
    auto u = [](std::uint64_t v) { return static_cast<unsigned long long>(v); };
    std::printf("ingest: %s: %llu rows, %llu providers\n", o.providers.c_str(), u(providers_read), u(providers.size()));
    std::printf("ingest: %s: %llu rows, %llu unknown NPI skipped, %llu merged", o.claims.c_str(), u(counters.claims_rows),
                u(counters.claims_unknown_npi), u(counters.claims_merged));
    if (pseudo_records) std::printf(", %llu copyright pseudo-records skipped", u(pseudo_records));
    std::printf("\ningest: %s: %llu rows, %llu unknown NPI, %llu self-loops removed, %llu merged\n", o.referrals.c_str(),
                u(counters.edge_rows), u(counters.edges_unknown_npi), u(counters.edges_self_loops), u(counters.edges_merged));
    if (report.total > 0) std::printf("ingest: %llu bad rows rejected -> %s\n", u(report.total), rejects.c_str());
    std::printf("ingest: read %.1f MB of CSV in %.3f s (%.0f MB/s) on %d ranks x %d threads; %zu codes\n",
                static_cast<double>(input_bytes) / 1e6, read_seconds,
                static_cast<double>(input_bytes) / 1e6 / std::max(read_seconds, 1e-9), comm.size(), threads, codes.size());
    std::printf("ingest: wrote %s: %llu providers, %llu claims, %llu edges (hash %.3f s, write %.3f s, total %.3f s)\n",
                o.out.c_str(), u(providers.size()), u(claims_kept - counters.claims_merged),
                u(edges_kept - counters.edges_merged), hash_seconds, write_seconds, total_seconds);
    std::fflush(stdout);
  }
  return kExitOk;
}

}  // namespace

void register_ingest(CLI::App& app, std::vector<Command>& commands) {
  auto o = std::make_shared<IngestOptions>();
  auto* sub = app.add_subcommand("ingest", "validate the CSV inputs (SPEC section 2) and write universe.h5");
  sub->add_option("--providers", o->providers, "providers.csv: npi,entity_type,taxonomy,specialty,state,zip5")->required();
  sub->add_option("--claims", o->claims, "claims file (see --claims-format)")->required();
  sub->add_option("--referrals", o->referrals, "referral edges (see --referrals-format)")->required();
  sub->add_option("--out", o->out, "universe.h5 to write (atomically)")->required();
  sub->add_option("--claims-format", o->claims_format,
                  "weekly (npi,code_system,code,week,services,patients) or cms-puf (CMS by provider and service)")
      ->check(CLI::IsMember({"weekly", "cms-puf"}))
      ->capture_default_str();
  sub->add_option("--period", o->period, "cms-puf: the Monday (YYYY-MM-DD) the whole file's services land in");
  sub->add_option("--referrals-format", o->referrals_format,
                  "cms (npi_from,npi_to,pair_count,bene_count,same_day_count) or hop-teaming (CareSet)")
      ->check(CLI::IsMember({"cms", "hop-teaming"}))
      ->capture_default_str();
  sub->add_option("--today", o->today,
                  "the date to take as today (YYYY-MM-DD; default: the UTC date): claims weeks more than 7 days "
                  "later are bad rows, a later --period is refused (for tests and replays of old files)");
  sub->add_option("--max-bad-rows", o->max_bad_rows,
                  "bad rows tolerated; they are skipped and listed in <out>.rejects.csv (default 0: any bad row fails)")
      ->capture_default_str();
  // Testing aid: small chunks make tiny files exercise the chunked, threaded reading.
  sub->add_option("--chunk-bytes", o->chunk_bytes, "bytes per parsing chunk")->group("")->check(CLI::PositiveNumber);
  commands.push_back({sub, [o](const Comm& comm, const Observers&) { return run_ingest(comm, *o); }});
}

}  // namespace signalrank
