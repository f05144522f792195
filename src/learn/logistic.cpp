// See logistic.hpp. The objective and its gradient are formed from exact sums (kernels/logistic.hpp)
// added over ranks by their limbs, then rounded once: every rank sees the same doubles, so the
// L-BFGS iterates (LBFGS++, Eigen) are the same bits on every rank and at every rank count.
#include "src/learn/logistic.hpp"

#include <Eigen/Core>
#include <LBFGS.h>
#include <fmt/format.h>

#include <cmath>
#include <stdexcept>

#include "kernels/exact_sum.hpp"
#include "kernels/logistic.hpp"

namespace signalrank::learn {
namespace {

using kernels::ExactSum;

// The objective over all ranks: mean loss + l2 / 2 ||w||^2, and its gradient.
class Objective {
 public:
  Objective(const Comm& comm, std::span<const double> x, std::size_t d, std::span<const std::uint8_t> y, double l2,
            std::uint64_t rows)
      : comm_(comm), x_(x), d_(d), y_(y), l2_(l2), rows_(static_cast<double>(rows)) {}

  double operator()(const Eigen::VectorXd& beta, Eigen::VectorXd& grad) {
    constexpr std::size_t W = ExactSum::kWords;
    std::vector<ExactSum> g(d_ + 1);
    ExactSum loss;
    kernels::logistic_loss_grad(x_, d_, y_, std::span<const double>(beta.data(), d_ + 1), loss, g);
    std::vector<std::int64_t> words((d_ + 2) * W);
    auto put = [&](std::size_t slot, ExactSum& s) {
      const auto w = s.words();
      std::copy(w.begin(), w.end(), words.begin() + static_cast<std::ptrdiff_t>(slot * W));
    };
    put(0, loss);
    for (std::size_t j = 0; j <= d_; ++j) put(j + 1, g[j]);
    comm_.sum_in_place(words);
    auto get = [&](std::size_t slot) {
      return ExactSum::from_words(std::span<const std::int64_t>(words).subspan(slot * W, W)).value();
    };
    double f = get(0) / rows_;
    for (std::size_t j = 0; j <= d_; ++j) grad[static_cast<Eigen::Index>(j)] = get(j + 1) / rows_;
    for (std::size_t j = 0; j < d_; ++j) {
      const double b = beta[static_cast<Eigen::Index>(j)];
      f += 0.5 * l2_ * b * b;
      grad[static_cast<Eigen::Index>(j)] += l2_ * b;
    }
    return f;
  }

 private:
  const Comm& comm_;
  std::span<const double> x_;
  std::size_t d_;
  std::span<const std::uint8_t> y_;
  double l2_, rows_;
};

}  // namespace

LogisticFit fit_logistic(const Comm& comm, std::span<const double> x, std::size_t d, std::span<const std::uint8_t> y,
                         const LogisticOptions& options) {
  if (x.size() != y.size() * d) throw std::invalid_argument("fit_logistic: x must be rows x d");
  if (!(options.l2 >= 0) || !std::isfinite(options.l2) || !(options.tolerance > 0) || options.max_iterations < 1)
    throw std::invalid_argument("fit_logistic: l2 must be >= 0, tolerance > 0, max_iterations >= 1");
  LogisticFit fit;
  std::uint64_t positives = 0;
  for (std::uint8_t v : y) positives += v != 0;
  fit.rows = comm.sum(static_cast<std::uint64_t>(y.size()));
  fit.positives = comm.sum(positives);
  if (fit.rows == 0) throw std::runtime_error("fit_logistic: no training rows on any rank");
  if (fit.positives == 0 || fit.positives == fit.rows)
    throw std::runtime_error(fmt::format("fit_logistic: all {} training rows have the same outcome ({}): nothing to learn",
                                         fit.rows, fit.positives ? "converted" : "not converted"));
  LBFGSpp::LBFGSParam<double> param;
  param.epsilon = options.tolerance;
  param.epsilon_rel = options.tolerance;
  param.max_iterations = options.max_iterations;
  LBFGSpp::LBFGSSolver<double> solver(param);
  Objective objective(comm, x, d, y, options.l2, fit.rows);
  // Start from the intercept of the base rate, coefficients 0.
  Eigen::VectorXd beta = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(d + 1));
  const double base = static_cast<double>(fit.positives) / static_cast<double>(fit.rows);
  beta[static_cast<Eigen::Index>(d)] = std::log(base / (1.0 - base));
  double f = 0;
  try {
    fit.iterations = solver.minimize(objective, beta, f);
  } catch (const std::exception& e) {
    // Every rank saw the same bits, so every rank throws the same.
    throw std::runtime_error(std::string("fit_logistic: L-BFGS stopped: ") + e.what());
  }
  fit.beta.assign(beta.data(), beta.data() + beta.size());
  Eigen::VectorXd grad(beta.size());
  fit.objective = objective(beta, grad);  // one more evaluation: the gradient at the result
  fit.gradient_norm = grad.norm();
  return fit;
}

}  // namespace signalrank::learn
