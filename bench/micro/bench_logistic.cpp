// Micro-benchmark of the logistic loss and gradient (kernels/logistic.hpp), the cost of one
// objective evaluation of a propensity fit: the exact-sum kernel against the plain serial sum, on
// random standardised rows (default 1 M rows x 24 features, about one origin of a national
// training set). Reports rows/s.
//
//   build/release/bench/micro/bench_logistic [--benchmark_repetitions=5]
#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "kernels/logistic.hpp"

namespace {

constexpr std::size_t kRows = 1 << 20, kFeatures = 24;

struct Data {
  std::vector<double> x, beta;
  std::vector<std::uint8_t> y;
};

const Data& data() {
  static const Data d = [] {
    Data d;
    std::mt19937_64 rng(1);
    std::normal_distribution<double> g(0.0, 1.0);
    d.x.resize(kRows * kFeatures);
    for (double& v : d.x) v = g(rng);
    d.y.resize(kRows);
    for (auto& v : d.y) v = g(rng) > 1.6;
    for (std::size_t j = 0; j <= kFeatures; ++j) d.beta.push_back(0.05 * static_cast<double>(j % 7) - 0.1);
    return d;
  }();
  return d;
}

void BM_logistic_exact(benchmark::State& state) {
  const Data& d = data();
  for (auto _ : state) {
    signalrank::kernels::ExactSum loss;
    std::vector<signalrank::kernels::ExactSum> grad(kFeatures + 1);
    signalrank::kernels::logistic_loss_grad(d.x, kFeatures, d.y, d.beta, loss, grad);
    benchmark::DoNotOptimize(loss.value());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(kRows));
}
BENCHMARK(BM_logistic_exact)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_logistic_reference(benchmark::State& state) {
  const Data& d = data();
  std::vector<double> grad;
  for (auto _ : state) benchmark::DoNotOptimize(signalrank::kernels::logistic_loss_grad_reference(d.x, kFeatures, d.y, d.beta, grad));
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(kRows));
}
BENCHMARK(BM_logistic_reference)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
