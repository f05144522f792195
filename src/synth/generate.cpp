// signalrank generate: a synthetic universe with planted ground truth (SPEC §1-3, issue 2).
//
// Writes DIR/providers.csv, claims.csv, referrals.csv (or, with --format h5, DIR/universe.h5 in
// their place), suppression.csv, campaign.toml and truth.csv. The output is a function of the
// options only: the same bytes on 1 or N ranks and any thread count (src/synth/model.hpp).
//
// How the work is split: every rank builds the whole provider table (cheap) and produces the
// edges, adoption and claims of its share of the providers. CSV output goes out in rounds of fixed-size provider chunks (dealt round-robin to
// the ranks, see run_generate) through OrderedTextWriter, so memory stays bounded at national
// scale; inside a round, threads take sub-blocks of providers, each formatting into its own
// reused buffer, joined in provider order.
#include <omp.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "io/dates.hpp"
#include "io/error.hpp"
#include "io/h5.hpp"
#include "io/ordered_text.hpp"
#include "io/universe.hpp"
#include "partition/layout.hpp"
#include "src/commands/commands.hpp"
#include "src/synth/model.hpp"

namespace signalrank {
namespace {

using synth::Model;

struct Options {
  std::string scale = "tiny";
  std::uint64_t providers = 0;  // 0: the scale's
  std::int32_t weeks = 104;
  std::uint64_t seed = 1;
  std::string out;
  std::string format = "csv";
  std::string end_week = "2026-11-16";
  std::uint64_t round = 8192;  // providers per output chunk
  double mean_degree = 0;      // 0: the default for the provider count
  double claims_density = 0;   // 0: the default for the provider count
};

std::uint64_t scale_providers(const std::string& scale) {
  if (scale == "national") return 1'200'000;
  if (scale == "state") return 60'000;
  return 2'000;
}

// ---- text output -----------------------------------------------------------------------------

// A growable byte buffer written through raw pointers: reserve room, write, commit the end.
class TextBuffer {
 public:
  char* reserve(std::size_t n) {
    if (size_ + n > cap_) grow(size_ + n);
    return data_.get() + size_;
  }
  void commit(const char* end) { size_ = static_cast<std::size_t>(end - data_.get()); }
  void append(std::string_view s) {
    char* p = reserve(s.size());
    if (!s.empty()) std::memcpy(p, s.data(), s.size());
    commit(p + s.size());
  }
  std::string_view view() const { return {data_.get(), size_}; }
  std::size_t size() const { return size_; }
  void clear() { size_ = 0; }

 private:
  void grow(std::size_t need) {
    std::size_t cap = std::max<std::size_t>({need, cap_ * 2, 1 << 16});
    auto fresh = std::make_unique<char[]>(cap);
    if (size_) std::memcpy(fresh.get(), data_.get(), size_);
    data_ = std::move(fresh);
    cap_ = cap;
  }
  std::unique_ptr<char[]> data_;
  std::size_t size_ = 0, cap_ = 0;
};

inline char* put(char* p, std::string_view s) {
  std::memcpy(p, s.data(), s.size());
  return p + s.size();
}
inline char* put_uint(char* p, std::uint64_t v) { return std::to_chars(p, p + 20, v).ptr; }
// A number left-aligned in 10 columns, as the published shared-patient files pad them.
inline char* put_padded(char* p, std::uint64_t v) {
  char* end = std::to_chars(p, p + 20, v).ptr;
  while (end < p + 10) *end++ = ' ';
  return end;
}

// RFC 4180: quote a field holding a comma, quote or line break.
std::string csv_field(std::string_view s) {
  if (s.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(s);
  std::string q = "\"";
  for (char c : s) {
    if (c == '"') q += '"';
    q += c;
  }
  return q + "\"";
}

// Strings that every row reuses, built once: "CPT,99213," per code, "2026-11-16," per week,
// "1,207Q00000X,Family Medicine Physician," per taxonomy, "CA," per state.
struct RowText {
  std::vector<std::string> code, week, taxonomy, state;
  explicit RowText(const Model& model) {
    for (const Code& c : model.codes())
      code.push_back(std::string(kCodeSystemNames[static_cast<int>(c.system)]) + "," + c.code + ",");
    for (std::int32_t w = 0; w < model.params().weeks; ++w) week.push_back(format_week(model.first_week() + w) + ",");
    for (const auto& t : synth::kTaxonomies)
      taxonomy.push_back(std::to_string(t.entity_type) + "," + t.code + "," + csv_field(t.name) + ",");
    for (const auto& s : synth::kStates) state.push_back(std::string(s.usps) + ",");
  }
};

// ---- per sub-block work ----------------------------------------------------------------------

struct Counters {
  std::uint64_t claims = 0, edges = 0, adopters = 0, wave2 = 0, background = 0, suppressed = 0;
  void add(const Counters& o) {
    claims += o.claims;
    edges += o.edges;
    adopters += o.adopters;
    wave2 += o.wave2;
    background += o.background;
    suppressed += o.suppressed;
  }
};

// What one sub-block of providers produced (buffers kept across rounds: no allocation per row).
struct BlockOut {
  TextBuffer providers, claims, referrals, suppression, truth;
  std::vector<ClaimRow> claim_rows;
  std::vector<EdgeRow> edge_rows;
  std::vector<std::uint8_t> used_codes;
  Counters counters;
  void clear() {
    providers.clear();
    claims.clear();
    referrals.clear();
    suppression.clear();
    truth.clear();
    claim_rows.clear();
    edge_rows.clear();
    counters = {};
  }
};

struct ThreadWork {
  synth::Scratch scratch;
  std::vector<synth::OutEdge> edges;
  std::vector<synth::Cell> cells;
};

void generate_block(const Model& model, const RowText& text, bool csv, std::uint64_t begin, std::uint64_t end,
                    ThreadWork& work, BlockOut& out) {
  out.clear();
  if (!csv) out.used_codes.resize(model.codes().size(), 0);
  char npi_text[24], dst_text[24];
  for (std::uint64_t i = begin; i < end; ++i) {
    const std::string_view npi(npi_text, static_cast<std::size_t>(put_uint(npi_text, model.npi(i)) - npi_text));

    if (csv) {
      char* p = out.providers.reserve(256);
      p = put(p, npi);
      *p++ = ',';
      p = put(p, text.taxonomy[model.taxonomy_index(i)]);
      p = put(p, {model.state(i).usps, 2});
      *p++ = ',';
      p = put(p, {model.zip5(i).data(), 5});
      *p++ = '\n';
      out.providers.commit(p);
    }

    const int reason = model.suppression(i);
    if (reason >= 0) {
      ++out.counters.suppressed;
      char* p = out.suppression.reserve(64);
      p = put(p, npi);
      *p++ = ',';
      p = put(p, synth::kSuppressionReasons[reason].reason);
      *p++ = '\n';
      out.suppression.commit(p);
    }

    model.out_edges(i, work.scratch, work.edges);
    out.counters.edges += work.edges.size();
    if (csv) {
      char* p = out.referrals.reserve(work.edges.size() * 56);
      for (const auto& e : work.edges) {
        p = put(p, npi);
        *p++ = ',';
        p = put(p, {dst_text, static_cast<std::size_t>(put_uint(dst_text, model.npi(e.dst)) - dst_text)});
        *p++ = ',';
        p = put_padded(p, e.pair_count);
        *p++ = ',';
        p = put_padded(p, e.bene_count);
        *p++ = ',';
        p = put_padded(p, e.same_day);
        *p++ = '\n';
      }
      out.referrals.commit(p);
    } else {
      for (const auto& e : work.edges)
        out.edge_rows.push_back({static_cast<std::uint32_t>(i), e.dst, e.pair_count, e.bene_count, e.same_day});
    }

    const synth::Adoption adoption = model.adoption(i, work.edges);
    if (adoption.week >= 0) {
      ++out.counters.adopters;
      out.counters.wave2 += adoption.wave2;
      char* p = out.truth.reserve(32);
      p = put(p, npi);
      *p++ = ',';
      const std::string& week = text.week[adoption.week];
      p = put(p, {week.data(), week.size() - 1});  // without its trailing comma
      *p++ = '\n';
      out.truth.commit(p);
    }
    out.counters.background += adoption.background;

    work.cells.clear();
    model.claims(i, adoption, work.scratch, work.cells);
    out.counters.claims += work.cells.size();
    if (csv) {
      char* p = out.claims.reserve(work.cells.size() * 72);
      for (const auto& c : work.cells) {
        p = put(p, npi);
        *p++ = ',';
        p = put(p, text.code[c.code]);
        p = put(p, text.week[c.week]);
        p = put_uint(p, c.services);
        *p++ = ',';
        p = put_uint(p, c.patients);
        *p++ = '\n';
      }
      out.claims.commit(p);
    } else {
      const std::int32_t first = model.first_week();
      for (const auto& c : work.cells) {
        out.claim_rows.push_back({static_cast<std::uint32_t>(i), first + c.week, c.code, c.services, c.patients});
        out.used_codes[c.code] = 1;
      }
    }
  }
}

// ---- small files -----------------------------------------------------------------------------

std::string campaign_toml(const Options& o) {
  std::string codes;
  for (const char* spec : synth::kCampaignSpecs) codes += std::string(codes.empty() ? "" : ", ") + "\"" + spec + "\"";
  return "# Campaign for the synthetic universe written by `signalrank generate --seed " + std::to_string(o.seed) +
         "`.\n"
         "# The planted activity is TAVR (transcatheter aortic valve replacement): truth.csv lists the\n"
         "# providers (individuals and organizations) that took it up and the week they did.\n"
         "name = \"tavr\"\n"
         "codes = [" + codes + "]\n"
         "window_weeks = 13\n"
         "slope_weeks = 26\n"
         "trigger_weeks = 4\n"
         "baseline_weeks = 26\n"
         "trigger_z = 3.0\n"
         "trigger_min = 5\n"
         "damping = 0.85\n"
         "tolerance = 1e-10\n"
         "max_iterations = 200\n"
         "personalize = \"volume\"\n"
         "entity_types = [1]\n"
         "specialties = []\n"
         "states = []\n"
         "suppression = \"suppression.csv\"\n"
         "\n"
         "[weights]\n"
         "volume = 0.2\n"
         "growth = 0.25\n"
         "pagerank = 0.3\n"
         "peer_exposure = 0.15\n"
         "trigger = 0.1\n";
}

void write_small_file(const std::string& path, const std::string& text) {
  h5::AtomicPath target(path, nullptr);
  {
    std::ofstream f(target.temp(), std::ios::binary | std::ios::trunc);
    f << text;
    f.flush();
    if (!f) throw std::runtime_error("cannot write " + target.temp());
  }
  target.commit();
}

std::string describe_command(const Options& o, std::uint64_t providers) {
  return "signalrank generate --scale " + o.scale + " --providers " + std::to_string(providers) + " --weeks " +
         std::to_string(o.weeks) + " --seed " + std::to_string(o.seed) + " --end-week " + o.end_week +
         " --format " + o.format;
}

// The provider table as write_universe wants it: the same on every rank, specialty names sorted.
Providers provider_table(const Model& model) {
  Providers p;
  const std::uint64_t P = model.size();
  std::vector<std::uint8_t> used(std::size(synth::kTaxonomies), 0);
  for (std::uint64_t i = 0; i < P; ++i) used[model.taxonomy_index(i)] = 1;
  for (std::size_t t = 0; t < used.size(); ++t)
    if (used[t]) p.specialty_names.emplace_back(synth::kTaxonomies[t].name);
  std::sort(p.specialty_names.begin(), p.specialty_names.end());
  std::vector<std::uint16_t> specialty_of(used.size(), 0);
  for (std::size_t t = 0; t < used.size(); ++t) {
    if (!used[t]) continue;
    auto it = std::lower_bound(p.specialty_names.begin(), p.specialty_names.end(), synth::kTaxonomies[t].name);
    specialty_of[t] = static_cast<std::uint16_t>(it - p.specialty_names.begin());
  }
  p.npi.resize(P);
  p.entity_type.resize(P);
  p.taxonomy.resize(P);
  p.specialty.resize(P);
  p.state.resize(P);
  p.zip5.resize(P);
  for (std::uint64_t i = 0; i < P; ++i) {
    const auto& tax = model.taxonomy(i);
    p.npi[i] = model.npi(i);
    p.entity_type[i] = tax.entity_type;
    std::memcpy(p.taxonomy[i].data(), tax.code, 10);
    p.specialty[i] = specialty_of[model.taxonomy_index(i)];
    std::memcpy(p.state[i].data(), model.state(i).usps, 2);
    p.zip5[i] = model.zip5(i);
  }
  return p;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// ---- the command -----------------------------------------------------------------------------

int run_generate(const Comm& comm, const Options& o) {
  const auto t_start = std::chrono::steady_clock::now();
  // ---- check options ----
  std::int32_t end_week = 0;
  if (std::string why = monday_problem(o.end_week, &end_week); !why.empty())
    throw ConfigError("--end-week", 0, "", why);
  if (o.weeks < 1 || o.weeks > 2000) throw ConfigError("--weeks", 0, "", "must be between 1 and 2000");
  if (o.providers > 100'000'000) throw ConfigError("--providers", 0, "", "must be at most 100000000");
  if (o.round == 0) throw ConfigError("--round", 0, "", "must be at least 1");
  const bool csv = o.format == "csv";

  synth::ModelParams params;
  params.providers = o.providers ? o.providers : scale_providers(o.scale);
  params.weeks = o.weeks;
  params.end_week = end_week;
  params.seed = o.seed;
  params.mean_degree = o.mean_degree > 0 ? o.mean_degree : synth::default_mean_degree(params.providers);
  params.claims_density = o.claims_density > 0 ? o.claims_density : synth::default_claims_density(params.providers);

  bool dir_ok = true;
  std::string dir_error;
  if (comm.root()) {
    std::error_code ec;
    std::filesystem::create_directories(o.out, ec);
    if (ec || !std::filesystem::is_directory(o.out)) {
      dir_ok = false;
      dir_error = ec ? ec.message() : "not a directory";
    }
  }
  comm.bcast(dir_error);
  if (!comm.all(dir_ok)) throw ConfigError(o.out, 0, "--out", "cannot create the output folder: " + dir_error);
  const std::filesystem::path dir(o.out);

  // ---- the provider table and sampling tables, on every rank ----
  const Model model(params);
  const RowText text(model);
  const double t_model = seconds_since(t_start);
  if (comm.root()) {
    std::printf("generate: %llu providers, %d weeks (%s .. %s), seed %llu, mean degree %.1f, %d ranks x %d threads\n",
                static_cast<unsigned long long>(model.size()), params.weeks, format_week(model.first_week()).c_str(),
                format_week(end_week).c_str(), static_cast<unsigned long long>(params.seed), params.mean_degree,
                comm.size(), omp_get_max_threads());
    std::printf("generate: model     %8.3f s\n", t_model);
    std::fflush(stdout);
  }

  // ---- the rows, in rounds ----
  // CSV: the providers are cut into global chunks of --round providers, dealt round-robin (chunk
  // r*size + k goes to rank k in round r). Each OrderedTextWriter::append places the ranks' bytes
  // in rank order, so every round adds `size` consecutive chunks and the files come out in
  // provider order, the same bytes for any rank count. h5: each rank takes its own BlockLayout
  // block (what write_universe expects, so no row moves between ranks), in local rounds.
  const BlockLayout layout(model.size(), comm.size());
  const std::uint64_t lo = layout.begin(comm.rank()), hi = layout.end(comm.rank());
  const std::uint64_t P = model.size(), C = o.round;
  const std::uint64_t n_chunks = (P + C - 1) / C;
  const std::uint64_t rounds = csv ? (n_chunks + static_cast<std::uint64_t>(comm.size()) - 1) / static_cast<std::uint64_t>(comm.size())
                                   : (hi - lo + C - 1) / C;
  auto round_range = [&](std::uint64_t r) -> std::pair<std::uint64_t, std::uint64_t> {
    if (csv) {
      const std::uint64_t chunk = r * static_cast<std::uint64_t>(comm.size()) + static_cast<std::uint64_t>(comm.rank());
      const std::uint64_t b = std::min(P, chunk * C);
      return {b, std::min(P, b + C)};
    }
    const std::uint64_t b = std::min(hi, lo + r * C);
    return {b, std::min(hi, b + C)};
  };

  std::unique_ptr<OrderedTextWriter> providers_w, claims_w, referrals_w;
  if (csv) {
    providers_w = std::make_unique<OrderedTextWriter>(comm, (dir / "providers.csv").string());
    claims_w = std::make_unique<OrderedTextWriter>(comm, (dir / "claims.csv").string());
    referrals_w = std::make_unique<OrderedTextWriter>(comm, (dir / "referrals.csv").string());
  }
  OrderedTextWriter suppression_w(comm, (dir / "suppression.csv").string());
  OrderedTextWriter truth_w(comm, (dir / "truth.csv").string());

  constexpr std::uint64_t kSubBlock = 256;  // providers per thread task
  const int threads = std::max(1, omp_get_max_threads());
  std::vector<ThreadWork> work(static_cast<std::size_t>(threads));
  std::vector<BlockOut> blocks;
  TextBuffer providers_buf, claims_buf, referrals_buf, suppression_buf, truth_buf;
  std::vector<std::vector<ClaimRow>> claim_chunks;
  std::vector<std::vector<EdgeRow>> edge_chunks;
  std::vector<std::uint8_t> used_codes(model.codes().size(), 0);
  Counters counters;
  double t_rows = 0, t_write = 0;

  // Rank 0 owns the first chunk (CSV) or block (h5): the headers go in front of its rows.
  if (comm.root()) {
    if (csv) {
      providers_buf.append("npi,entity_type,taxonomy,specialty,state,zip5\n");
      claims_buf.append("npi,code_system,code,week,services,patients\n");
    }
    suppression_buf.append("npi,reason\n");
    truth_buf.append("npi,adoption_week\n");
  }
  for (std::uint64_t r = 0; r < rounds; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    const auto [begin, end] = round_range(r);
    const std::uint64_t nsub = (end - begin + kSubBlock - 1) / kSubBlock;
    if (blocks.size() < nsub) blocks.resize(nsub);
#pragma omp parallel for schedule(dynamic, 1)
    for (std::uint64_t b = 0; b < nsub; ++b) {
      const std::uint64_t sb = begin + b * kSubBlock, se = std::min(end, sb + kSubBlock);
      generate_block(model, text, csv, sb, se, work[static_cast<std::size_t>(omp_get_thread_num())], blocks[b]);
    }
    const auto t1 = std::chrono::steady_clock::now();
    t_rows += std::chrono::duration<double>(t1 - t0).count();

    // Join the sub-blocks in provider order.
    for (std::uint64_t b = 0; b < nsub; ++b) {
      providers_buf.append(blocks[b].providers.view());
      claims_buf.append(blocks[b].claims.view());
      referrals_buf.append(blocks[b].referrals.view());
      suppression_buf.append(blocks[b].suppression.view());
      truth_buf.append(blocks[b].truth.view());
      counters.add(blocks[b].counters);
    }
    if (csv) {
      // Collective: every rank calls append once per round, possibly with nothing.
      providers_w->append(providers_buf.view());
      claims_w->append(claims_buf.view());
      referrals_w->append(referrals_buf.view());
      suppression_w.append(suppression_buf.view());
      truth_w.append(truth_buf.view());
      providers_buf.clear();
      claims_buf.clear();
      referrals_buf.clear();
      suppression_buf.clear();
      truth_buf.clear();
    } else {
      // One exact-size chunk per round; the sub-blocks keep their (warm) buffers for the next.
      std::size_t n_claims = 0, n_edges = 0;
      for (std::uint64_t b = 0; b < nsub; ++b) {
        n_claims += blocks[b].claim_rows.size();
        n_edges += blocks[b].edge_rows.size();
      }
      std::vector<ClaimRow> claims;
      std::vector<EdgeRow> edges;
      claims.reserve(n_claims);
      edges.reserve(n_edges);
      for (std::uint64_t b = 0; b < nsub; ++b) {
        const BlockOut& blk = blocks[b];
        claims.insert(claims.end(), blk.claim_rows.begin(), blk.claim_rows.end());
        edges.insert(edges.end(), blk.edge_rows.begin(), blk.edge_rows.end());
        for (std::size_t c = 0; c < used_codes.size(); ++c) used_codes[c] |= blk.used_codes[c];
      }
      claim_chunks.push_back(std::move(claims));
      edge_chunks.push_back(std::move(edges));
    }
    t_write += seconds_since(t1);
  }
  if (!csv) {
    // The small files of a whole block at once (rank order = provider order).
    suppression_w.append(suppression_buf.view());
    truth_w.append(truth_buf.view());
  }
  blocks.clear();
  blocks.shrink_to_fit();

  const auto t_commit = std::chrono::steady_clock::now();
  if (csv) {
    providers_w->commit();
    claims_w->commit();
    referrals_w->commit();
  }

  double t_h5 = 0, t_assemble = 0;
  if (!csv) {
    const auto t0 = std::chrono::steady_clock::now();
    // The code dictionary holds the codes that occur in the claims, sorted, as ingest builds it.
    const std::vector<std::uint8_t> all_used = comm.allgatherv<std::uint8_t>(used_codes);
    const std::size_t n_codes = model.codes().size();
    std::vector<Code> dictionary;
    std::vector<std::uint32_t> remap(n_codes, 0);
    for (std::size_t c = 0; c < n_codes; ++c) {
      bool any = false;
      for (int rk = 0; rk < comm.size(); ++rk) any |= all_used[static_cast<std::size_t>(rk) * n_codes + c] != 0;
      if (!any) continue;
      remap[c] = static_cast<std::uint32_t>(dictionary.size());
      dictionary.push_back(model.codes()[c]);
    }
    // One contiguous array per kind, filled chunk by chunk and freeing each (peak: rows + a chunk).
    std::vector<ClaimRow> claims;
    std::vector<EdgeRow> edges;
    std::size_t n = 0;
    for (const auto& c : claim_chunks) n += c.size();
    claims.reserve(n);
    for (auto& c : claim_chunks) {
      for (ClaimRow row : c) {
        row.code = remap[row.code];
        claims.push_back(row);
      }
      std::vector<ClaimRow>().swap(c);
    }
    n = 0;
    for (const auto& e : edge_chunks) n += e.size();
    edges.reserve(n);
    for (auto& e : edge_chunks) {
      edges.insert(edges.end(), e.begin(), e.end());
      std::vector<EdgeRow>().swap(e);
    }
    t_assemble = seconds_since(t0);
    UniverseMeta meta;
    meta.source = "generate";
    meta.inputs.push_back({"generator", describe_command(o, model.size()), 0, 0});
    meta.counters.claims_rows = comm.sum(std::uint64_t{claims.size()});
    meta.counters.edge_rows = comm.sum(std::uint64_t{edges.size()});
    write_universe(comm, (dir / "universe.h5").string(), provider_table(model), dictionary, std::move(claims),
                   std::move(edges), std::move(meta));
    t_h5 = seconds_since(t0);
  }

  // The small files last, so that a failure above leaves no truth without its universe.
  suppression_w.commit();
  truth_w.commit();
  if (comm.root()) write_small_file((dir / "campaign.toml").string(), campaign_toml(o));
  comm.barrier();
  const double t_finish = seconds_since(t_commit);

  // ---- report ----
  const std::uint64_t n_claims = comm.sum(counters.claims), n_edges = comm.sum(counters.edges);
  const std::uint64_t n_adopters = comm.sum(counters.adopters), n_wave2 = comm.sum(counters.wave2);
  const std::uint64_t n_background = comm.sum(counters.background), n_suppressed = comm.sum(counters.suppressed);
  const double rows_max = comm.max(t_rows), write_max = comm.max(t_write), total = comm.max(seconds_since(t_start));
  if (comm.root()) {
    std::printf("generate: rows      %8.3f s (max over ranks)\n", rows_max);
    std::printf("generate: write     %8.3f s (max over ranks)\n", write_max);
    if (!csv) std::printf("generate: assemble  %8.3f s\ngenerate: universe  %8.3f s (write_universe)\n", t_assemble, t_h5 - t_assemble);
    std::printf("generate: commit    %8.3f s\n", t_finish - t_h5);
    std::printf("generate: %llu providers, %llu referral edges, %llu claim rows, %llu adopters (%llu through "
                "partners), %llu background doers, %llu suppressed\n",
                static_cast<unsigned long long>(model.size()), static_cast<unsigned long long>(n_edges),
                static_cast<unsigned long long>(n_claims), static_cast<unsigned long long>(n_adopters),
                static_cast<unsigned long long>(n_wave2), static_cast<unsigned long long>(n_background),
                static_cast<unsigned long long>(n_suppressed));
    std::printf("generate: wrote %s in %.3f s\n", o.out.c_str(), total);
    std::fflush(stdout);
  }
  return kExitOk;
}

}  // namespace

void register_generate(CLI::App& app, std::vector<Command>& commands) {
  auto o = std::make_shared<Options>();
  auto* sub = app.add_subcommand("generate", "write a synthetic universe with planted ground truth");
  sub->add_option("--scale", o->scale, "tiny (2,000 providers), state (60,000) or national (1,200,000)")
      ->check(CLI::IsMember({"tiny", "state", "national"}))
      ->capture_default_str();
  sub->add_option("--providers", o->providers, "number of providers (overrides the scale's)")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{100'000'000}));
  sub->add_option("--weeks", o->weeks, "weeks of claims, ending at --end-week")->check(CLI::Range(1, 2000))->capture_default_str();
  sub->add_option("--seed", o->seed, "random seed: the output is a function of the options")->capture_default_str();
  sub->add_option("--out", o->out, "output folder")->required();
  sub->add_option("--format", o->format, "csv, or h5: universe.h5 in place of the three big CSV files")
      ->check(CLI::IsMember({"csv", "h5"}))
      ->capture_default_str();
  sub->add_option("--end-week", o->end_week, "the last week (a Monday, YYYY-MM-DD)")->capture_default_str();
  sub->add_option("--mean-degree", o->mean_degree, "referral edges per provider (default: by provider count)")
      ->check(CLI::Range(0.0, 10000.0));
  sub->add_option("--claims-density", o->claims_density, "multiplier of all claims rates (default: by provider count)")
      ->check(CLI::Range(0.0, 1000.0));
  sub->add_option("--round", o->round, "providers per output chunk (bounds memory; does not change the output)")->capture_default_str();
  commands.push_back({sub, [o](const Comm& comm, const Observers&) { return run_generate(comm, *o); }});
}

}  // namespace signalrank
