// The synthetic universe model (see generate_model.hpp for the contract and the model's shape).
#include "src/synth/model.hpp"

#include <algorithm>
#include <climits>
#include <cmath>
#include <numbers>
#include <stdexcept>

#include "io/dates.hpp"
#include "io/npi.hpp"

namespace signalrank::synth {

// ---- randomness -------------------------------------------------------------------------------

double Rng::normal() {
  const double u1 = open_uniform(), u2 = uniform();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

double Rng::rough_normal() {
  // Irwin-Hall with four terms has variance 1/3; rescale to unit variance.
  const double s = uniform() + uniform() + uniform() + uniform() - 2.0;
  return s * 1.7320508075688772;
}

namespace {

// ln(k!) without lgamma (which writes the global signgam, a data race under OpenMP).
double log_factorial(double k) {
  static constexpr double kSmall[] = {0.0,
                                      0.0,
                                      0.69314718055994531,
                                      1.79175946922805500,
                                      3.17805383034794562,
                                      4.78749174278204599,
                                      6.57925121201010100,
                                      8.52516136106541430,
                                      10.60460290274525023,
                                      12.80182748008146961};
  if (k < 10) return kSmall[static_cast<int>(k)];
  // Stirling series; the error is below 1e-10 for k >= 10.
  const double n = k, inv = 1.0 / n, inv2 = inv * inv;
  return n * std::log(n) - n + 0.5 * std::log(2.0 * std::numbers::pi * n) +
         inv * (1.0 / 12 - inv2 * (1.0 / 360 - inv2 / 1260));
}

}  // namespace

std::uint32_t Rng::poisson(double lambda) {
  if (!(lambda > 0)) return 0;
  if (lambda < 12) {
    // Multiplication of uniforms: about lambda + 1 draws.
    const double limit = std::exp(-lambda);
    double p = 1.0;
    std::uint32_t k = 0;
    for (;;) {
      p *= uniform();
      if (p <= limit) return k;
      ++k;
    }
  }
  // Transformed rejection with squeeze (Hoermann's PTRS), exact for large means.
  const double slam = std::sqrt(lambda), loglam = std::log(lambda);
  const double b = 0.931 + 2.53 * slam, a = -0.059 + 0.02483 * b;
  const double inv_alpha = 1.1239 + 1.1328 / (b - 3.4), vr = 0.9277 - 3.6224 / (b - 2);
  for (;;) {
    const double u = uniform() - 0.5, v = uniform(), us = 0.5 - std::fabs(u);
    if (us <= 0) continue;
    const double k = std::floor((2 * a / us + b) * u + lambda + 0.43);
    if (us >= 0.07 && v <= vr) return static_cast<std::uint32_t>(k);
    if (k < 0 || (us < 0.013 && v > us)) continue;
    if (std::log(v) + std::log(inv_alpha) - std::log(a / (us * us) + b) <= -lambda + k * loglam - log_factorial(k))
      return static_cast<std::uint32_t>(std::min(k, 4.0e9));
  }
}

// ---- alias tables -----------------------------------------------------------------------------

void AliasSampler::build(std::vector<std::uint32_t> members, std::span<const double> weights) {
  members_ = std::move(members);
  const std::size_t n = members_.size();
  prob_.assign(n, 1.0);
  alias_.resize(n);
  for (std::size_t k = 0; k < n; ++k) alias_[k] = static_cast<std::uint32_t>(k);
  if (n == 0) return;
  double total = 0;
  for (double w : weights) total += w;
  std::vector<double> scaled(n);
  std::vector<std::uint32_t> small, large;
  for (std::size_t k = 0; k < n; ++k) {
    scaled[k] = weights[k] * static_cast<double>(n) / total;
    (scaled[k] < 1.0 ? small : large).push_back(static_cast<std::uint32_t>(k));
  }
  // Vose: pair each under-full column with an over-full one.
  while (!small.empty() && !large.empty()) {
    const std::uint32_t s = small.back(), l = large.back();
    small.pop_back();
    prob_[s] = scaled[s];
    alias_[s] = l;
    scaled[l] -= 1.0 - scaled[s];
    if (scaled[l] < 1.0) {
      large.pop_back();
      small.push_back(l);
    }
  }
  // What is left is full up to rounding.
  for (std::uint32_t k : small) prob_[k] = 1.0;
  for (std::uint32_t k : large) prob_[k] = 1.0;
}

// ---- presets -----------------------------------------------------------------------------------

namespace {

// Log-linear interpolation over (providers, value) presets, clamped at both ends.
double interpolate(std::uint64_t providers, const double (&xs)[3], const double (&ys)[3]) {
  const double x = std::log(std::max<double>(1.0, static_cast<double>(providers)));
  if (x <= std::log(xs[0])) return ys[0];
  for (int k = 0; k < 2; ++k) {
    const double x0 = std::log(xs[k]), x1 = std::log(xs[k + 1]);
    if (x <= x1) return ys[k] + (ys[k + 1] - ys[k]) * (x - x0) / (x1 - x0);
  }
  return ys[2];
}
constexpr double kPresetProviders[3] = {2000, 60000, 1200000};

}  // namespace

double default_mean_degree(std::uint64_t providers) {
  static constexpr double kDegree[3] = {20, 40, 83};
  return interpolate(providers, kPresetProviders, kDegree);
}

double default_claims_density(std::uint64_t providers) {
  static constexpr double kDensity[3] = {0.6, 0.8, 1.0};
  return interpolate(providers, kPresetProviders, kDensity);
}

// ---- construction ----------------------------------------------------------------------------

Model::Model(const ModelParams& params) : params_(params) {
  if (params_.providers == 0) throw std::invalid_argument("the universe needs at least one provider");
  if (params_.providers > 100'000'000) throw std::invalid_argument("at most 100,000,000 providers");
  if (params_.weeks < 1) throw std::invalid_argument("the universe needs at least one week");
  build_codes();
  build_calendar();
  build_providers();
  build_samplers();
}

void Model::build_codes() {
  std::vector<Code> all;
  for (const auto& group : kGroups)
    for (const CodeUse& c : group) all.push_back({c.system, normalize_code(c.code)});
  for (const CampaignCode& c : kCampaignCodes) all.push_back({c.system, normalize_code(c.code)});
  std::sort(all.begin(), all.end());
  all.erase(std::unique(all.begin(), all.end()), all.end());
  codes_ = std::move(all);
  auto id_of = [&](CodeSystem system, const char* code) {
    const Code key{system, normalize_code(code)};
    return static_cast<std::uint32_t>(std::lower_bound(codes_.begin(), codes_.end(), key) - codes_.begin());
  };

  const std::size_t n = codes_.size();
  code_units_.assign(n, 1);
  code_repeat_.assign(n, 0.0);
  code_season_.assign(n, Season::Flat);
  code_campaign_.assign(n, -1);
  std::vector<bool> seen(n, false);
  group_code_ids_.resize(std::size(kGroups));
  for (std::size_t g = 0; g < std::size(kGroups); ++g) {
    for (const CodeUse& c : kGroups[g]) {
      const std::uint32_t id = id_of(c.system, c.code);
      group_code_ids_[g].push_back(id);
      if (!seen[id]) {
        seen[id] = true;
        code_units_[id] = c.units;
        code_repeat_[id] = c.repeat;
        code_season_[id] = c.season;
      }
    }
  }
  for (std::size_t k = 0; k < std::size(kCampaignCodes); ++k) {
    const std::uint32_t id = id_of(kCampaignCodes[k].system, kCampaignCodes[k].code);
    campaign_code_ids_.push_back(id);
    code_campaign_[id] = static_cast<std::int16_t>(k);
  }
}

void Model::build_calendar() {
  const std::int32_t W = params_.weeks;
  season_.resize(W);
  flu_.resize(W);
  holiday_.resize(W);
  // Flu vaccinations by month (mid-month values, interpolated): September to November.
  static constexpr double kFluByMonth[12] = {0.35, 0.15, 0.08, 0.05, 0.05, 0.05, 0.05, 0.25, 1.7, 2.4, 1.2, 0.55};
  for (std::int32_t w = 0; w < W; ++w) {
    const std::int64_t monday = monday_of_week(first_week() + w);
    const CivilDate mid = civil_from_days(monday + 3);
    const double doy = static_cast<double>(monday + 3 - days_from_civil(mid.year, 1, 1));
    // Winter peak of office activity (respiratory season), a dip in late summer.
    season_[w] = 1.0 + 0.07 * std::cos(2.0 * std::numbers::pi * (doy - 20.0) / 365.25);
    const double pos = static_cast<double>(mid.month - 1) + (static_cast<double>(mid.day) - 15.0) / 30.0;
    const int m0 = static_cast<int>(std::floor(pos));
    const double frac = pos - m0;
    flu_[w] = kFluByMonth[(m0 + 12) % 12] * (1 - frac) + kFluByMonth[(m0 + 13) % 12] * frac;

    double h = 1.0;
    for (int d = 0; d < 7; ++d) {
      const CivilDate c = civil_from_days(monday + d);
      if (c.month == 12 && c.day == 25) h *= 0.55;                  // Christmas week
      if (c.month == 1 && c.day == 1) h *= 0.75;                    // New Year's week
      if (c.month == 7 && c.day == 4) h *= 0.85;                    // Independence Day
      if (c.month == 11 && d == 3 && c.day >= 22 && c.day <= 28) h *= 0.70;  // Thanksgiving (4th Thursday)
      if (c.month == 5 && d == 0 && c.day >= 25) h *= 0.88;         // Memorial Day (last Monday)
      if (c.month == 9 && d == 0 && c.day <= 7) h *= 0.88;          // Labor Day (first Monday)
    }
    holiday_[w] = h;
  }
}

void Model::build_providers() {
  const std::uint64_t P = params_.providers;
  npi_.resize(P);
  taxonomy_.resize(P);
  state_.resize(P);
  zip_.resize(P);
  attract_.resize(P);
  degree_.resize(P);

  // Cumulative shares of the taxonomies of each entity type, and of state populations.
  std::vector<double> cum_individual, cum_org;
  std::vector<std::uint8_t> tax_individual, tax_org;
  for (std::size_t t = 0; t < std::size(kTaxonomies); ++t) {
    auto& cum = kTaxonomies[t].entity_type == 1 ? cum_individual : cum_org;
    auto& ids = kTaxonomies[t].entity_type == 1 ? tax_individual : tax_org;
    cum.push_back((cum.empty() ? 0.0 : cum.back()) + kTaxonomies[t].share);
    ids.push_back(static_cast<std::uint8_t>(t));
  }
  std::vector<double> cum_state;
  for (const StateInfo& s : kStates) cum_state.push_back((cum_state.empty() ? 0.0 : cum_state.back()) + s.population_k);
  auto pick = [](const std::vector<double>& cum, double u) {
    auto it = std::upper_bound(cum.begin(), cum.end(), u * cum.back());
    return static_cast<std::size_t>(std::min<std::ptrdiff_t>(it - cum.begin(), static_cast<std::ptrdiff_t>(cum.size()) - 1));
  };

  // NPI bodies ascend with the index: provider i takes a random body in its own slot of `gap`
  // consecutive bodies, so NPIs are unique and sorted and cover the 1xxxxxxxxx-2xxxxxxxxx range.
  const std::uint64_t body_span = 200'000'000;
  const std::uint64_t gap = std::max<std::uint64_t>(1, std::min<std::uint64_t>(1000, body_span / P));

  double degree_sum = 0;
  for (std::uint64_t i = 0; i < P; ++i) {
    Rng rng(params_.seed, i, Purpose::Attributes);
    npi_[i] = npi_from_body(100'000'000 + i * gap + rng.below(gap));
    const bool individual = rng.uniform() < 0.8;
    const double u_tax = rng.uniform();
    taxonomy_[i] = individual ? tax_individual[pick(cum_individual, u_tax)] : tax_org[pick(cum_org, u_tax)];
    const std::size_t s = pick(cum_state, rng.uniform());
    state_[i] = static_cast<std::uint8_t>(s);

    // ZIP: a prefix from the state's ranges (weighted by their width), then two digits.
    const auto& ranges = kStates[s].zip3;
    std::uint32_t width_total = 0;
    for (const auto& r : ranges)
      if (r[1] >= r[0] && !(r[0] == 0 && r[1] == 0)) width_total += r[1] - r[0] + 1u;
    std::uint32_t at = static_cast<std::uint32_t>(rng.below(width_total)), zip3 = 0;
    for (const auto& r : ranges) {
      if (r[0] == 0 && r[1] == 0) continue;
      const std::uint32_t w = r[1] - r[0] + 1u;
      if (at < w) {
        zip3 = r[0] + at;
        break;
      }
      at -= w;
    }
    const std::uint32_t zip = zip3 * 100 + 1 + static_cast<std::uint32_t>(rng.below(99));
    std::uint32_t z = zip;
    for (int d = 4; d >= 0; --d) {
      zip_[i][d] = static_cast<char>('0' + z % 10);
      z /= 10;
    }

    const TaxonomyInfo& tax = kTaxonomies[taxonomy_[i]];
    // Pareto(1.6) attractiveness: a few providers receive most referrals.
    const double pareto = std::min(200.0, std::pow(rng.open_uniform(), -1.0 / 1.6));
    attract_[i] = static_cast<float>(tax.hub * pareto);
    const double d = tax.out * std::exp(0.8 * rng.normal() - 0.32);
    degree_[i] = static_cast<float>(d);
    degree_sum += d;
  }
  // Scale the out-degrees to the requested mean (the same sum, in the same order, on every rank).
  const double scale = params_.mean_degree * static_cast<double>(P) / std::max(degree_sum, 1e-300);
  for (auto& d : degree_) d = static_cast<float>(d * scale);
}

void Model::build_samplers() {
  const std::uint64_t P = size();
  const std::size_t S = std::size(kStates);
  std::vector<std::vector<std::uint32_t>> members(S), cardiac_members(S);
  std::vector<std::uint32_t> all(P), all_cardiac;
  for (std::uint64_t i = 0; i < P; ++i) {
    const auto id = static_cast<std::uint32_t>(i);
    all[i] = id;
    members[state_[i]].push_back(id);
    if (taxonomy(i).cardiac) {
      cardiac_members[state_[i]].push_back(id);
      all_cardiac.push_back(id);
    }
  }
  std::vector<double> w;
  auto weights_of = [&](const std::vector<std::uint32_t>& ids) -> std::span<const double> {
    w.resize(ids.size());
    for (std::size_t k = 0; k < ids.size(); ++k) w[k] = attract_[ids[k]];
    return w;
  };
  national_.build(all, weights_of(all));
  national_cardiac_.build(all_cardiac, weights_of(all_cardiac));
  by_state_.resize(S);
  by_state_cardiac_.resize(S);
  for (std::size_t s = 0; s < S; ++s) {
    by_state_[s].build(members[s], weights_of(members[s]));
    by_state_cardiac_[s].build(cardiac_members[s], weights_of(cardiac_members[s]));
  }
}

// ---- referrals -------------------------------------------------------------------------------

namespace {
constexpr double kInState = 0.82;        // share of draws made within the source's state
constexpr double kCardiacCircle = 0.35;  // share of a cardiac source's draws within the circle
constexpr int kAttempts = 16;            // draws per edge before giving up on it (tiny states)
constexpr std::uint32_t kEmpty = UINT32_MAX;
}  // namespace

std::uint32_t Model::draw_target(Rng& rng, std::uint64_t i, bool cardiac_pick) const {
  const bool local = rng.uniform() < kInState;
  const std::uint8_t s = state_[i];
  if (cardiac_pick) {
    const AliasSampler& st = by_state_cardiac_[s];
    if (local && st.size() >= 2) return st.sample(rng);
    if (!national_cardiac_.empty()) return national_cardiac_.sample(rng);
  }
  const AliasSampler& st = by_state_[s];
  if (local && st.size() >= 2) return st.sample(rng);
  return national_.sample(rng);
}

void Model::out_edges(std::uint64_t i, Scratch& scratch, std::vector<OutEdge>& out) const {
  out.clear();
  const std::uint64_t P = size();
  if (P < 2) return;
  Rng rng(params_.seed, i, Purpose::Edges);
  const double expected = degree_[i];
  std::uint64_t d = static_cast<std::uint64_t>(expected);
  if (rng.uniform() < expected - static_cast<double>(d)) ++d;
  d = std::min<std::uint64_t>({d, P - 1, 200'000});
  if (d == 0) return;

  // Open-addressing set of the chosen targets (at most half full).
  std::size_t cap = 16;
  while (cap < 2 * d + 2) cap <<= 1;
  auto& set = scratch.set_;
  set.assign(cap, kEmpty);
  const std::size_t mask = cap - 1;
  auto insert = [&](std::uint32_t j) {
    std::size_t h = static_cast<std::size_t>((std::uint64_t{j} * 0x9E3779B97F4A7C15ULL) >> 40) & mask;
    while (set[h] != kEmpty) {
      if (set[h] == j) return false;
      h = (h + 1) & mask;
    }
    set[h] = j;
    return true;
  };

  auto& targets = scratch.targets_;
  targets.clear();
  const bool cardiac = taxonomy(i).cardiac;
  for (std::uint64_t k = 0; k < d; ++k) {
    for (int attempt = 0; attempt < kAttempts; ++attempt) {
      const bool circle = cardiac && rng.uniform() < kCardiacCircle;
      // After most attempts failed, draw nationally: a small state may have no partner left.
      const std::uint32_t j = attempt < kAttempts * 3 / 4 ? draw_target(rng, i, circle) : national_.sample(rng);
      if (j == i || !insert(j)) continue;
      targets.push_back(j);
      break;
    }
  }
  std::sort(targets.begin(), targets.end());

  out.reserve(targets.size());
  for (std::uint32_t j : targets) {
    // Distinct shared patients: at least 11 (the public files drop smaller pairs), Pareto tail,
    // stronger ties towards stronger hubs.
    const double tail = std::pow(rng.open_uniform(), -1.0 / 1.5) - 1.0;
    const double strength = 1.0 + 0.25 * std::log1p(static_cast<double>(attract_[j]));
    const double bene = std::min(1.0e6, 11.0 + std::floor(6.0 * tail * strength));
    const double pair = bene + std::floor(bene * (0.15 + 1.6 * rng.uniform() * rng.uniform()));
    const double same_day = rng.uniform() < 0.45 ? 0.0 : std::floor(pair * 0.3 * rng.uniform());
    out.push_back({j, static_cast<std::uint32_t>(pair), static_cast<std::uint32_t>(bene),
                   static_cast<std::uint32_t>(same_day)});
  }
}

// ---- adoption --------------------------------------------------------------------------------

namespace {
constexpr double kWave1 = 0.40;        // wave-1 probability per unit of TAVR propensity
constexpr double kRecentWave1 = 0.30;  // share of wave-1 adoptions in the last 5 weeks
constexpr double kPeerPull = 5.0;      // wave-2 probability per unit of propensity x exposure
constexpr double kBackground = 0.15;   // steady doers per unit of propensity
}  // namespace

std::int32_t Model::wave1_week(std::uint64_t i) const {
  const double tavr = taxonomy(i).tavr;
  if (tavr <= 0) return -1;
  Rng rng(params_.seed, i, Purpose::Wave1);
  if (rng.uniform() >= kWave1 * tavr) return -1;
  const std::int32_t W = params_.weeks;
  const std::int32_t lo = rng.uniform() < kRecentWave1 ? std::max(0, W - 5) : W / 5;
  return lo + static_cast<std::int32_t>(rng.below(static_cast<std::uint64_t>(W - lo)));
}

Adoption Model::adoption(std::uint64_t i, std::span<const OutEdge> out) const {
  Adoption a;
  a.week = wave1_week(i);
  const double tavr = taxonomy(i).tavr;
  if (tavr <= 0) return a;
  Rng rng(params_.seed, i, Purpose::Adoption);
  const double u_peer = rng.uniform(), u_background = rng.uniform();
  const auto delay = static_cast<std::int32_t>(2 + std::floor(8.0 * rng.exponential()));

  // Wave 2: the share of this provider's shared patients that go to wave-1 adopters (its peer
  // exposure, as score computes it from out-edges) pulls it in, some weeks after the earliest.
  double total = 0, exposed = 0;
  std::int32_t earliest = INT32_MAX;
  for (const OutEdge& e : out) {
    total += e.bene_count;
    const std::int32_t w = wave1_week(e.dst);
    if (w < 0) continue;
    exposed += e.bene_count;
    earliest = std::min(earliest, w);
  }
  if (exposed > 0) {
    const double p = std::min(0.9, kPeerPull * tavr * exposed / total);
    const std::int64_t w2 = std::int64_t{earliest} + delay;
    if (u_peer < p && w2 < params_.weeks && (a.week < 0 || w2 < a.week)) {
      a.week = static_cast<std::int32_t>(w2);
      a.wave2 = true;
    }
  }
  if (a.week < 0 && u_background < kBackground * tavr) a.background = true;
  return a;
}

int Model::suppression(std::uint64_t i) const {
  Rng rng(params_.seed, i, Purpose::Suppression);
  if (rng.uniform() >= 0.005) return -1;
  double u = rng.uniform();
  for (std::size_t k = 0; k < std::size(kSuppressionReasons); ++k) {
    if (u < kSuppressionReasons[k].share) return static_cast<int>(k);
    u -= kSuppressionReasons[k].share;
  }
  return 0;
}

// ---- claims ----------------------------------------------------------------------------------

void Model::claims(std::uint64_t i, const Adoption& adoption, Scratch& scratch, std::vector<Cell>& out) const {
  const std::int32_t W = params_.weeks;
  const TaxonomyInfo& tax = taxonomy(i);
  Rng act(params_.seed, i, Purpose::Activity);

  // Who this provider is over the period: volume, first and last active week, drift.
  // Medicare volume per provider is heavily skewed: lognormal with median 0.14 and mean 0.42.
  const double volume = tax.volume * params_.claims_density * std::exp(1.5 * act.normal() - 2.0);
  std::int32_t start = 0, stop = W;
  if (act.uniform() < 0.08 && W > 1) start = 1 + static_cast<std::int32_t>(act.below(static_cast<std::uint64_t>(W - 1)));
  if (act.uniform() < 0.04) stop = start + 1 + static_cast<std::int32_t>(act.below(static_cast<std::uint64_t>(W - start)));
  const double growth = 0.10 * act.normal();  // log change per year

  // Week factors: seasonality, holidays, drift, about three vacation weeks a year, noise.
  auto& wf = scratch.week_factor_;
  auto& ff = scratch.flu_factor_;
  wf.resize(W);
  ff.resize(W);
  double max_w = 0, max_f = 0;
  Rng weeks(params_.seed, i, Purpose::Weeks);
  for (std::int32_t w = 0; w < W; ++w) {
    const double noise = std::exp(0.12 * weeks.rough_normal());
    const bool vacation = weeks.uniform() < 0.055;
    double f = 0;
    if (w >= start && w < stop)
      f = holiday_[w] * noise * std::exp(growth * w / 52.0) * (vacation ? 0.15 : 1.0);
    wf[w] = f * season_[w];
    ff[w] = f * flu_[w];
    max_w = std::max(max_w, wf[w]);
    max_f = std::max(max_f, ff[w]);
  }

  // The codes it bills and their base weekly rates.
  auto& lambda = scratch.lambda_;
  auto& touched = scratch.touched_;
  lambda.resize(codes_.size(), 0.0);
  touched.clear();
  std::size_t n_groups = 0;
  for (Group g : tax.groups) n_groups += g != Group::None;
  const std::size_t only = tax.one_of ? static_cast<std::size_t>(act.below(n_groups)) : SIZE_MAX;
  for (std::size_t k = 0; k < n_groups; ++k) {
    if (tax.one_of && k != only) continue;
    const auto g = static_cast<std::size_t>(tax.groups[k]);
    const auto& uses = kGroups[g];
    for (std::size_t c = 0; c < uses.size(); ++c) {
      const double u = act.uniform(), z = act.normal();
      // share squared: a practice's core codes (share near 1) stay, optional ones thin out, so
      // the universe has about 250 rows per provider at national density.
      if (u >= uses[c].share * uses[c].share) continue;
      const std::uint32_t id = group_code_ids_[g][c];
      if (lambda[id] == 0.0) touched.push_back(id);
      lambda[id] += uses[c].rate * volume * std::exp(0.5 * z - 0.125);
    }
  }

  // The campaign activity: an adopter ramps up from zero or from a low level to a plateau at its
  // adoption week; a background doer keeps a low steady level.
  const bool organization = tax.entity_type == 2;
  auto& level = scratch.campaign_level_;
  const bool campaign = adoption.week >= 0 || adoption.background;
  if (campaign) {
    level.assign(W, 0.0);
    if (adoption.week >= 0) {
      const double plateau = 2.5 * std::exp(0.6 * act.normal()) * (organization ? 3.0 : 1.0);
      const auto ramp = static_cast<std::int32_t>(1 + act.below(5));
      const double base = act.uniform() < 0.3 ? plateau * (0.08 + 0.12 * act.uniform()) : 0.0;
      for (std::int32_t w = 0; w < W; ++w) {
        const std::int32_t since = w - adoption.week;
        level[w] = since < 0 ? base : base + (plateau - base) * std::min(1.0, (since + 1.0) / ramp);
      }
    } else {
      const double steady = 0.3 + 0.7 * act.uniform();
      for (std::int32_t w = 0; w < W; ++w) level[w] = steady;
    }
    for (std::size_t k = 0; k < std::size(kCampaignCodes); ++k) {
      const CampaignCode& c = kCampaignCodes[k];
      if ((adoption.week >= 0 ? c.mix : c.background) > 0 && (!c.organizations_only || organization))
        touched.push_back(campaign_code_ids_[k]);
    }
  }

  // Weekly counts per billed code, in catalogue order (so rows come out sorted by code).
  auto& slots = scratch.slots_;
  slots.assign(touched.begin(), touched.end());
  std::sort(slots.begin(), slots.end());
  auto& counts = scratch.counts_;
  counts.assign(slots.size() * static_cast<std::size_t>(W), 0);
  Rng draw(params_.seed, i, Purpose::Claims);
  for (std::size_t s = 0; s < slots.size(); ++s) {
    const std::uint32_t id = slots[s];
    std::uint32_t* row = counts.data() + s * static_cast<std::size_t>(W);
    if (code_campaign_[id] >= 0) {
      const CampaignCode& c = kCampaignCodes[code_campaign_[id]];
      const double mix = adoption.week >= 0 ? c.mix : c.background;
      for (std::int32_t w = 0; w < W; ++w) row[w] = draw.poisson(level[w] * mix * wf[w]);
      continue;
    }
    const double base = lambda[id];
    const bool flu = code_season_[id] == Season::Flu;
    const std::vector<double>& factor = flu ? ff : wf;
    const double top = flu ? max_f : max_w;
    if (top <= 0) continue;
    if (base * top < 2.0) {
      // Sparse code: a Poisson process at the peak rate over the whole period, each event kept
      // with probability factor/peak (thinning). Costs one draw per event, not per week.
      const double rate = base * top;
      double t = 0;
      for (;;) {
        t += draw.exponential() / rate;
        if (t >= W) break;
        const auto w = static_cast<std::int32_t>(t);
        if (draw.uniform() * top < factor[w]) ++row[w];
      }
    } else {
      for (std::int32_t w = 0; w < W; ++w) row[w] = draw.poisson(base * factor[w]);
    }
  }
  for (std::uint32_t id : touched) lambda[id] = 0.0;

  // Rows: week by week, codes ascending; patients never exceed services.
  for (std::int32_t w = 0; w < W; ++w) {
    for (std::size_t s = 0; s < slots.size(); ++s) {
      const std::uint32_t k = counts[s * static_cast<std::size_t>(W) + w];
      if (k == 0) continue;
      const std::uint32_t id = slots[s];
      const std::uint64_t services = std::uint64_t{k} * code_units_[id];
      const auto repeats = static_cast<std::uint32_t>(k * code_repeat_[id] * draw.uniform());
      const std::uint32_t patients = std::max<std::uint32_t>(1, k - repeats);
      out.push_back({w, id, static_cast<std::uint32_t>(std::min<std::uint64_t>(services, UINT32_MAX)), patients});
    }
  }
}

}  // namespace signalrank::synth
