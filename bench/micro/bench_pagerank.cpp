// Micro-benchmark of the PageRank pull (kernels/pagerank.hpp): the production loop with and
// without SIMD, the push reference, and the finish pass, on a synthetic in-CSR shaped like score's
// national graph in locality order (skewed in-degrees, ~85 % of sources within a few thousand
// positions, the rest anywhere). Reports edges/s (items) and bytes/s of the edge stream.
//
//   build/release/bench/micro/bench_pagerank [--benchmark_repetitions=5] [--vertices=N] [--degree=D]
//
// Before timing, it checks that the SIMD and portable loops give the same bits and that both agree
// with the reference to 1e-12 relative; it exits 1 otherwise.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "kernels/pagerank.hpp"

namespace {

using signalrank::kernels::ExactSum;

struct Graph {
  std::size_t n = 0;
  std::vector<std::uint64_t> off;
  std::vector<std::uint32_t> src, bene;
  std::vector<double> y, v, x_old, out_weight;
  std::vector<std::uint8_t> dangling;
};

std::size_t g_vertices = 1 << 20;
double g_degree = 16.0;

// In-degrees from a discrete Pareto-like law with mean ~g_degree; each in-list sorted by source.
const Graph& graph() {
  static const Graph g = [] {
    Graph g;
    g.n = g_vertices;
    std::mt19937_64 rng(42);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    std::uniform_int_distribution<std::uint32_t> any(0, static_cast<std::uint32_t>(g.n - 1));
    std::uniform_int_distribution<std::uint32_t> weight(11, 400);
    g.off.reserve(g.n + 1);
    g.off.push_back(0);
    std::vector<std::uint32_t> list;
    for (std::size_t p = 0; p < g.n; ++p) {
      // Pareto with shape 2: mean 2 * x_min; x_min = degree / 2.
      const double d = std::min(5000.0, (g_degree / 2.0) / std::sqrt(1.0 - u(rng)));
      const auto deg = static_cast<std::size_t>(d);
      list.clear();
      for (std::size_t k = 0; k < deg; ++k) {
        if (u(rng) < 0.85) {
          const auto delta = static_cast<std::int64_t>(u(rng) * 8192.0) - 4096;
          list.push_back(static_cast<std::uint32_t>(std::clamp<std::int64_t>(static_cast<std::int64_t>(p) + delta, 0,
                                                                             static_cast<std::int64_t>(g.n - 1))));
        } else {
          list.push_back(any(rng));
        }
      }
      std::sort(list.begin(), list.end());
      list.erase(std::unique(list.begin(), list.end()), list.end());
      for (std::uint32_t s : list) {
        g.src.push_back(s);
        g.bene.push_back(weight(rng));
      }
      g.off.push_back(g.src.size());
    }
    g.y.resize(g.n);
    g.v.resize(g.n);
    g.x_old.resize(g.n);
    g.out_weight.resize(g.n);
    g.dangling.resize(g.n);
    for (std::size_t p = 0; p < g.n; ++p) {
      g.dangling[p] = p % 17 == 3;
      g.out_weight[p] = g.dangling[p] ? 0.0 : 100.0 + 900.0 * u(rng);
      g.x_old[p] = u(rng) / static_cast<double>(g.n);
      g.y[p] = g.dangling[p] ? 0.0 : g.x_old[p] / g.out_weight[p];
      g.v[p] = 1.0 / static_cast<double>(g.n);
    }
    return g;
  }();
  return g;
}

void set_counters(benchmark::State& state, const Graph& g) {
  const auto edges = static_cast<std::int64_t>(g.src.size());
  state.SetItemsProcessed(state.iterations() * edges);
  state.SetBytesProcessed(state.iterations() * edges * 8);  // in_src + in_bene streamed once
  state.counters["edges"] = static_cast<double>(edges);
}

void BM_pull(benchmark::State& state) {
  const Graph& g = graph();
  const bool simd = state.range(0) != 0;
  if (simd && !signalrank::kernels::pagerank_simd_available()) {
    state.SkipWithError("no AVX2 on this CPU (or SIGNALRANK_NO_SIMD is set)");
    return;
  }
  std::vector<double> x(g.n);
  for (auto _ : state) {
    signalrank::kernels::pagerank_pull(g.off, g.src, g.bene, g.y, g.v, 0.85, 0.01, x, simd);
    benchmark::DoNotOptimize(x.data());
  }
  set_counters(state, g);
}
BENCHMARK(BM_pull)->Arg(1)->Arg(0)->ArgName("simd")->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_pull_reference(benchmark::State& state) {
  const Graph& g = graph();
  std::vector<double> x(g.n);
  for (auto _ : state) {
    signalrank::kernels::pagerank_pull_reference(g.off, g.src, g.bene, g.y, g.v, 0.85, 0.01, x);
    benchmark::DoNotOptimize(x.data());
  }
  set_counters(state, g);
}
BENCHMARK(BM_pull_reference)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_finish(benchmark::State& state) {
  const Graph& g = graph();
  std::vector<double> x(g.x_old), y(g.n);
  for (auto _ : state) {
    ExactSum r, d;
    signalrank::kernels::pagerank_finish(x, g.x_old, g.dangling, g.out_weight, y, r, d);
    benchmark::DoNotOptimize(y.data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(g.n));
}
BENCHMARK(BM_finish)->Unit(benchmark::kMillisecond)->UseRealTime();

bool check_agreement() {
  const Graph& g = graph();
  std::vector<double> fast(g.n), portable(g.n), reference(g.n);
  signalrank::kernels::pagerank_pull(g.off, g.src, g.bene, g.y, g.v, 0.85, 0.01, fast, true);
  signalrank::kernels::pagerank_pull(g.off, g.src, g.bene, g.y, g.v, 0.85, 0.01, portable, false);
  signalrank::kernels::pagerank_pull_reference(g.off, g.src, g.bene, g.y, g.v, 0.85, 0.01, reference);
  if (std::memcmp(fast.data(), portable.data(), g.n * sizeof(double)) != 0) {
    std::fprintf(stderr, "bench_pagerank: the SIMD and portable loops differ\n");
    return false;
  }
  for (std::size_t p = 0; p < g.n; ++p) {
    if (std::fabs(fast[p] - reference[p]) > 1e-12 * std::fabs(reference[p])) {
      std::fprintf(stderr, "bench_pagerank: vertex %zu: %.17g against the reference %.17g\n", p, fast[p],
                   reference[p]);
      return false;
    }
  }
  return true;
}

// Takes --vertices=N and --degree=D out of argv before Google Benchmark parses the rest.
bool take_flag(int& argc, char** argv, int i, const char* name, std::string& value) {
  const std::size_t len = std::strlen(name);
  if (std::strncmp(argv[i], name, len) != 0 || argv[i][len] != '=') return false;
  value = argv[i] + len + 1;
  for (int k = i; k + 1 < argc; ++k) argv[k] = argv[k + 1];
  --argc;
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc;) {
    std::string value;
    char* end = nullptr;
    if (take_flag(argc, argv, i, "--vertices", value)) {
      const unsigned long long n = std::strtoull(value.c_str(), &end, 10);
      if (*end != '\0' || n < 1 || n > (1ull << 31)) {
        std::fprintf(stderr, "bench_pagerank: --vertices must be an integer in [1, 2^31], not '%s'\n", value.c_str());
        return 2;
      }
      g_vertices = n;
    } else if (take_flag(argc, argv, i, "--degree", value)) {
      const double d = std::strtod(value.c_str(), &end);
      if (*end != '\0' || !(d >= 1.0 && d <= 1000.0)) {
        std::fprintf(stderr, "bench_pagerank: --degree must be a number in [1, 1000], not '%s'\n", value.c_str());
        return 2;
      }
      g_degree = d;
    } else {
      ++i;
    }
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
  if (!check_agreement()) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
