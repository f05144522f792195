// signalrank backtest --origins K: the out-of-time proof of issue 14. At each evaluation origin
// e_i = --as-of - i * --origin-step (i < K), over the providers eligible at e_i, with outcomes in
// (e_i, e_i + h] (kernels/outcome.hpp), these lists are compared:
//   model       the propensity model trained as `train --as-of e_i` would (src/learn/train.hpp):
//               fitted on origins e_i - h - j * step (j = 1 .. M - 1), calibrated on e_i - h; it
//               reads nothing after e_i
//   signalrank  the hand-weighted ranking as of e_i (the snapshot's order)
//   baseline    L2 logistic regression on the snapshot's nine numeric columns (volume,
//               prior_volume, growth, slope, trigger_z, trigger, pagerank, peer_exposure, score),
//               fitted on the two origins e_i - h and e_i - h - step, not calibrated
//   top_decile  campaign services in the 52 weeks to e_i, descending (the static list)
//   random      expected values
// Per origin and pooled over the origins: precision@k with its Wilson 95 % interval and lift for k
// in {100, 1000, 1 %, 5 % of eligible}, PR-AUC (average precision), and the Brier score of the
// two models, and the list's stability: the share of its top 1,000 at e_i that were in the same
// list's top 1,000 a week earlier (the same models on the features of e_i - 1). Pooled: the calibration table of the model's propensity (deciles, bootstrap 90 %
// intervals of observed and of observed / predicted).
#pragma once
#include <optional>
#include <string>

#include "partition/comm.hpp"

namespace signalrank {

struct BacktestOriginsOptions {
  std::string universe, campaign, as_of, out, calibration_out;
  int horizon = 13, origins = 4, origin_step = 4, train_origins = 8;
  double margin = 0.2, alpha = 0.01, l2 = 1e-3;
  std::optional<double> min_increase;
  std::uint64_t seed = 1;  // the calibration bootstrap's
};

int run_backtest_origins(const Comm& comm, const BacktestOriginsOptions& o);

}  // namespace signalrank
