// fit_propensity and score_rows (src/learn/train.hpp) on hand-built examples at 1-4 ranks: the
// standardisation is the fitted rows' mean and population standard deviation, the coefficients
// are fit_logistic's on the standardised rows (one process), the Platt calibration is a
// one-feature fit of the held-out labels on eta, score_rows is the documented formula, and the
// model is the same bits at every rank count. Also training_origins and a model of unknown features.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <stdexcept>
#include <vector>

#include "partition/comm.hpp"
#include "src/learn/logistic.hpp"
#include "src/learn/train.hpp"

using namespace signalrank;
using namespace signalrank::learn;

namespace {

// Rows of the snapshot's nine columns on every rank, labels from a known logistic model; column 5
// (trigger) constant so that its sd falls back to 1.
OriginExamples make_examples(std::uint64_t seed, std::size_t n, WeekIndex origin) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> g(0.0, 1.0);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  OriginExamples ex;
  ex.origin = origin;
  for (std::size_t i = 0; i < n; ++i) {
    ex.provider.push_back(static_cast<std::uint32_t>(i));
    double z = -3.0;
    for (std::size_t j = 0; j < kSnapshotColumns; ++j) {
      const double v = j == 5 ? 1.0 : 10.0 * static_cast<double>(j) + (1.0 + static_cast<double>(j)) * g(rng);
      ex.snapshot.push_back(v);
      if (j == 0) z += 0.8 * (v - 0.0);
      if (j == 2) z -= 0.3 * (v - 20.0);
    }
    ex.label.push_back(u(rng) < 1.0 / (1.0 + std::exp(-z)) ? 1 : 0);
    ex.conversion.push_back(ex.label.back());
    ex.hand_rank.push_back(static_cast<std::uint32_t>(i + 1));
    ex.x.resize(ex.provider.size() * kFeatures, 0.0);
  }
  return ex;
}

}  // namespace

TEST(TrainFit, StandardisationCoefficientsCalibrationAndTheSameBitsAtAnyRankCount) {
  Comm comm;
  const OriginExamples a = make_examples(1, 700, WeekIndex(100)), b = make_examples(2, 500, WeekIndex(96));
  const OriginExamples held = make_examples(3, 600, WeekIndex(104));
  // Rank 0 holds the rows; the others pass empty examples, as the pipeline gives them.
  const OriginExamples none;
  const std::vector<const OriginExamples*> fit = comm.root() ? std::vector<const OriginExamples*>{&a, &b}
                                                             : std::vector<const OriginExamples*>{&none, &none};
  const LogisticOptions options;
  const PropensityModel m = fit_propensity(comm, fit, comm.root() ? &held : &none, FeatureSet::kSnapshotColumns, options);

  // The reference, on one process: mean and population sd over both origins' rows, in row order.
  const std::size_t d = kSnapshotColumns, n = a.rows() + b.rows();
  std::vector<double> mean(d, 0), sd(d, 0);
  for (const OriginExamples* ex : {&a, &b})
    for (std::size_t i = 0; i < ex->rows(); ++i)
      for (std::size_t j = 0; j < d; ++j) mean[j] += ex->snapshot[i * d + j];
  for (double& v : mean) v /= static_cast<double>(n);
  for (const OriginExamples* ex : {&a, &b})
    for (std::size_t i = 0; i < ex->rows(); ++i)
      for (std::size_t j = 0; j < d; ++j) sd[j] += (ex->snapshot[i * d + j] - mean[j]) * (ex->snapshot[i * d + j] - mean[j]);
  for (std::size_t j = 0; j < d; ++j) sd[j] = j == 5 ? 1.0 : std::sqrt(sd[j] / static_cast<double>(n));
  EXPECT_EQ(m.mean, mean);
  EXPECT_EQ(m.sd, sd);
  ASSERT_EQ(m.feature_names.size(), d);
  EXPECT_EQ(m.feature_names[0], "volume");
  EXPECT_EQ(m.feature_names[8], "score");

  Comm self(MPI_COMM_SELF);
  std::vector<double> z;
  std::vector<std::uint8_t> y;
  for (const OriginExamples* ex : {&a, &b})
    for (std::size_t i = 0; i < ex->rows(); ++i) {
      for (std::size_t j = 0; j < d; ++j) z.push_back((ex->snapshot[i * d + j] - mean[j]) / sd[j]);
      y.push_back(ex->label[i]);
    }
  const LogisticFit reference = fit_logistic(self, z, d, y, options);
  EXPECT_EQ(m.coefficients, reference.beta);  // the same bits: the row split does not change the sums
  EXPECT_EQ(m.rows, n);
  EXPECT_EQ(m.coefficients[5], 0.0);  // the constant column
  EXPECT_NEAR(m.coefficients[0], 0.8, 0.25);   // the planted signal: 0.8 per unit of column 0 (sd 1)
  EXPECT_NEAR(m.coefficients[2], -0.9, 0.3);   // -0.3 per unit of column 2 (sd 3)

  // Calibration: eta of the held-out rows by the formula, then a one-feature unpenalised fit.
  std::vector<double> eta(held.rows());
  for (std::size_t i = 0; i < held.rows(); ++i) {
    double e = m.coefficients[d];
    for (std::size_t j = 0; j < d; ++j) e += m.coefficients[j] * ((held.snapshot[i * d + j] - mean[j]) / sd[j]);
    eta[i] = e;
  }
  LogisticOptions platt = options;
  platt.l2 = 0;
  const LogisticFit c = fit_logistic(self, eta, 1, held.label, platt);
  EXPECT_EQ(m.platt_a, c.beta[0]);
  EXPECT_EQ(m.platt_b, c.beta[1]);
  // The held-out data follow the same model: the calibration is near the identity.
  EXPECT_NEAR(m.platt_a, 1.0, 0.3);

  if (comm.root()) {
    const Scores s = score_rows(m, held);
    for (std::size_t i = 0; i < held.rows(); ++i) {
      EXPECT_EQ(s.eta[i], eta[i]);
      EXPECT_NEAR(s.propensity[i], 1 / (1 + std::exp(-(m.platt_a * eta[i] + m.platt_b))), 1e-15);
    }
  }

  // The same bits as the one-process model at every rank count: rank 0's model against one
  // computed on rank 0 alone.
  if (comm.root()) {
    const std::vector<const OriginExamples*> all{&a, &b};
    const PropensityModel alone = fit_propensity(self, all, &held, FeatureSet::kSnapshotColumns, options);
    EXPECT_EQ(alone.coefficients, m.coefficients);
    EXPECT_EQ(alone.platt_a, m.platt_a);
    EXPECT_EQ(alone.platt_b, m.platt_b);
  }
}

TEST(TrainFit, OriginsAndUnknownFeatures) {
  TrainOptions o;
  o.origins = 3;
  o.origin_step = 4;
  o.rule.horizon = 13;
  const std::vector<WeekIndex> t = training_origins(WeekIndex(1000), o);
  ASSERT_EQ(t.size(), 3u);
  EXPECT_EQ(t[0], WeekIndex(987));
  EXPECT_EQ(t[1], WeekIndex(983));
  EXPECT_EQ(t[2], WeekIndex(979));

  PropensityModel m;
  m.feature_names = {"volume", "something_else"};
  m.mean = {0, 0};
  m.sd = {1, 1};
  m.coefficients = {0, 0, 0};
  EXPECT_THROW(score_rows(m, OriginExamples{}), std::invalid_argument);
}

TEST(TrainFit, AllLabelsEqualIsRefusedOnEveryRank) {
  Comm comm;
  OriginExamples a = make_examples(4, 50, WeekIndex(10));
  for (auto& v : a.label) v = 0;
  const OriginExamples none;
  const std::vector<const OriginExamples*> fit{comm.root() ? &a : &none};
  EXPECT_THROW(fit_propensity(comm, fit, nullptr, FeatureSet::kSnapshotColumns, {}), std::runtime_error);
}
