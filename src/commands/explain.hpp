// Why a provider ranks where it does, in words a sales rep reads. A snapshot's score is
//   score = w_volume·pct_volume + w_growth·pct_growth + w_pagerank·pct_pagerank
//         + w_peer_exposure·pct_peer_exposure + w_trigger·[trigger ≠ 0]        (SPEC §4),
// so each term is one component's contribution; `reasons` names the two largest:
//
//   volume         "high volume"
//   growth         "rising volume"
//   pagerank       "referral hub"
//   peer_exposure  "peers adopting"
//   trigger        "jump in last N weeks" (bit 1, N = the campaign's trigger_weeks) or
//                  "new writer" (bit 2; also when both bits are set: a jump from nothing)
//
// joined by ';', largest first; equal contributions keep the order above. A term of zero (weight
// 0, no trigger) is never named, so a provider may get one reason or none. Growth is named only
// when the provider's volume really rose, growth >= ln(1.2) (+20 % over the prior window): where
// most providers have no activity, a +3 % provider sits at a high growth percentile, and "rising
// volume" would mislead the rep (its term still counts in the score, it is just not named).
#pragma once
#include <cstdint>
#include <limits>
#include <string>

namespace signalrank {

// The parts of a campaign that explain a score, read back from a snapshot's `campaign_toml`.
struct ScoreExplainer {
  double w_volume = 0.2, w_growth = 0.25, w_pagerank = 0.3, w_peer_exposure = 0.15, w_trigger = 0.1;
  int trigger_weeks = 4;

  // Parses the campaign text stored in a snapshot (missing keys take the SPEC §3 defaults, as
  // load_campaign does). Throws ConfigError naming `file` on text that is not valid TOML.
  static ScoreExplainer from_campaign_toml(const std::string& toml, const std::string& file);

  // The reasons text of one eligible provider.
  // `growth` is the provider's raw growth column (NaN: unknown, the growth term may be named).
  std::string reasons(double pct_volume, double pct_growth, double pct_pagerank, double pct_peer_exposure,
                      std::uint8_t trigger, double growth = std::numeric_limits<double>::quiet_NaN()) const;
};

}  // namespace signalrank
