// signalrank diff: week-over-week movers, entrants, drop-outs and trigger changes between two
// snapshots, as CSV plus a short summary. Serial (rank 0). Contract in src/diff.hpp.
#include "src/diff.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <numeric>
#include <sstream>

#include "io/error.hpp"
#include "src/action_support.hpp"
#include "src/commands.hpp"

namespace signalrank {

std::string diff_kinds_text(unsigned kinds) {
  static const std::pair<unsigned, const char*> kNames[] = {
      {kEntered, "entered"}, {kDropped, "dropped"}, {kMover, "mover"}, {kTriggerOn, "trigger_on"}, {kTriggerOff, "trigger_off"}};
  std::string out;
  for (const auto& [bit, name] : kNames)
    if (kinds & bit) {
      if (!out.empty()) out += ';';
      out += name;
    }
  return out;
}

DiffResult compute_diff(const Snapshot& from, const Snapshot& to, const DiffSettings& st) {
  // Row of each NPI in both snapshots, aligned on the ascending NPI list.
  const std::size_t n = from.size();
  if (to.size() != n) throw std::logic_error("diff: the snapshots hold different NPIs");
  auto rows_by_npi = [](const Snapshot& s) {
    std::vector<std::uint32_t> order(s.size());
    std::iota(order.begin(), order.end(), 0u);
    std::sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) { return s.npi[a] < s.npi[b]; });
    return order;
  };
  const std::vector<std::uint32_t> fa = rows_by_npi(from), tb = rows_by_npi(to);

  DiffResult out;
  for (std::size_t k = 0; k < n; ++k) {
    const std::uint32_t a = fa[k], b = tb[k];
    if (from.npi[a] != to.npi[b]) throw std::logic_error("diff: the snapshots hold different NPIs");
    DiffRow r;
    r.npi = from.npi[a];
    r.from_rank = from.rank[a];
    r.to_rank = to.rank[b];
    r.from_score = from.score[a];
    r.to_score = to.score[b];
    r.from_trigger = from.trigger[a];
    r.to_trigger = to.trigger[b];
    const bool in_from = r.from_rank != 0 && r.from_rank <= st.top;
    const bool in_to = r.to_rank != 0 && r.to_rank <= st.top;
    if (in_to && !in_from) r.kinds |= kEntered;
    if (in_from && !in_to) r.kinds |= kDropped;
    if (in_from && in_to) {
      const std::int64_t c = r.change();
      if (static_cast<std::uint64_t>(c < 0 ? -c : c) >= st.min_move) r.kinds |= kMover;
    }
    if (in_from || in_to || st.triggers_everywhere) {
      if (r.from_trigger == 0 && r.to_trigger != 0 && r.to_rank != 0) r.kinds |= kTriggerOn;
      if (r.from_trigger != 0 && r.to_trigger == 0 && r.from_rank != 0) r.kinds |= kTriggerOff;
    }
    if (!r.kinds) continue;
    out.entered += (r.kinds & kEntered) != 0;
    out.dropped += (r.kinds & kDropped) != 0;
    out.movers += (r.kinds & kMover) != 0;
    out.movers_up += (r.kinds & kMover) && r.change() > 0;
    out.trigger_on += (r.kinds & kTriggerOn) != 0;
    out.trigger_off += (r.kinds & kTriggerOff) != 0;
    out.rows.push_back(r);
  }
  // Grouped by the first kind (entered, dropped, mover, trigger_on, trigger_off), then by the
  // newer rank (unranked last), the older rank, the NPI.
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
  for (const auto& r : rows)
    out += csv_record({std::to_string(r.npi), rank(r.from_rank), rank(r.to_rank),
                       r.has_change() ? std::to_string(r.change()) : std::string(), diff_kinds_text(r.kinds),
                       fmt::format("{:.6f}", r.from_score), fmt::format("{:.6f}", r.to_score),
                       std::to_string(r.from_trigger), std::to_string(r.to_trigger)});
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

// Two weeks of one campaign over one universe, or a ConfigError saying which is not.
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
  check_same_npis(o.to, b, sorted_npis(a), "--from '" + o.from + "'");
}

int run_diff(const DiffOptions& o_in) {
  DiffOptions o = o_in;
  o.settings.triggers_everywhere = o.trigger_scope == "all";
  check_output_folder("--out", o.out);
  const Snapshot a = open_snapshot("--from", o.from), b = open_snapshot("--to", o.to);
  check_comparable(o, a, b);
  const DiffResult d = compute_diff(a, b, o.settings);
  write_text_atomically(o.out, diff_csv(d.rows));

  std::printf("diff: %s %s -> %s, top %u, movers by %u+ ranks%s\n", b.campaign.c_str(), a.as_of.c_str(), b.as_of.c_str(),
              o.settings.top, o.settings.min_move, a.as_of > b.as_of ? " (note: --from is the later week)" : "");
  std::printf("diff: entered %llu  dropped %llu  movers %llu (up %llu, down %llu)  trigger on %llu  trigger off %llu\n",
              static_cast<unsigned long long>(d.entered), static_cast<unsigned long long>(d.dropped),
              static_cast<unsigned long long>(d.movers), static_cast<unsigned long long>(d.movers_up),
              static_cast<unsigned long long>(d.movers - d.movers_up), static_cast<unsigned long long>(d.trigger_on),
              static_cast<unsigned long long>(d.trigger_off));
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
  sub->add_option("--to", o->to, "the newer snapshot (same campaign and universe)")->required();
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
  commands.push_back({sub, [o](const Comm& comm) { return run_on_root(comm, [&] { return run_diff(*o); }); }});
}

}  // namespace signalrank
