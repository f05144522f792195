// signalrank export: a snapshot's top-N target list as RFC 4180 CSV for a CRM import, joined
// with the provider attributes of universe.h5, filtered, never holding a suppressed NPI. Serial:
// runs on rank 0 (any extra ranks wait). Contract in src/commands/export.hpp; formats in README,
// "Activation and closed loop".
#include "src/commands/export.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>

#include "io/error.hpp"
#include "io/hash.hpp"
#include "io/ingest_suppression.hpp"
#include "io/text.hpp"
#include "src/commands/support.hpp"
#include "src/commands/commands.hpp"

namespace signalrank {

namespace {

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

TargetList select_targets(const Snapshot& s, const Providers& providers, const std::vector<std::uint8_t>& newer_suppressed,
                          const ExportFilters& f, const ScoreExplainer& explainer) {
  // Filters resolved once: per specialty-dictionary entry, and upper-cased values.
  std::vector<std::string> states, specialties;
  for (const auto& v : f.states) states.push_back(upper(v));
  for (const auto& v : f.specialties) specialties.push_back(upper(v));
  const std::string taxonomy_prefix = upper(f.taxonomy_prefix);
  std::vector<std::uint8_t> specialty_name_ok(providers.specialty_names.size(), 0);
  for (std::size_t k = 0; k < providers.specialty_names.size(); ++k)
    specialty_name_ok[k] = std::find(specialties.begin(), specialties.end(), upper(providers.specialty_names[k])) !=
                           specialties.end();

  auto passes = [&](std::size_t row, std::size_t p) {
    if (f.trigger_only && s.trigger[row] == 0) return false;
    if (f.min_volume && !(s.volume[row] >= *f.min_volume)) return false;
    if (!states.empty() &&
        std::find(states.begin(), states.end(), std::string(providers.state_of(p))) == states.end())
      return false;
    const std::string taxonomy = upper(providers.taxonomy_of(p));
    if (!taxonomy_prefix.empty() && taxonomy.rfind(taxonomy_prefix, 0) != 0) return false;
    if (!specialties.empty() && !specialty_name_ok[providers.specialty[p]] &&
        std::find(specialties.begin(), specialties.end(), taxonomy) == specialties.end())
      return false;
    return true;
  };

  TargetList out;
  for (std::size_t row = 0; row < s.size(); ++row) {
    out.suppressed_in_snapshot += s.suppressed[row] != 0;
    // Ranked rows only: ineligible (and so suppressed) providers have rank 0. The suppressed flag
    // is tested as well, so a hand-edited or inconsistent file still cannot leak an opt-out.
    if (s.rank[row] == 0 || !s.eligible[row] || s.suppressed[row]) continue;
    ++out.ranked;
    const std::int64_t p = index_of(providers.npi, s.npi[row]);
    if (p < 0) throw std::logic_error(fmt::format("NPI {} of the snapshot is not in the universe", s.npi[row]));
    const auto pi = static_cast<std::size_t>(p);
    if (!passes(row, pi)) continue;
    if (!newer_suppressed.empty() && newer_suppressed[pi]) {
      ++out.removed_by_newer;
      out.removed_from_top += out.rows.size() < f.top;
      continue;
    }
    ++out.passing;
    if (out.rows.size() >= f.top) continue;  // keep counting for the report
    TargetRow r;
    r.rank = s.rank[row];
    r.npi = s.npi[row];
    r.score = s.score[row];
    r.specialty = providers.specialty_of(pi);
    r.state = std::string(providers.state_of(pi));
    r.volume = s.volume[row];
    r.growth = s.growth[row];
    r.pagerank_pct = s.pct_pagerank[row];
    r.peer_exposure = s.peer_exposure[row];
    r.trigger = s.trigger[row];
    r.reasons = explainer.reasons(s.pct_volume[row], s.pct_growth[row], s.pct_pagerank[row],
                                  s.pct_peer_exposure[row], s.trigger[row], s.growth[row]);
    out.rows.push_back(std::move(r));
  }
  return out;
}

std::string targets_csv(const std::vector<TargetRow>& rows) {
  std::string out = csv_record({"rank", "npi", "score", "specialty", "state", "volume", "growth", "pagerank_pct",
                                "peer_exposure", "trigger", "reasons"});
  for (const auto& r : rows)
    out += csv_record({std::to_string(r.rank), std::to_string(r.npi), fmt::format("{:.6f}", r.score), r.specialty,
                       r.state, fmt::format("{}", r.volume), fmt::format("{:.4f}", r.growth),
                       fmt::format("{:.4f}", r.pagerank_pct), fmt::format("{:.4f}", r.peer_exposure),
                       std::to_string(r.trigger), r.reasons});
  return out;
}

// ---- the command ---------------------------------------------------------------------------------

namespace {

struct ExportOptions {
  std::string snapshot, universe, out;
  std::vector<std::string> suppression;
  ExportFilters filters;
  double min_volume = -1;
  bool allow_other_universe = false;
};

// The snapshot must have been scored from this universe file: same bytes and xxh3 as recorded in
// its `inputs` (unless allowed otherwise), and in any case exactly the same NPIs.
void check_universe(const ExportOptions& o, const Snapshot& s, const Providers& providers) {
  if (auto rec = recorded_input(s, "universe")) {
    const std::uint64_t bytes = std::filesystem::file_size(o.universe);
    bool same = bytes == rec->bytes;
    std::string hash = "(not hashed: the sizes differ)";
    if (same) {
      hash = hex64(describe_input_cached("universe", o.universe).xxh3);
      same = hash == rec->xxh3;
    }
    if (!same && !o.allow_other_universe)
      throw ConfigError(o.snapshot, 0, "inputs",
                        fmt::format("the snapshot was scored from universe '{}' ({} bytes, xxh3 {}), not from '{}' ({} "
                                    "bytes, xxh3 {}); pass --allow-other-universe to take provider attributes from "
                                    "'{}' anyway (its NPIs must still match)",
                                    rec->path, rec->bytes, rec->xxh3, o.universe, bytes, hash, o.universe));
    if (!same) std::printf("export: note: the snapshot was scored from '%s', not '%s' (allowed)\n", rec->path.c_str(),
                           o.universe.c_str());
  }
  check_same_npis(o.snapshot, s, providers.npi, "universe '" + o.universe + "'");
}

int run_export(const Comm&, ExportOptions o) {
  if (o.min_volume >= 0) o.filters.min_volume = o.min_volume;
  for (const auto& st : o.filters.states)
    if (st.size() != 2 || !std::isalpha(static_cast<unsigned char>(st[0])) || !std::isalpha(static_cast<unsigned char>(st[1])))
      throw ConfigError("--state", 0, "", text::quote(st) + " is not a 2-letter state code");
  check_output_folder("--out", o.out);
  check_input_file("--universe", o.universe);

  const Snapshot s = open_snapshot("--snapshot", o.snapshot);
  const Comm self(MPI_COMM_SELF);
  const Providers providers = [&] {
    try {
      return UniverseReader(self, o.universe).read_providers();
    } catch (const InputError&) {
      throw;
    } catch (const std::exception& e) {
      throw InputError(o.universe, 0, "", std::string("not a readable universe.h5: ") + e.what());
    }
  }();
  check_universe(o, s, providers);
  const ScoreExplainer explainer = ScoreExplainer::from_campaign_toml(s.campaign_toml, o.snapshot);

  for (const auto& sp : o.filters.specialties) {
    const std::string want = upper(sp);
    bool known = std::any_of(providers.specialty_names.begin(), providers.specialty_names.end(),
                             [&](const std::string& n) { return upper(n) == want; });
    for (std::size_t i = 0; !known && i < providers.size(); ++i) known = upper(providers.taxonomy_of(i)) == want;
    if (!known)
      throw ConfigError("--specialty", 0, "", text::quote(sp) + " is neither a specialty name nor a taxonomy code of the universe");
  }

  // Suppression lists: every --suppression file, and the snapshot's own list, re-read from the
  // absolute path score recorded (it only ever grows for compliance: an opt-out added after
  // scoring must not be exported). When that list cannot be read here, the export refuses unless
  // --suppression gives the list to use instead: it never proceeds without the opt-outs.
  std::vector<std::uint8_t> newer;
  auto apply = [&](const std::string& path, const char* why) {
    SuppressionStats st;
    const std::vector<std::uint8_t> flags = read_suppression(path, providers, &st);
    if (newer.empty()) newer.assign(providers.size(), 0);
    for (std::size_t i = 0; i < flags.size(); ++i) newer[i] |= flags[i];
    std::printf("export: suppression %s (%s): %llu rows, %llu providers of the universe, %llu NPIs not in it\n",
                path.c_str(), why, static_cast<unsigned long long>(st.rows), static_cast<unsigned long long>(st.suppressed),
                static_cast<unsigned long long>(st.unknown_npi));
  };
  for (const auto& path : o.suppression) apply(path, "--suppression");
  if (auto rec = recorded_input(s, "suppression")) {
    const std::filesystem::path recorded(rec->path);
    std::string unreadable;
    if (!recorded.is_absolute()) {
      unreadable = "it was recorded relative to the folder score ran in";
    } else if (FILE* f = std::fopen(rec->path.c_str(), "rb")) {
      std::fclose(f);
    } else {
      unreadable = std::strerror(errno);
    }
    if (unreadable.empty()) {
      const InputFile now = describe_input("suppression", rec->path);
      const bool changed = now.bytes != rec->bytes || hex64(now.xxh3) != rec->xxh3;
      apply(rec->path, changed ? "the snapshot's list, changed since the snapshot was made" : "the snapshot's list");
    } else if (o.suppression.empty()) {
      throw InputError(o.snapshot, 0, "inputs",
                       fmt::format("the snapshot was scored with the suppression list '{}', which cannot be read here "
                                   "({}); an export never goes without its opt-outs: pass --suppression FILE (that "
                                   "list, or its newer version)",
                                   rec->path, unreadable));
    } else {
      std::printf("export: note: the snapshot's suppression list '%s' cannot be read here (%s); the --suppression "
                  "lists replace it\n",
                  rec->path.c_str(), unreadable.c_str());
    }
  }

  const TargetList list = select_targets(s, providers, newer, o.filters, explainer);
  write_text_atomically(o.out, targets_csv(list.rows));
  std::printf("export: %s (%s, as of %s): %llu ranked, %llu suppressed in the snapshot, %llu pass the filters\n",
              o.snapshot.c_str(), s.campaign.c_str(), s.as_of.c_str(), static_cast<unsigned long long>(list.ranked),
              static_cast<unsigned long long>(list.suppressed_in_snapshot),
              static_cast<unsigned long long>(list.passing + list.removed_by_newer));
  if (!newer.empty())
    std::printf("export: newer suppression removed %llu ranked providers that pass the filters (%llu of them would "
                "have been in the top %zu)\n",
                static_cast<unsigned long long>(list.removed_by_newer),
                static_cast<unsigned long long>(list.removed_from_top), o.filters.top);
  std::printf("export: wrote %zu rows to %s\n", list.rows.size(), o.out.c_str());
  return kExitOk;
}

}  // namespace

void register_export(CLI::App& app, std::vector<Command>& commands) {
  auto o = std::make_shared<ExportOptions>();
  CLI::App* sub = app.add_subcommand("export", "Top-N target list of a snapshot as CSV for a CRM, filtered, suppression honoured");
  sub->add_option("--snapshot", o->snapshot, "snapshot from score (OUT/<campaign>/<as_of>.h5)")->required();
  sub->add_option("--universe", o->universe, "the universe.h5 the snapshot was scored from (provider attributes)")->required();
  sub->add_option("--top", o->filters.top, "how many providers to export (after filters)")
      ->required()
      ->check(CLI::PositiveNumber);
  sub->add_option("--out", o->out, "the CSV to write (atomically)")->required();
  sub->add_option("--state", o->filters.states, "keep providers of these states (repeatable)");
  sub->add_option("--specialty", o->filters.specialties,
                  "keep providers of these specialties: NUCC name or taxonomy code, any case (repeatable)");
  sub->add_option("--taxonomy-prefix", o->filters.taxonomy_prefix, "keep providers whose taxonomy code starts so");
  sub->add_option("--min-volume", o->min_volume, "keep providers with at least this window volume")
      ->check(CLI::NonNegativeNumber);
  sub->add_flag("--trigger-only", o->filters.trigger_only, "keep providers with a trigger flag (jump or new writer)");
  sub->add_option("--suppression", o->suppression,
                  "a newer suppression list (npi[,reason]) to re-apply; repeatable")
      ->check(CLI::ExistingFile);
  sub->add_flag("--allow-other-universe", o->allow_other_universe,
                "accept a universe file other than the one the snapshot was scored from, if its NPIs are the same");
  commands.push_back({sub, [o](const Comm& comm, const Observers&) { return run_on_root(comm, [&] { return run_export(comm, *o); }); }});
}

}  // namespace signalrank
