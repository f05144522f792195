// See pagerank_serial.hpp.
#include "pagerank_serial.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace signalrank::kernels::testing {

std::vector<double> pagerank_serial(std::size_t n, std::span<const std::uint32_t> src,
                                    std::span<const std::uint32_t> dst,
                                    std::span<const double> weight, std::span<const double> v,
                                    double damping, double tol, int max_iter, int* iterations,
                                    double* residual) {
  // ---- check inputs ----
  if (src.size() != dst.size() || src.size() != weight.size() || v.size() != n) {
    throw std::invalid_argument("pagerank_serial: src, dst, weight or v has the wrong length");
  }
  if (!(damping >= 0.0 && damping <= 1.0)) {
    throw std::invalid_argument("pagerank_serial: damping must be in [0, 1]");
  }
  for (std::size_t k = 0; k < src.size(); ++k) {
    if (src[k] >= n || dst[k] >= n) throw std::invalid_argument("pagerank_serial: vertex >= n");
    if (!(weight[k] >= 0.0) || !std::isfinite(weight[k])) {
      throw std::invalid_argument("pagerank_serial: weights must be finite and >= 0");
    }
  }

  // ---- build the transition: merge duplicates, drop self-loops and zero weights ----
  std::vector<std::size_t> order;
  for (std::size_t k = 0; k < src.size(); ++k) {
    if (src[k] != dst[k] && weight[k] > 0.0) order.push_back(k);
  }
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return src[a] != src[b] ? src[a] < src[b] : (dst[a] != dst[b] ? dst[a] < dst[b] : a < b);
  });
  std::vector<std::uint32_t> edge_src, edge_dst;
  std::vector<double> edge_w;
  for (std::size_t k : order) {
    if (!edge_src.empty() && edge_src.back() == src[k] && edge_dst.back() == dst[k]) {
      edge_w.back() += weight[k];
    } else {
      edge_src.push_back(src[k]);
      edge_dst.push_back(dst[k]);
      edge_w.push_back(weight[k]);
    }
  }
  std::vector<double> out_weight(n, 0.0);
  for (std::size_t k = 0; k < edge_src.size(); ++k) out_weight[edge_src[k]] += edge_w[k];
  for (std::size_t k = 0; k < edge_src.size(); ++k) edge_w[k] /= out_weight[edge_src[k]];

  // ---- iterations ----
  std::vector<double> x(v.begin(), v.end()), next(n);
  int done = 0;
  double change = std::numeric_limits<double>::infinity();
  while (done < max_iter) {
    double dangling_mass = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
      if (out_weight[i] == 0.0) dangling_mass += x[i];
    }
    for (std::size_t i = 0; i < n; ++i) {
      next[i] = (damping * dangling_mass + (1.0 - damping)) * v[i];
    }
    for (std::size_t k = 0; k < edge_src.size(); ++k) {
      next[edge_dst[k]] += damping * edge_w[k] * x[edge_src[k]];
    }
    change = 0.0;
    for (std::size_t i = 0; i < n; ++i) change += std::fabs(next[i] - x[i]);
    x.swap(next);
    ++done;
    if (change < tol) break;
  }
  if (iterations) *iterations = done;
  if (residual) *residual = change;
  return x;
}

}  // namespace signalrank::kernels::testing
