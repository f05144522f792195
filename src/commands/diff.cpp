// signalrank diff: week-over-week movers, entrants, drop-outs, trigger changes and providers that
// joined or left the universe, between two snapshots, as CSV plus a short summary. Serial
// (rank 0). Contract in src/commands/diff.hpp.
#include "src/commands/diff.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <sstream>

#include "io/error.hpp"
#include "kernels/radix_sort.hpp"
#include "src/commands/support.hpp"
#include "src/commands/commands.hpp"

namespace signalrank {

std::string diff_kinds_text(unsigned kinds) {
  static const std::pair<unsigned, const char*> kNames[] = {
      {kEntered, "entered"},       {kDropped, "dropped"},         {kMover, "mover"},
      {kTriggerOn, "trigger_on"},  {kTriggerOff, "trigger_off"},  {kJoinedUniverse, "joined_universe"},
      {kLeftUniverse, "left_universe"}};
  std::string out;
  for (const auto& [bit, name] : kNames)
    if (kinds & bit) {
      if (!out.empty()) out += ';';
      out += name;
    }
  return out;
}

namespace {

struct NpiRow {
  std::uint64_t npi;
  std::uint32_t row, rank;
};

// The snapshot's (NPI, row, rank) records in ascending NPI order: a radix sort (linear) of
// records that carry what the merge below reads for every provider, so it reads in sequence.
// Throws InputError(file, 0, ...) when a column diff reads is not one per NPI, or when one NPI is
// in two rows.
std::vector<NpiRow> by_npi(const std::string& file, const Snapshot& s) {
  if (s.size() > UINT32_MAX) throw InputError(file, 0, "npi", fmt::format("{} rows; at most {}", s.size(), UINT32_MAX));
  for (const auto& [name, rows] : {std::pair{"rank", s.rank.size()}, std::pair{"score", s.score.size()},
                                   std::pair{"trigger", s.trigger.size()}})
    if (rows != s.size())
      throw InputError(file, 0, name, fmt::format("{} rows, but 'npi' has {}; a snapshot has one row per provider", rows,
                                                  s.size()));
  std::vector<NpiRow> order(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) order[i] = {s.npi[i], static_cast<std::uint32_t>(i), s.rank[i]};
  // Stable: of two equal NPIs the earlier row comes first, so the message names rows in order.
  kernels::radix_sort_by_key(order, [](const NpiRow& r) { return r.npi; });
  for (std::size_t k = 1; k < order.size(); ++k)
    if (order[k].npi == order[k - 1].npi)
      throw InputError(file, 0, "npi",
                       fmt::format("NPI {} is in rows {} and {} (counting from 0); a snapshot holds each provider once",
                                   order[k].npi, order[k - 1].row, order[k].row));
  return order;
}

}  // namespace

DiffResult compute_diff(const Snapshot& from, const Snapshot& to, const DiffSettings& st, const std::string& from_file,
                        const std::string& to_file) {
  // Both snapshots in ascending NPI order, merged: a provider is in both, or in one only. A
  // trigger is read where it may count, a score only for the rows kept.
  const std::vector<NpiRow> fa = by_npi(from_file, from), tb = by_npi(to_file, to);
  DiffResult out;
  std::size_t i = 0, j = 0;
  while (i < fa.size() || j < tb.size()) {
    DiffRow r;
    const bool take_from = i < fa.size() && (j == tb.size() || fa[i].npi <= tb[j].npi);
    const bool take_to = j < tb.size() && (i == fa.size() || tb[j].npi <= fa[i].npi);
    std::uint32_t a = 0, b = 0;
    r.in_from = take_from;
    r.in_to = take_to;
    if (take_from) {
      r.npi = fa[i].npi;
      r.from_rank = fa[i].rank;
      a = fa[i++].row;
    }
    if (take_to) {
      r.npi = tb[j].npi;
      r.to_rank = tb[j].rank;
      b = tb[j++].row;
    }
    const bool in_from = r.from_rank != 0 && r.from_rank <= st.top;
    const bool in_to = r.to_rank != 0 && r.to_rank <= st.top;
    if (in_to && !in_from) r.kinds |= kEntered;
    if (in_from && !in_to) r.kinds |= kDropped;
    if (in_from && in_to) {
      const std::int64_t c = r.change();
      if (static_cast<std::uint64_t>(c < 0 ? -c : c) >= st.min_move) r.kinds |= kMover;
    }
    // A trigger change is one provider's state in both weeks.
    if (r.in_from && r.in_to && (in_from || in_to || (st.triggers_everywhere && (r.from_rank || r.to_rank)))) {
      r.from_trigger = from.trigger[a];
      r.to_trigger = to.trigger[b];
      if (r.from_trigger == 0 && r.to_trigger != 0 && r.to_rank != 0) r.kinds |= kTriggerOn;
      if (r.from_trigger != 0 && r.to_trigger == 0 && r.from_rank != 0) r.kinds |= kTriggerOff;
    }
    if (!r.in_from) r.kinds |= kJoinedUniverse;
    if (!r.in_to) r.kinds |= kLeftUniverse;
    out.in_both += r.in_from && r.in_to;
    if (!r.kinds) continue;
    if (r.in_from) {
      r.from_score = from.score[a];
      r.from_trigger = from.trigger[a];
    }
    if (r.in_to) {
      r.to_score = to.score[b];
      r.to_trigger = to.trigger[b];
    }
    out.entered += (r.kinds & kEntered) != 0;
    out.dropped += (r.kinds & kDropped) != 0;
    out.movers += (r.kinds & kMover) != 0;
    out.movers_up += (r.kinds & kMover) && r.change() > 0;
    out.trigger_on += (r.kinds & kTriggerOn) != 0;
    out.trigger_off += (r.kinds & kTriggerOff) != 0;
    out.joined_universe += (r.kinds & kJoinedUniverse) != 0;
    out.left_universe += (r.kinds & kLeftUniverse) != 0;
    out.rows.push_back(r);
  }
  // Grouped by the first kind (in DiffKind's order), then by the newer rank (unranked or absent
  // last), the older rank, the NPI.
  auto group = [](const DiffRow& r) { return r.kinds & (~r.kinds + 1); };  // lowest set bit
  auto key_rank = [](std::uint32_t rank) { return rank == 0 ? UINT32_MAX : rank; };
  std::sort(out.rows.begin(), out.rows.end(), [&](const DiffRow& x, const DiffRow& y) {
    if (group(x) != group(y)) return group(x) < group(y);
    if (key_rank(x.to_rank) != key_rank(y.to_rank)) return key_rank(x.to_rank) < key_rank(y.to_rank);
    if (key_rank(x.from_rank) != key_rank(y.from_rank)) return key_rank(x.from_rank) < key_rank(y.from_rank);
    return x.npi < y.npi;
  });
  return out;
}

std::string diff_csv(const std::vector<DiffRow>& rows) {
  std::string out = csv_record(
      {"npi", "from_rank", "to_rank", "change", "kind", "from_score", "to_score", "from_trigger", "to_trigger"});
  auto rank = [](std::uint32_t r) { return r == 0 ? std::string() : std::to_string(r); };
  auto score = [](bool present, double s) { return present ? fmt::format("{:.6f}", s) : std::string(); };
  auto trigger = [](bool present, std::uint8_t t) { return present ? std::to_string(t) : std::string(); };
  for (const auto& r : rows)
    out += csv_record({std::to_string(r.npi), rank(r.from_rank), rank(r.to_rank),
                       r.has_change() ? std::to_string(r.change()) : std::string(), diff_kinds_text(r.kinds),
                       score(r.in_from, r.from_score), score(r.in_to, r.to_score), trigger(r.in_from, r.from_trigger),
                       trigger(r.in_to, r.to_trigger)});
  return out;
}

// ---- the command ---------------------------------------------------------------------------------

namespace {

struct DiffOptions {
  std::string from, to, out, trigger_scope = "top";
  DiffSettings settings;
  bool allow_campaign_change = false;
};

// The first line where two texts differ (1-based), for the refusal message.
std::size_t first_different_line(const std::string& a, const std::string& b) {
  std::istringstream ia(a), ib(b);
  std::string la, lb;
  for (std::size_t line = 1;; ++line) {
    const bool ga = static_cast<bool>(std::getline(ia, la)), gb = static_cast<bool>(std::getline(ib, lb));
    if (!ga && !gb) return 0;
    if (ga != gb || la != lb) return line;
  }
}

// Two weeks of one campaign, or a ConfigError saying why not. The universes may differ.
void check_comparable(const DiffOptions& o, const Snapshot& a, const Snapshot& b) {
  if (a.campaign != b.campaign)
    throw ConfigError(o.to, 0, "campaign",
                      fmt::format("snapshot of campaign '{}', but --from '{}' is of campaign '{}'; diff compares two "
                                  "snapshots of one campaign",
                                  b.campaign, o.from, a.campaign));
  if (a.campaign_toml != b.campaign_toml && !o.allow_campaign_change)
    throw ConfigError(o.to, 0, "campaign_toml",
                      fmt::format("campaign '{}' was scored with other settings than in --from '{}' (the stored "
                                  "campaign files differ from line {}); pass --allow-campaign-change to compare anyway",
                                  b.campaign, o.from, first_different_line(a.campaign_toml, b.campaign_toml)));
}

int run_diff(const DiffOptions& o_in) {
  DiffOptions o = o_in;
  o.settings.triggers_everywhere = o.trigger_scope == "all";
  check_output_folder("--out", o.out);
  const Snapshot a = open_snapshot("--from", o.from), b = open_snapshot("--to", o.to);
  check_comparable(o, a, b);
  const DiffResult d = compute_diff(a, b, o.settings, o.from, o.to);
  write_text_atomically(o.out, diff_csv(d.rows));

  std::printf("diff: %s %s -> %s, top %u, movers by %u+ ranks%s\n", b.campaign.c_str(), a.as_of.c_str(), b.as_of.c_str(),
              o.settings.top, o.settings.min_move, a.as_of > b.as_of ? " (note: --from is the later week)" : "");
  std::printf("%s", fmt::format("diff: entered {}  dropped {}  movers {} (up {}, down {})  trigger on {}  trigger off {}  "
                                 "joined universe {}  left universe {}\n",
                                 d.entered, d.dropped, d.movers, d.movers_up, d.movers - d.movers_up, d.trigger_on,
                                 d.trigger_off, d.joined_universe, d.left_universe)
                         .c_str());
  std::printf("%s", fmt::format("diff: providers {} -> {}, {} in both{}\n", a.size(), b.size(), d.in_both,
                                 d.in_both == 0 && a.size() + b.size() > 0 ? " (note: no provider in common)" : "")
                         .c_str());
  const DiffRow* up = nullptr;
  const DiffRow* down = nullptr;
  for (const auto& r : d.rows) {
    if (!(r.kinds & kMover)) continue;
    if (r.change() > 0 && (!up || r.change() > up->change())) up = &r;
    if (r.change() < 0 && (!down || r.change() < down->change())) down = &r;
  }
  if (up) std::printf("diff: biggest rise: NPI %llu from %u to %u\n", static_cast<unsigned long long>(up->npi), up->from_rank, up->to_rank);
  if (down)
    std::printf("diff: biggest fall: NPI %llu from %u to %u\n", static_cast<unsigned long long>(down->npi), down->from_rank,
                down->to_rank);
  std::printf("diff: wrote %zu rows to %s\n", d.rows.size(), o.out.c_str());
  return kExitOk;
}

}  // namespace

void register_diff(CLI::App& app, std::vector<Command>& commands) {
  auto o = std::make_shared<DiffOptions>();
  CLI::App* sub = app.add_subcommand("diff", "Week-over-week movers, new entrants, drop-outs and trigger changes of two snapshots");
  sub->add_option("--from", o->from, "the older snapshot")->required();
  sub->add_option("--to", o->to, "the newer snapshot (same campaign; providers matched by NPI)")->required();
  sub->add_option("--out", o->out, "the CSV to write (atomically)")->required();
  sub->add_option("--top", o->settings.top, "the top N whose entrants, drop-outs and movers are listed (default 100)")
      ->check(CLI::PositiveNumber);
  sub->add_option("--min-move", o->settings.min_move, "rank change that makes a mover (default 10)")
      ->check(CLI::PositiveNumber);
  sub->add_option("--trigger-scope", o->trigger_scope,
                  "trigger changes of providers in either top N ('top', default) or of every ranked provider ('all')")
      ->check(CLI::IsMember({"top", "all"}));
  sub->add_flag("--allow-campaign-change", o->allow_campaign_change,
                "compare snapshots of one campaign even when its settings (stored campaign file) differ");
  commands.push_back({sub, [o](const Comm& comm, const Observers&) { return run_on_root(comm, [&] { return run_diff(*o); }); }});
}

}  // namespace signalrank
