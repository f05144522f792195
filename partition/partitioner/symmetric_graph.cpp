#include "partition/partitioner/symmetric_graph.hpp"

#include <algorithm>
#include <climits>
#include <cmath>
#include <stdexcept>
#include <string>

namespace signalrank {

namespace {
constexpr std::uint64_t kMaxIndex = static_cast<std::uint64_t>(INT32_MAX);

// Proportional scaling into METIS's range: max(1, round(w * scale)).
void scale_weights(std::vector<std::int32_t>& w, double scale) {
  for (auto& x : w)
    x = static_cast<std::int32_t>(std::max<double>(1.0, std::nearbyint(static_cast<double>(x) * scale)));
}
}  // namespace

SymmetricGraphBuilder::SymmetricGraphBuilder(std::uint64_t vertices, std::uint64_t entries_hint) : n_(vertices) {
  if (vertices >= kMaxIndex)
    throw std::length_error(std::to_string(vertices) + " vertices do not fit METIS's 32-bit indices");
  g_.offsets.reserve(vertices + 1);
  g_.offsets.push_back(0);
  g_.vertex_weight.reserve(vertices);
  // Reserving only maps address space: pages are touched as entries are written.
  const std::uint64_t reserve = std::min(entries_hint, kMaxIndex);
  g_.adjacency.reserve(reserve);
  g_.edge_weight.reserve(reserve);
}

void SymmetricGraphBuilder::push(std::uint32_t v, std::uint64_t w) {
  if (v >= n_) throw std::out_of_range("neighbour " + std::to_string(v) + " outside the graph");
  if (g_.adjacency.size() >= kMaxIndex)
    throw std::length_error("the symmetrized graph has more than 2^31 adjacency entries (METIS's 32-bit indices)");
  g_.adjacency.push_back(static_cast<std::int32_t>(v));
  // Saturate rather than wrap (weights beyond 2^31 are not meaningful patient counts); at least 1,
  // as METIS expects positive edge weights.
  g_.edge_weight.push_back(static_cast<std::int32_t>(std::clamp<std::uint64_t>(w, 1, kMaxIndex)));
  g_.true_edge_weight += w;
}

void SymmetricGraphBuilder::add_vertex(std::span<const std::uint32_t> out_dst, std::span<const std::uint32_t> out_w,
                                       std::span<const std::uint32_t> in_src, std::span<const std::uint32_t> in_w,
                                       std::uint64_t load) {
  const std::uint64_t self = added();
  if (self >= n_) throw std::out_of_range("more vertices added than declared");
  // Merge the two ascending lists; a neighbour in both gets w_ab + w_ba. Self-loops (absent from
  // universe.h5, but cheap to guard) are dropped: METIS requires a loop-free graph.
  std::size_t a = 0, b = 0;
  while (a < out_dst.size() || b < in_src.size()) {
    std::uint32_t v;
    std::uint64_t w = 0;
    if (b == in_src.size() || (a < out_dst.size() && out_dst[a] < in_src[b])) {
      v = out_dst[a];
      w = out_w[a++];
    } else if (a == out_dst.size() || in_src[b] < out_dst[a]) {
      v = in_src[b];
      w = in_w[b++];
    } else {
      v = out_dst[a];
      w = static_cast<std::uint64_t>(out_w[a++]) + in_w[b++];
    }
    if (v == self) continue;
    // Duplicates inside one list (not produced by ingest) are merged too.
    if (g_.adjacency.size() > static_cast<std::size_t>(g_.offsets.back()) &&
        g_.adjacency.back() == static_cast<std::int32_t>(v)) {
      const std::uint64_t sum = static_cast<std::uint64_t>(g_.edge_weight.back()) + w;
      g_.edge_weight.back() = static_cast<std::int32_t>(std::min(sum, kMaxIndex));
      g_.true_edge_weight += w;
      continue;
    }
    push(v, w);
  }
  g_.offsets.push_back(static_cast<std::int32_t>(g_.adjacency.size()));
  g_.vertex_weight.push_back(static_cast<std::int32_t>(std::clamp<std::uint64_t>(load, 1, kMaxIndex)));
  g_.true_vertex_weight += load;
}

SymmetricGraph SymmetricGraphBuilder::finish() {
  if (added() != n_) throw std::logic_error("SymmetricGraphBuilder: not every vertex was added");
  if (g_.true_edge_weight > kMaxTotalWeight) {
    g_.edge_weight_scale = static_cast<double>(kMaxTotalWeight) / static_cast<double>(g_.true_edge_weight);
    scale_weights(g_.edge_weight, g_.edge_weight_scale);
  }
  if (g_.true_vertex_weight > kMaxTotalWeight) {
    g_.vertex_weight_scale = static_cast<double>(kMaxTotalWeight) / static_cast<double>(g_.true_vertex_weight);
    scale_weights(g_.vertex_weight, g_.vertex_weight_scale);
  }
  return std::move(g_);
}

}  // namespace signalrank
