// Binary logistic regression: the loss and gradient of one block of rows, for a fit distributed
// over ranks (src/learn/logistic.cpp adds the blocks' sums over ranks and runs L-BFGS).
//
// Rows are x_i (d features, row-major), labels y_i in {0, 1}; beta holds d coefficients, then the
// intercept. With z_i = x_i . beta[0, d) + beta[d]:
//   loss    += sum_i log(1 + e^{z_i}) - y_i z_i          (the negative log-likelihood)
//   grad[j] += sum_i (sigmoid(z_i) - y_i) x_ij, j < d;   grad[d] += sum_i (sigmoid(z_i) - y_i)
// The sums are exact (kernels/exact_sum.hpp): the same bits for any split of the rows over
// threads or ranks, so a distributed fit is the same bits at any rank count.
#pragma once
#include <cstdint>
#include <span>
#include <vector>

#include "kernels/exact_sum.hpp"

namespace signalrank::kernels {

// Adds this block's terms into `loss` and `grad` (d + 1 accumulators). OpenMP over rows. Throws
// std::invalid_argument when x is not n * d long for n = y.size(), or beta / grad are not d + 1.
void logistic_loss_grad(std::span<const double> x, std::size_t d, std::span<const std::uint8_t> y,
                        std::span<const double> beta, ExactSum& loss, std::span<ExactSum> grad);

// The same terms by plain serial summation, for tests: returns the loss, writes the gradient.
double logistic_loss_grad_reference(std::span<const double> x, std::size_t d, std::span<const std::uint8_t> y,
                                    std::span<const double> beta, std::vector<double>& grad);

// log(1 + e^z) without overflow or loss of precision for large |z|.
double log1p_exp(double z);

}  // namespace signalrank::kernels
