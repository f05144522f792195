// Logistic loss and gradient (kernels/logistic.hpp): a hand case, the plain serial reference,
// finite differences, the same bits for any thread count and split of the rows, extreme scores.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <random>
#include <stdexcept>
#include <vector>

#include "kernel_test_support.hpp"
#include "kernels/logistic.hpp"

namespace signalrank::kernels {
namespace {

struct Data {
  std::size_t d = 0;
  std::vector<double> x;
  std::vector<std::uint8_t> y;
};

Data random_data(std::uint64_t seed, std::size_t n, std::size_t d) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> g(0.0, 1.0);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  Data data;
  data.d = d;
  for (std::size_t i = 0; i < n; ++i) {
    double z = -1.0;
    for (std::size_t j = 0; j < d; ++j) {
      const double v = g(rng);
      data.x.push_back(v);
      z += v * (j % 2 ? 0.5 : -0.8);
    }
    data.y.push_back(u(rng) < 1.0 / (1.0 + std::exp(-z)) ? 1 : 0);
  }
  return data;
}

std::vector<double> values(const std::vector<ExactSum>& s) {
  std::vector<double> v;
  for (const auto& e : s) v.push_back(e.value());
  return v;
}

TEST(LogisticLossGrad, HandCase) {
  // Two rows, d = 1, beta = (w, b) = (0, 0): z = 0, p = 1/2, loss = 2 log 2; grad_w = (1/2 - 1) * 2 +
  // (1/2 - 0) * 3 = 0.5, grad_b = -1/2 + 1/2 = 0.
  const std::vector<double> x{2.0, 3.0}, beta{0.0, 0.0};
  const std::vector<std::uint8_t> y{1, 0};
  ExactSum loss;
  std::vector<ExactSum> grad(2);
  logistic_loss_grad(x, 1, y, beta, loss, grad);
  EXPECT_DOUBLE_EQ(loss.value(), 2 * std::log(2.0));
  EXPECT_DOUBLE_EQ(grad[0].value(), 0.5);
  EXPECT_EQ(grad[1].value(), 0.0);
}

TEST(LogisticLossGrad, MatchesTheReferenceAndFiniteDifferences) {
  const Data data = random_data(3, 3000, 5);
  const std::vector<double> beta{0.3, -0.2, 0.1, 0.0, 0.7, -1.1};
  ExactSum loss;
  std::vector<ExactSum> grad(6);
  logistic_loss_grad(data.x, 5, data.y, beta, loss, grad);
  std::vector<double> ref_grad;
  const double ref = logistic_loss_grad_reference(data.x, 5, data.y, beta, ref_grad);
  EXPECT_NEAR(loss.value(), ref, 1e-10 * ref);
  for (std::size_t j = 0; j < 6; ++j) EXPECT_NEAR(grad[j].value(), ref_grad[j], 1e-9 * std::fabs(ref)) << j;
  for (std::size_t j = 0; j < 6; ++j) {
    std::vector<double> up = beta, down = beta;
    up[j] += 1e-5;
    down[j] -= 1e-5;
    std::vector<double> g;
    const double fd = (logistic_loss_grad_reference(data.x, 5, data.y, up, g) -
                       logistic_loss_grad_reference(data.x, 5, data.y, down, g)) / 2e-5;
    EXPECT_NEAR(grad[j].value(), fd, 1e-4 * std::max(1.0, std::fabs(fd))) << j;
  }
}

TEST(LogisticLossGrad, SameBitsForAnyThreadCountAndSplit) {
  const Data data = random_data(5, 4001, 4);
  const std::vector<double> beta{0.1, 0.2, -0.3, 0.4, -0.5};
  ExactSum first_loss;
  std::vector<ExactSum> first_grad(5);
  testing::with_threads(1, [&] { logistic_loss_grad(data.x, 4, data.y, beta, first_loss, first_grad); });
  for (int threads : testing::thread_counts()) {
    testing::with_threads(threads, [&] {
      // Three uneven parts, added into the same accumulators in reverse order.
      ExactSum loss;
      std::vector<ExactSum> grad(5);
      const std::vector<std::size_t> cuts{0, 17, 2500, 4001};
      for (std::size_t k = cuts.size() - 1; k-- > 0;) {
        const std::size_t lo = cuts[k], hi = cuts[k + 1];
        logistic_loss_grad(std::span(data.x).subspan(lo * 4, (hi - lo) * 4), 4, std::span(data.y).subspan(lo, hi - lo),
                           beta, loss, grad);
      }
      EXPECT_EQ(std::bit_cast<std::uint64_t>(loss.value()), std::bit_cast<std::uint64_t>(first_loss.value()));
      EXPECT_TRUE(testing::same_bits(values(grad), values(first_grad))) << threads << " threads";
    });
  }
}

TEST(LogisticLossGrad, ExtremeScoresStayFinite) {
  EXPECT_DOUBLE_EQ(log1p_exp(800.0), 800.0);
  EXPECT_EQ(log1p_exp(-800.0), 0.0);
  EXPECT_NEAR(log1p_exp(0.0), std::log(2.0), 1e-16);
  const std::vector<double> x{1.0, -1.0}, beta{900.0, 0.0};
  const std::vector<std::uint8_t> y{0, 0};  // the first row is confidently wrong
  ExactSum loss;
  std::vector<ExactSum> grad(2);
  logistic_loss_grad(x, 1, y, beta, loss, grad);
  EXPECT_DOUBLE_EQ(loss.value(), 900.0);
  EXPECT_DOUBLE_EQ(grad[0].value(), 1.0);
  EXPECT_DOUBLE_EQ(grad[1].value(), 1.0);
  std::vector<ExactSum> short_grad(1);
  EXPECT_THROW(logistic_loss_grad(x, 1, y, beta, loss, short_grad), std::invalid_argument);
  EXPECT_THROW(logistic_loss_grad(x, 2, y, beta, loss, grad), std::invalid_argument);
}

}  // namespace
}  // namespace signalrank::kernels
