#include "src/commands/explain.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <array>
#include <cmath>

#include "io/error.hpp"

namespace signalrank {

ScoreExplainer ScoreExplainer::from_campaign_toml(const std::string& toml_text, const std::string& file) {
  ScoreExplainer e;
  toml::table t;
  try {
    t = toml::parse(toml_text, file);
  } catch (const toml::parse_error& err) {
    throw ConfigError(file, 0, "campaign_toml",
                      "the stored campaign is not valid TOML (line " + std::to_string(err.source().begin.line) +
                          "): " + std::string(err.description()));
  }
  if (auto v = t["trigger_weeks"].value<std::int64_t>()) e.trigger_weeks = static_cast<int>(*v);
  if (const toml::table* w = t["weights"].as_table()) {
    auto weight = [&](const char* key, double def) { return (*w)[key].value<double>().value_or(def); };
    e.w_volume = weight("volume", e.w_volume);
    e.w_growth = weight("growth", e.w_growth);
    e.w_pagerank = weight("pagerank", e.w_pagerank);
    e.w_peer_exposure = weight("peer_exposure", e.w_peer_exposure);
    e.w_trigger = weight("trigger", e.w_trigger);
  }
  return e;
}

std::string ScoreExplainer::reasons(double pct_volume, double pct_growth, double pct_pagerank,
                                    double pct_peer_exposure, std::uint8_t trigger, double growth) const {
  struct Term {
    double contribution;
    std::string words;
  };
  std::string trigger_words = (trigger & 2) ? "new writer" : "jump in last " + std::to_string(trigger_weeks) + " weeks";
  // What lifted the provider is measured against the median eligible provider (percentile 0.5):
  // weight x (percentile - 0.5). Weight x percentile alone would name the heaviest weights for
  // nearly everyone. A set trigger lifts by its whole weight (no trigger is the median).
  std::array<Term, 5> terms{{{w_volume * (pct_volume - 0.5), "high volume"},
                             {growth < std::log(1.2) ? 0.0 : w_growth * (pct_growth - 0.5), "rising volume"},
                             {w_pagerank * (pct_pagerank - 0.5), "referral hub"},
                             {w_peer_exposure * (pct_peer_exposure - 0.5), "peers adopting"},
                             {trigger != 0 ? w_trigger : 0.0, trigger_words}}};
  // Stable: equal contributions keep the vocabulary order.
  std::stable_sort(terms.begin(), terms.end(),
                   [](const Term& a, const Term& b) { return a.contribution > b.contribution; });
  std::string out;
  for (std::size_t i = 0, named = 0; i < terms.size() && named < 2; ++i) {
    if (!(terms[i].contribution > 0)) break;
    if (named++) out += ';';
    out += terms[i].words;
  }
  return out;
}

}  // namespace signalrank
