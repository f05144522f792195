// signalrank train: a propensity model learnt from every origin up to --as-of (src/learn/train.hpp),
// written as a self-describing HDF5 file (io/model_file.hpp). Nothing after --as-of is read.
#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <memory>

#include "io/dates.hpp"
#include "io/error.hpp"
#include "io/model_file.hpp"
#include "src/commands/backtest.hpp"
#include "src/commands/commands.hpp"
#include "src/commands/support.hpp"
#include "src/commands/validators.hpp"
#include "src/learn/train.hpp"
#include "src/pipeline/pipeline.hpp"
#include "src/pipeline/plan.hpp"

namespace signalrank {

namespace {

struct TrainCommandOptions {
  std::string universe, campaign, as_of, out, model = "logistic";
  int horizon = 13, origins = 8, origin_step = 4;
  double margin = 0.2, alpha = 0.01, l2 = 1e-3;
  std::optional<double> min_increase;
};

int run_train(const Comm& comm, const TrainCommandOptions& o) {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  say(comm, "[train] " + threads_note());
  const Campaign campaign = load_campaign(o.campaign);
  check_input_file("--universe", o.universe);
  check_output_folder("--out", o.out,
                      {{"--universe", o.universe}, {"--campaign", o.campaign}, {"campaign's suppression", campaign.suppression}});
  if (o.model == "boosted")
    throw ConfigError("--model", 0, "", "'boosted' is not built yet: only 'logistic' is (boosted trees are planned)");
  check_outcome_campaign(campaign, o.campaign);
  UniverseReader universe(comm, o.universe);
  const WeekIndex as_of = pipeline::resolve_as_of(universe, o.as_of);
  learn::TrainOptions options;
  options.origins = o.origins;
  options.origin_step = o.origin_step;
  options.rule = outcome_rule(campaign, o.horizon, o.alpha, o.margin, o.min_increase);
  options.fit.l2 = o.l2;
  const std::vector<WeekIndex> origins = learn::training_origins(as_of, options);
  // The oldest origin needs its trend window inside the data.
  const int fit = learn::origins_in_data(as_of, o.horizon, o.origin_step, campaign.window_weeks,
                                         WeekIndex(universe.first_week()));
  if (fit < o.origins) {
    const WeekIndex oldest = origins.back();
    throw ConfigError("--origins", 0, "",
                      fmt::format("the oldest origin, {} (--as-of minus --horizon minus {} x --origin-step), needs its "
                                  "{}-week window inside the data, which starts {}; {}",
                                  format_week(oldest), o.origins - 1, campaign.window_weeks,
                                  format_week(universe.first_week()),
                                  fit >= 2 ? fmt::format("at most {} origins fit", fit)
                                           : fmt::format("2 origins need --as-of {} or later",
                                                         format_week(WeekIndex(universe.first_week()) +
                                                                     (campaign.window_weeks - 1) + o.horizon +
                                                                     o.origin_step))));
  }

  check_codes_in_universe(universe, campaign, o.campaign);
  // One read of the campaign's rows up to --as-of: every outcome and window comes from memory.
  const pipeline::CampaignWeeks weeks(comm, universe, campaign, as_of);
  learn::ExampleCache cache(comm, universe, campaign, weeks, options.rule);
  for (WeekIndex t : origins) cache.at(t);  // the rankings, newest first
  const double features_s = std::chrono::duration<double>(Clock::now() - start).count();
  PropensityModel model = learn::train_model(comm, cache, campaign, as_of, options);
  const double fit_s = std::chrono::duration<double>(Clock::now() - start).count() - features_s;
  model.version = SIGNALRANK_VERSION;
  model.created_utc = utc_now();
  const double peak_gib = comm.max(static_cast<double>(peak_rss_bytes())) / (1024.0 * 1024 * 1024);
  return run_on_root(comm, [&] {
    write_model(o.out, model);
    std::printf("train: %s as of %s, horizon %d weeks; %d origins %s to %s every %d weeks (the newest held out "
                "for calibration)\n",
                campaign.name.c_str(), format_week(as_of).c_str(), o.horizon, o.origins,
                model.origins.back().c_str(), model.origins.front().c_str(), o.origin_step);
    std::printf("train: logistic regression (L2 %g) on %zu features, %llu rows, %llu converted; Platt a = %.4f, b = %.4f\n",
                o.l2, model.feature_names.size(), static_cast<unsigned long long>(model.rows),
                static_cast<unsigned long long>(model.positives), model.platt_a, model.platt_b);
    std::string held;
    for (const auto& [name, value] : model.metrics) held += fmt::format("{}{} {:.4g}", held.empty() ? "" : ", ", name, value);
    std::printf("train: held-out origin %s: %s\n", model.origins.front().c_str(), held.c_str());
    std::printf("train: features %.2f s (%d rankings), fit and calibration %.2f s, peak memory %.2f GiB per rank, %d ranks\n",
                features_s, o.origins, fit_s, peak_gib, comm.size());
    std::printf("train: wrote %s\n", o.out.c_str());
    return kExitOk;
  });
}

}  // namespace

void register_train(CLI::App& app, std::vector<Command>& commands) {
  auto o = std::make_shared<TrainCommandOptions>();
  CLI::App* sub = app.add_subcommand("train", "Learn a propensity model from the outcomes of every origin up to --as-of");
  sub->add_option("--universe", o->universe, "universe.h5")->required();
  sub->add_option("--campaign", o->campaign, "campaign TOML (SPEC section 3)")->required();
  sub->add_option("--as-of", o->as_of, "the last week the model may read (a Monday YYYY-MM-DD, or latest)")->required();
  sub->add_option("--out", o->out, "the model file to write (HDF5, atomically)")->required();
  sub->add_option("--horizon", o->horizon, "weeks after each origin in which conversions count (default 13)")
      ->check(cli::number_in(1, 520));
  sub->add_option("--origins", o->origins,
                  "training origins --as-of - horizon - j x --origin-step (j = 0 .. N-1), the newest held out for "
                  "calibration (default 8)")
      ->check(cli::number_in(2, 520));
  sub->add_option("--origin-step", o->origin_step, "weeks between origins (default 4)")->check(cli::number_in(1, 520));
  sub->add_option("--model", o->model, "the kind of model: logistic (the default and, for now, the only one)")
      ->check(CLI::IsMember({"logistic", "boosted"}));
  sub->add_option("--l2", o->l2, "the logistic regression's L2 penalty (default 0.001)")->check(cli::number_in(0, 10));
  sub->add_option("--margin", o->margin, "a ramp's relative margin over its expected volume (default 0.2)")
      ->check(cli::number_in(0, 100));
  sub->add_option("--alpha", o->alpha, "a ramp's one-sided test level (default 0.01)")->check(cli::number_in(0, 0.5, true));
  sub->add_option("--min-increase", o->min_increase,
                  "a ramp's least increase over its expected volume, in services (default: the campaign's trigger_min)")
      ->check(cli::number_in(0, 1e9));
  commands.push_back({sub, [o](const Comm& comm, const Observers&) { return run_train(comm, *o); }});
}

}  // namespace signalrank
