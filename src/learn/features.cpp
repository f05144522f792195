// origin_examples: one compute_ranking, a few CampaignWeeks windows, and the rows built on rank 0.
#include "src/learn/features.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "io/agree.hpp"
#include "src/pipeline/stages.hpp"

namespace signalrank::learn {

namespace {

constexpr int kYearWeeks = 52;
constexpr double kLastCap = 104, kFirstCap = 520;

// logit((active + 1) / (n + 2)) of each group, per provider.
std::vector<double> group_logit(std::span<const std::uint32_t> group, std::size_t groups,
                                std::span<const std::uint8_t> active) {
  std::vector<double> a(groups, 0), n(groups, 0);
  for (std::size_t i = 0; i < group.size(); ++i) {
    n[group[i]] += 1;
    a[group[i]] += active[i];
  }
  std::vector<double> logit(groups);
  for (std::size_t g = 0; g < groups; ++g) logit[g] = std::log((a[g] + 1) / (n[g] - a[g] + 1));
  std::vector<double> out(group.size());
  for (std::size_t i = 0; i < group.size(); ++i) out[i] = logit[group[i]];
  return out;
}

}  // namespace

UniverseFacts read_universe_facts(const Comm& comm, const UniverseReader& universe) {
  UniverseFacts f;
  const ProviderShape shape = pipeline::root_shape(comm, universe);
  if (!comm.root()) return f;
  f.providers = universe.read_providers();
  const std::size_t n = f.providers.size();
  f.in_partners.resize(n);
  f.out_partners.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    f.in_partners[i] = static_cast<std::uint32_t>(shape.in_offsets[i + 1] - shape.in_offsets[i]);
    f.out_partners[i] = static_cast<std::uint32_t>(shape.out_offsets[i + 1] - shape.out_offsets[i]);
  }
  return f;
}

OriginExamples origin_examples(const Comm& comm, const UniverseReader& universe, const Campaign& campaign,
                               const pipeline::CampaignWeeks& weeks, const UniverseFacts& facts, WeekIndex t,
                               const std::optional<kernels::OutcomeRule>& rule) {
  // ---- collective: the ranking, the windows, the outcomes ----
  const pipeline::Ranking ranking = pipeline::compute_ranking(comm, universe, campaign, t, {});
  const std::vector<double> vol52 = weeks.window_volume(t, kYearWeeks);
  const bool yoy_known = (t - kYearWeeks - campaign.window_weeks + 1) >= weeks.first_week();
  std::vector<double> year_ago;
  if (yoy_known) year_ago = weeks.window_volume(t - kYearWeeks, campaign.window_weeks);
  const pipeline::CampaignWeeks::Activity activity = weeks.activity(t);
  pipeline::Outcomes outcomes;
  const bool labelled = rule && t + rule->horizon <= weeks.last_week();
  if (labelled) outcomes = weeks.outcomes(t, *rule, std::nullopt);

  OriginExamples ex;
  ex.origin = t;
  if (!comm.root()) return ex;

  // ---- rank 0: the rows ----
  const Snapshot& s = ranking.snapshot;
  const Providers& providers = facts.providers;
  const std::size_t n = providers.size();
  std::vector<std::pair<std::uint32_t, std::uint32_t>> eligible;  // (provider, snapshot row)
  for (std::size_t row = 0; row < s.size(); ++row)
    if (s.rank[row] != 0)
      eligible.emplace_back(static_cast<std::uint32_t>(std::lower_bound(providers.npi.begin(), providers.npi.end(),
                                                                        s.npi[row]) - providers.npi.begin()),
                            static_cast<std::uint32_t>(row));
  std::sort(eligible.begin(), eligible.end());

  std::vector<std::uint8_t> active(n);
  for (std::size_t i = 0; i < n; ++i) active[i] = vol52[i] > 0;
  std::vector<std::uint32_t> specialty(providers.specialty.begin(), providers.specialty.end());
  const std::vector<double> specialty_logit =
      group_logit(specialty, providers.specialty_names.size() + 1, active);
  std::vector<std::uint32_t> state(n);
  for (std::size_t i = 0; i < n; ++i)
    state[i] = static_cast<std::uint32_t>(static_cast<unsigned char>(providers.state[i][0])) * 256 +
               static_cast<unsigned char>(providers.state[i][1]);
  const std::vector<double> state_logit = group_logit(state, 65536, active);

  const double big_n = static_cast<double>(n);
  const std::size_t m = eligible.size();
  ex.provider.resize(m);
  ex.x.resize(m * kFeatures);
  ex.snapshot.resize(m * kSnapshotColumns);
  ex.hand_rank.resize(m);
  if (labelled) {
    ex.label.resize(m);
    ex.conversion.resize(m);
  }
  for (std::size_t j = 0; j < m; ++j) {
    const auto [p, row] = eligible[j];
    ex.provider[j] = p;
    ex.hand_rank[j] = s.rank[row];
    const double volume = s.volume[row];
    const std::int32_t first = activity.first[p], last = activity.last[p];
    const bool never = last == pipeline::CampaignWeeks::kNoWeek;
    const double f[kFeatures] = {
        std::log1p(volume),
        std::log1p(s.prior_volume[row]),
        s.growth[row],
        std::asinh(s.slope[row]),
        std::clamp(s.trigger_z[row], -20.0, 20.0),
        s.trigger[row] ? 1.0 : 0.0,
        std::log(big_n * s.pagerank[row] + 1e-3),
        s.pct_pagerank[row],
        s.peer_exposure[row],
        s.pct_peer_exposure[row],
        s.pct_volume[row],
        s.pct_growth[row],
        std::log1p(vol52[p]),
        active[p] ? 1.0 : 0.0,
        yoy_known ? std::log1p(volume) - std::log1p(year_ago[p]) : 0.0,
        yoy_known ? 1.0 : 0.0,
        std::log1p(never ? kLastCap : std::min(kLastCap, static_cast<double>(t.value - last))),
        never ? 0.0 : std::log1p(std::min(kFirstCap, static_cast<double>(t.value - first))),
        never ? 1.0 : 0.0,
        providers.entity_type[p] == 2 ? 1.0 : 0.0,
        std::log1p(static_cast<double>(facts.in_partners[p])),
        std::log1p(static_cast<double>(facts.out_partners[p])),
        specialty_logit[p],
        state_logit[p],
    };
    std::copy(f, f + kFeatures, ex.x.begin() + static_cast<std::ptrdiff_t>(j * kFeatures));
    const double g[kSnapshotColumns] = {volume,        s.prior_volume[row], s.growth[row],
                                        s.slope[row],  s.trigger_z[row],    s.trigger[row] ? 1.0 : 0.0,
                                        s.pagerank[row], s.peer_exposure[row], s.score[row]};
    std::copy(g, g + kSnapshotColumns, ex.snapshot.begin() + static_cast<std::ptrdiff_t>(j * kSnapshotColumns));
    if (labelled) {
      ex.conversion[j] = outcomes.converted[p];
      ex.label[j] = outcomes.converted[p] != kernels::kNotConverted;
    }
  }
  return ex;
}

}  // namespace signalrank::learn
