// fit_logistic (src/learn/logistic.hpp) at 1-4 ranks: the coefficients of a serial Newton solve
// of the same objective (to the tolerance), and the same bits as a one-process fit whatever the
// rank count and however the rows are split; the errors every rank raises together.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <random>
#include <stdexcept>
#include <vector>

#include "partition/comm.hpp"
#include "src/learn/logistic.hpp"

using namespace signalrank;

namespace {

struct Data {
  std::size_t n = 0, d = 0;
  std::vector<double> x;
  std::vector<std::uint8_t> y;
};

// The same data on every rank: correlated features, a true model with an intercept of -2.
Data make_data(std::uint64_t seed, std::size_t n, std::size_t d) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> g(0.0, 1.0);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  Data data{n, d, {}, {}};
  for (std::size_t i = 0; i < n; ++i) {
    const double common = g(rng);
    double z = -2.0;
    for (std::size_t j = 0; j < d; ++j) {
      const double v = 0.6 * common + 0.8 * g(rng);
      data.x.push_back(v);
      z += v * (0.9 - 0.4 * static_cast<double>(j));
    }
    data.y.push_back(u(rng) < 1.0 / (1.0 + std::exp(-z)) ? 1 : 0);
  }
  return data;
}

// Rows of `data` kept by `keep(i)`.
template <class Keep>
Data subset(const Data& data, Keep keep) {
  Data out{0, data.d, {}, {}};
  for (std::size_t i = 0; i < data.n; ++i) {
    if (!keep(i)) continue;
    out.x.insert(out.x.end(), data.x.begin() + static_cast<std::ptrdiff_t>(i * data.d),
                 data.x.begin() + static_cast<std::ptrdiff_t>((i + 1) * data.d));
    out.y.push_back(data.y[i]);
    ++out.n;
  }
  return out;
}

// Newton's method on mean loss + l2/2 ||w||^2 in plain doubles, Gaussian elimination for the step.
std::vector<double> newton(const Data& data, double l2) {
  const std::size_t p = data.d + 1;
  std::vector<double> beta(p, 0.0);
  for (int it = 0; it < 100; ++it) {
    std::vector<double> g(p, 0.0), h(p * p, 0.0);
    for (std::size_t i = 0; i < data.n; ++i) {
      std::vector<double> row(data.x.begin() + static_cast<std::ptrdiff_t>(i * data.d),
                              data.x.begin() + static_cast<std::ptrdiff_t>((i + 1) * data.d));
      row.push_back(1.0);
      double z = 0;
      for (std::size_t j = 0; j < p; ++j) z += row[j] * beta[j];
      const double q = 1.0 / (1.0 + std::exp(-z));
      for (std::size_t j = 0; j < p; ++j) {
        g[j] += (q - data.y[i]) * row[j] / static_cast<double>(data.n);
        for (std::size_t k = 0; k < p; ++k) h[j * p + k] += q * (1 - q) * row[j] * row[k] / static_cast<double>(data.n);
      }
    }
    for (std::size_t j = 0; j < data.d; ++j) {
      g[j] += l2 * beta[j];
      h[j * p + j] += l2;
    }
    // Solve h s = g.
    std::vector<double> s = g;
    for (std::size_t c = 0; c < p; ++c) {
      for (std::size_t r = c + 1; r < p; ++r) {
        const double f = h[r * p + c] / h[c * p + c];
        for (std::size_t k = c; k < p; ++k) h[r * p + k] -= f * h[c * p + k];
        s[r] -= f * s[c];
      }
    }
    for (std::size_t c = p; c-- > 0;) {
      for (std::size_t k = c + 1; k < p; ++k) s[c] -= h[c * p + k] * s[k];
      s[c] /= h[c * p + c];
    }
    double step = 0;
    for (std::size_t j = 0; j < p; ++j) {
      beta[j] -= s[j];
      step += s[j] * s[j];
    }
    if (std::sqrt(step) < 1e-13) break;
  }
  return beta;
}

bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::bit_cast<std::uint64_t>(a[i]) != std::bit_cast<std::uint64_t>(b[i])) return false;
  return true;
}

TEST(FitLogistic, NewtonsSolutionAndTheSameBitsAtAnyRankCountAndSplit) {
  const Comm comm;
  const Comm self(MPI_COMM_SELF);
  const Data data = make_data(42, 5003, 4);
  learn::LogisticOptions options;
  options.l2 = 1e-3;
  options.tolerance = 1e-10;
  const learn::LogisticFit alone = learn::fit_logistic(self, data.x, data.d, data.y, options);
  const std::vector<double> exact = newton(data, options.l2);
  for (std::size_t j = 0; j < exact.size(); ++j) EXPECT_NEAR(alone.beta[j], exact[j], 1e-6) << j;
  EXPECT_LT(alone.gradient_norm, 1e-9);
  EXPECT_EQ(alone.rows, 5003u);
  EXPECT_GT(alone.iterations, 3);

  const auto r = static_cast<std::size_t>(comm.rank()), size = static_cast<std::size_t>(comm.size());
  // Contiguous, uneven: rank 0 has a short block. Strided: row i on rank i % size.
  const Data contiguous = subset(data, [&](std::size_t i) {
    const std::size_t first = r == 0 ? 0 : 100 + (r - 1) * (data.n - 100) / (size - 1 ? size - 1 : 1);
    const std::size_t last = size == 1 ? data.n : (r + 1 == size ? data.n : 100 + r * (data.n - 100) / (size - 1));
    return i >= first && i < last;
  });
  const Data strided = subset(data, [&](std::size_t i) { return i % size == r; });
  for (const Data* part : {&contiguous, &strided}) {
    const learn::LogisticFit fit = learn::fit_logistic(comm, part->x, part->d, part->y, options);
    EXPECT_EQ(fit.rows, data.n);
    EXPECT_TRUE(same_bits(fit.beta, alone.beta)) << "rank " << comm.rank() << " of " << comm.size();
    EXPECT_EQ(fit.iterations, alone.iterations);
    EXPECT_EQ(std::bit_cast<std::uint64_t>(fit.objective), std::bit_cast<std::uint64_t>(alone.objective));
  }
}

TEST(FitLogistic, ErrorsAreRaisedOnEveryRank) {
  const Comm comm;
  Data data = make_data(7, 200, 3);
  for (auto& v : data.y) v = 0;
  try {
    learn::fit_logistic(comm, data.x, data.d, data.y, {});
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    const std::string want = "fit_logistic: all " + std::to_string(200 * comm.size()) +
                             " training rows have the same outcome (not converted): nothing to learn";
    EXPECT_EQ(std::string(e.what()), want);
  }
  const std::vector<double> short_x(5);
  EXPECT_THROW(learn::fit_logistic(comm, short_x, 3, data.y, {}), std::invalid_argument);
  learn::LogisticOptions bad;
  bad.l2 = std::nan("");
  EXPECT_THROW(learn::fit_logistic(comm, data.x, 3, data.y, bad), std::invalid_argument);
}

}  // namespace
