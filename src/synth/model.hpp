// The synthetic universe as a pure function of (parameters, seed, provider index): no MPI, no I/O.
//
// Every random draw comes from a stream keyed by (seed, provider index, purpose), so any rank or
// thread can produce any provider's rows and the output is the same bytes whatever the rank and
// thread counts. The provider table (NPI, taxonomy, state, ZIP, hub attractiveness) is cheap and
// is built whole on every rank; a provider's referral edges, adoption and claims are produced
// only by the rank that owns it.
//
// Model in short:
// - NPIs ascend with the provider index (a random gap between consecutive ones), so index order is
//   NPI order and any rank can name any provider.
// - Referrals: provider i refers to about mean_degree x (taxonomy factor) x lognormal partners,
//   drawn with probability proportional to a Pareto "attractiveness" times the taxonomy's hub
//   factor (hospitals, radiology, labs and specialists become hubs: heavy-tailed in-degree), from
//   the same state 82 % of the time; the cardiac circle (cardiology, cardiac surgery, hospitals)
//   refers within itself more often. bene_count = 11 + Pareto tail.
// - Adoption of the campaign activity (TAVR): wave 1 is a hash draw weighted by the taxonomy's
//   propensity; wave 2 is decided from the provider's own out-edges (the more wave-1 partners, the
//   likelier), some weeks after the earliest partner adopted. A few non-adopters do the activity at
//   a low steady level all along.
// - Claims: each provider bills its taxonomy's code groups; weekly counts are Poisson around a
//   provider volume x code rate x week factor (seasonality, flu season, holiday dips, vacations,
//   weekly noise, slow growth or decline, late starters and leavers). Zero weeks are omitted.
#pragma once
#include <array>
#include <cmath>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "io/universe.hpp"
#include "src/synth/tables.hpp"

namespace signalrank::synth {

// ---- randomness -------------------------------------------------------------------------------

constexpr std::uint64_t mix64(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

enum class Purpose : std::uint64_t {
  Attributes = 1, Edges, Wave1, Adoption, Activity, Weeks, Claims, Suppression
};

// A splitmix64 stream whose start is a hash of (seed, index, purpose).
class Rng {
 public:
  Rng(std::uint64_t seed, std::uint64_t index, Purpose purpose)
      : state_(mix64(mix64(seed ^ 0x5851f42d4c957f2dULL) ^ mix64(index * 0x9E3779B97F4A7C15ULL +
                                                                  static_cast<std::uint64_t>(purpose)))) {}
  std::uint64_t next() {
    state_ += 0x9E3779B97F4A7C15ULL;
    return mix64(state_);
  }
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }  // [0, 1)
  double open_uniform() { return (static_cast<double>(next() >> 11) + 0.5) * 0x1.0p-53; }  // (0, 1)
  std::uint64_t below(std::uint64_t n) {  // [0, n)
    return static_cast<std::uint64_t>((static_cast<unsigned __int128>(next()) * n) >> 64);
  }
  double normal();           // Box-Muller, one value per call
  double rough_normal();     // sum of four uniforms, rescaled: cheap, for weekly noise
  double exponential() { return -std::log(open_uniform()); }
  std::uint32_t poisson(double lambda);

 private:
  std::uint64_t state_;
};

// ---- sampling tables -------------------------------------------------------------------------

// Walker/Vose alias table over `members` with the given weights.
class AliasSampler {
 public:
  void build(std::vector<std::uint32_t> members, std::span<const double> weights);
  bool empty() const { return members_.empty(); }
  std::size_t size() const { return members_.size(); }
  std::uint32_t sample(Rng& rng) const {
    const std::uint64_t r = rng.next();
    const std::uint64_t k = static_cast<std::uint64_t>((static_cast<unsigned __int128>(r) * members_.size()) >> 64);
    const double u = static_cast<double>(r & 0xffffffffu) * 0x1.0p-32;
    return members_[u < prob_[k] ? k : alias_[k]];
  }

 private:
  std::vector<std::uint32_t> members_;
  std::vector<double> prob_;
  std::vector<std::uint32_t> alias_;
};

// ---- parameters and outputs ------------------------------------------------------------------

struct ModelParams {
  std::uint64_t providers = 2000;
  std::int32_t weeks = 104;
  std::int32_t end_week = 0;  // Monday number of the last week
  std::uint64_t seed = 1;
  double mean_degree = 20;     // referral edges per provider
  double claims_density = 1;   // multiplies every claims rate
};

// The densities that go with a universe of `providers` (log-interpolated between the presets
// tiny 2,000 / state 60,000 / national 1,200,000), so small universes stay small.
double default_mean_degree(std::uint64_t providers);
double default_claims_density(std::uint64_t providers);

struct OutEdge {
  std::uint32_t dst, pair_count, bene_count, same_day;
};

struct Cell {  // one claims row: services and patients of one code in one week
  std::int32_t week;  // 0 .. weeks-1
  std::uint32_t code; // index into Model::codes()
  std::uint32_t services, patients;
};

struct Adoption {
  std::int32_t week = -1;      // week index of adoption (0 .. weeks-1), -1 = not an adopter
  bool wave2 = false;          // adopted through its referral partners
  bool background = false;     // a steady low-level doer, not an adopter
};

// Per-thread work buffers, reused from provider to provider (no allocation per row).
class Scratch {
 private:
  friend class Model;
  std::vector<std::uint32_t> set_;       // open-addressing set of chosen targets
  std::vector<std::uint32_t> targets_;
  std::vector<double> lambda_;           // per code, for the current provider
  std::vector<std::uint32_t> touched_;   // codes with lambda_ set
  std::vector<double> week_factor_, flu_factor_, campaign_level_;
  std::vector<std::uint32_t> slots_;     // codes billed by the current provider, ascending
  std::vector<std::uint32_t> counts_;    // slot-major counts [slot][week]
};

class Model {
 public:
  explicit Model(const ModelParams& params);

  const ModelParams& params() const { return params_; }
  std::uint64_t size() const { return npi_.size(); }
  std::int32_t first_week() const { return params_.end_week - params_.weeks + 1; }

  // ---- provider table (identical on every rank) ----
  std::uint64_t npi(std::uint64_t i) const { return npi_[i]; }
  const TaxonomyInfo& taxonomy(std::uint64_t i) const { return kTaxonomies[taxonomy_[i]]; }
  std::uint8_t taxonomy_index(std::uint64_t i) const { return taxonomy_[i]; }
  const StateInfo& state(std::uint64_t i) const { return kStates[state_[i]]; }
  const std::array<char, 5>& zip5(std::uint64_t i) const { return zip_[i]; }

  // ---- the code catalogue: every code any provider may bill, sorted by (system, code) ----
  const std::vector<Code>& codes() const { return codes_; }

  // ---- per provider ----
  // Out-edges of provider i, sorted by destination. No self-loops, no duplicates.
  void out_edges(std::uint64_t i, Scratch& scratch, std::vector<OutEdge>& out) const;
  // The wave-1 adoption week of provider i, or -1 (any rank can ask about any provider).
  std::int32_t wave1_week(std::uint64_t i) const;
  // Adoption of provider i, given its out-edges (as out_edges() returned them).
  Adoption adoption(std::uint64_t i, std::span<const OutEdge> out) const;
  // Claims rows of provider i, in (week, code) order, appended to `out`.
  void claims(std::uint64_t i, const Adoption& adoption, Scratch& scratch, std::vector<Cell>& out) const;
  // Index into kSuppressionReasons, or -1 when provider i is not suppressed.
  int suppression(std::uint64_t i) const;

 private:
  void build_providers();
  void build_samplers();
  void build_calendar();
  void build_codes();
  std::uint32_t draw_target(Rng& rng, std::uint64_t i, bool cardiac_pick) const;

  ModelParams params_;
  std::vector<std::uint64_t> npi_;
  std::vector<std::uint8_t> taxonomy_, state_;
  std::vector<std::array<char, 5>> zip_;
  std::vector<float> attract_;     // in-degree weight
  std::vector<float> degree_;      // expected out-degree

  AliasSampler national_, national_cardiac_;
  std::vector<AliasSampler> by_state_, by_state_cardiac_;

  std::vector<double> season_, flu_, holiday_;  // per week index

  std::vector<Code> codes_;
  // Per code group (kGroups order): the catalogue index of each CodeUse.
  std::vector<std::vector<std::uint32_t>> group_code_ids_;
  std::vector<std::uint32_t> campaign_code_ids_;  // kCampaignCodes order
  // Per catalogue code: billing units, repeat share and season (from its first CodeUse), and its
  // index in kCampaignCodes (-1 for the other codes).
  std::vector<std::uint16_t> code_units_;
  std::vector<double> code_repeat_;
  std::vector<Season> code_season_;
  std::vector<std::int16_t> code_campaign_;
};

}  // namespace signalrank::synth
