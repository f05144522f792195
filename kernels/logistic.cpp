// Logistic regression loss and gradient; see logistic.hpp.
#include "kernels/logistic.hpp"

#include <cmath>
#include <stdexcept>

namespace signalrank::kernels {
namespace {

void check(std::span<const double> x, std::size_t d, std::span<const std::uint8_t> y, std::size_t beta, std::size_t grad) {
  if (x.size() != y.size() * d || beta != d + 1 || grad != d + 1)
    throw std::invalid_argument("logistic_loss_grad: x must be rows x d, beta and grad d + 1 long");
}

double sigmoid(double z) {
  if (z >= 0) return 1.0 / (1.0 + std::exp(-z));
  const double e = std::exp(z);
  return e / (1.0 + e);
}

double score(const double* row, std::size_t d, std::span<const double> beta) {
  double z = beta[d];
  for (std::size_t j = 0; j < d; ++j) z += row[j] * beta[j];
  return z;
}

}  // namespace

double log1p_exp(double z) { return z > 0 ? z + std::log1p(std::exp(-z)) : std::log1p(std::exp(z)); }

void logistic_loss_grad(std::span<const double> x, std::size_t d, std::span<const std::uint8_t> y,
                        std::span<const double> beta, ExactSum& loss, std::span<ExactSum> grad) {
  check(x, d, y, beta.size(), grad.size());
  const std::size_t n = y.size();
#pragma omp parallel
  {
    ExactSum my_loss;  // this thread's share; exact, so merging in any order gives the same sums
    std::vector<ExactSum> my_grad(d + 1);
#pragma omp for schedule(static) nowait
    for (std::size_t i = 0; i < n; ++i) {
      const double* row = x.data() + i * d;
      const double z = score(row, d, beta);
      const double label = y[i] ? 1.0 : 0.0;
      my_loss.add(log1p_exp(z));
      if (y[i]) my_loss.add(-z);
      const double r = sigmoid(z) - label;
      for (std::size_t j = 0; j < d; ++j) my_grad[j].add(r * row[j]);
      my_grad[d].add(r);
    }
#pragma omp critical(logistic_loss_grad_merge)
    {
      loss.merge(my_loss);
      for (std::size_t j = 0; j <= d; ++j) grad[j].merge(my_grad[j]);
    }
  }
}

double logistic_loss_grad_reference(std::span<const double> x, std::size_t d, std::span<const std::uint8_t> y,
                                    std::span<const double> beta, std::vector<double>& grad) {
  check(x, d, y, beta.size(), d + 1);
  grad.assign(d + 1, 0.0);
  double loss = 0.0;
  for (std::size_t i = 0; i < y.size(); ++i) {
    double z = beta[d];
    for (std::size_t j = 0; j < d; ++j) z += x[i * d + j] * beta[j];
    const double p = 1.0 / (1.0 + std::exp(-z));
    loss += std::log(1.0 + std::exp(z)) - (y[i] ? z : 0.0);
    for (std::size_t j = 0; j < d; ++j) grad[j] += (p - (y[i] ? 1.0 : 0.0)) * x[i * d + j];
    grad[d] += p - (y[i] ? 1.0 : 0.0);
  }
  return loss;
}

}  // namespace signalrank::kernels
