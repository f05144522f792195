// L2-regularised logistic regression fitted over MPI ranks: each rank holds its own rows; every
// evaluation of the objective adds the ranks' exact loss and gradient sums in one allreduce, so
// every rank runs the same L-BFGS steps on the same bits and the model is the same bits for any
// rank count or split of the rows.
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "partition/comm.hpp"

namespace signalrank::learn {

struct LogisticOptions {
  double l2 = 1e-3;            // lambda: objective = mean negative log-likelihood + lambda / 2 ||w||^2 (not the intercept)
  double tolerance = 1e-8;     // stop when ||gradient|| < tolerance * max(1, ||beta||)
  int max_iterations = 500;
};

struct LogisticFit {
  std::vector<double> beta;    // d coefficients, then the intercept
  double objective = 0;        // at beta
  double gradient_norm = 0;    // at beta
  int iterations = 0;
  std::uint64_t rows = 0, positives = 0;  // over all ranks
};

// Collective. x: this rank's rows (n x d, row-major, standardised by the caller), y: their labels.
// Throws std::invalid_argument on bad sizes or options, std::runtime_error when no rank has rows
// or all labels are equal, or L-BFGS fails (the message says why); the same on every rank.
LogisticFit fit_logistic(const Comm& comm, std::span<const double> x, std::size_t d, std::span<const std::uint8_t> y,
                         const LogisticOptions& options);

}  // namespace signalrank::learn
