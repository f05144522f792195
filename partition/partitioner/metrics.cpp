#include "partition/partitioner/metrics.hpp"

#include <mpi.h>
#include <omp.h>

#include <algorithm>
#include <set>
#include <stdexcept>
#include <utility>

namespace signalrank {

void PartitionCounts::add(const PartitionCounts& o) {
  if (o.parts != parts) throw std::logic_error("PartitionCounts::add: different part counts");
  edges += o.edges;
  edge_weight += o.edge_weight;
  cut_edges += o.cut_edges;
  cut_weight += o.cut_weight;
  for (std::uint32_t p = 0; p < parts; ++p) {
    vertices[p] += o.vertices[p];
    load[p] += o.load[p];
    halo[p] += o.halo[p];
    exposure[p] += o.exposure[p];
    combined[p] += o.combined[p];
  }
}

PartitionMetrics summarize(const PartitionCounts& c) {
  PartitionMetrics m;
  m.parts = c.parts;
  m.edges = c.edges;
  m.edge_weight = c.edge_weight;
  m.cut_edges = c.cut_edges;
  m.cut_weight = c.cut_weight;
  m.cut_fraction = c.edges ? static_cast<double>(c.cut_edges) / static_cast<double>(c.edges) : 0.0;
  m.cut_weight_fraction = c.edge_weight ? static_cast<double>(c.cut_weight) / static_cast<double>(c.edge_weight) : 0.0;
  std::uint64_t total_load = 0, max_load = 0;
  m.min_part_vertices = c.parts ? c.vertices[0] : 0;
  for (std::uint32_t p = 0; p < c.parts; ++p) {
    m.vertices += c.vertices[p];
    m.max_part_vertices = std::max(m.max_part_vertices, c.vertices[p]);
    m.min_part_vertices = std::min(m.min_part_vertices, c.vertices[p]);
    total_load += c.load[p];
    max_load = std::max(max_load, c.load[p]);
    m.halo_values += c.halo[p];
    m.halo_max_part = std::max(m.halo_max_part, c.halo[p]);
    m.exposure_values += c.exposure[p];
    m.exposure_max_part = std::max(m.exposure_max_part, c.exposure[p]);
    m.combined_values += c.combined[p];
    m.combined_max_part = std::max(m.combined_max_part, c.combined[p]);
  }
  const double parts = static_cast<double>(c.parts);
  if (total_load) m.load_imbalance = static_cast<double>(max_load) * parts / static_cast<double>(total_load);
  if (m.vertices) m.vertex_imbalance = static_cast<double>(m.max_part_vertices) * parts / static_cast<double>(m.vertices);
  return m;
}

PartitionCounts count_block(const GraphBlock& b, std::span<const std::uint32_t> part, std::uint32_t parts) {
  PartitionCounts total(parts);
  const std::int64_t nv = static_cast<std::int64_t>(b.vertices());
#pragma omp parallel
  {
    PartitionCounts mine(parts);
    // seen_*[p] == stamp: vertex (stamp - 1) has already been counted as a ghost of part p.
    std::vector<std::uint64_t> seen_pr(parts, 0), seen_ex(parts, 0), seen_in(parts, 0);
    // Degrees are heavy-tailed (hubs): small dynamic chunks keep the threads even.
#pragma omp for schedule(dynamic, 256) nowait
    for (std::int64_t k = 0; k < nv; ++k) {
      const std::uint64_t stamp = static_cast<std::uint64_t>(k) + 1;
      // True the first time part p is met for this vertex in `seen`.
      auto first = [stamp](std::vector<std::uint64_t>& seen, std::uint32_t p) {
        if (seen[p] == stamp) return false;
        seen[p] = stamp;
        return true;
      };
      const std::uint32_t own = part[b.lo + k];
      mine.vertices[own] += 1;
      mine.load[own] += b.load[k];
      for (std::uint64_t e = b.out_offsets[k]; e < b.out_offsets[k + 1]; ++e) {
        const std::uint32_t p = part[b.out_dst[e]];
        const std::uint32_t w = b.out_weight[e];
        mine.edges += 1;
        mine.edge_weight += w;
        if (p == own) continue;
        mine.cut_edges += 1;
        mine.cut_weight += w;
        // Part p pulls this vertex's value once, however many of its vertices it points to.
        if (first(seen_pr, p)) mine.halo[p] += 1;
        if (first(seen_ex, p)) mine.exposure[p] += 1;
      }
      for (std::uint64_t e = b.in_offsets[k]; e < b.in_offsets[k + 1]; ++e) {
        const std::uint32_t p = part[b.in_src[e]];
        if (p == own) continue;
        if (first(seen_ex, p)) mine.exposure[p] += 1;
        // One partial sum for this vertex arrives from each other part holding an in-neighbour.
        if (first(seen_in, p)) mine.combined[own] += 1;
      }
    }
    // Integer sums: exact in any order.
#pragma omp critical(signalrank_count_block)
    total.add(mine);
  }
  return total;
}

PartitionCounts count_distributed(const Comm& comm, const GraphBlock& block, std::span<const std::uint32_t> part,
                                  std::uint32_t parts) {
  PartitionCounts c = count_block(block, part, parts);
  // One reduction of everything: 4 scalars, then the four per-part vectors.
  std::vector<std::uint64_t> buf{c.edges, c.edge_weight, c.cut_edges, c.cut_weight};
  for (const auto* v : {&c.vertices, &c.load, &c.halo, &c.exposure, &c.combined}) buf.insert(buf.end(), v->begin(), v->end());
  std::vector<std::uint64_t> sum(buf.size());
  MPI_Allreduce(buf.data(), sum.data(), static_cast<int>(buf.size()), MPI_UINT64_T, MPI_SUM, comm.raw());
  PartitionCounts out(parts);
  out.edges = sum[0];
  out.edge_weight = sum[1];
  out.cut_edges = sum[2];
  out.cut_weight = sum[3];
  std::size_t at = 4;
  for (auto* v : {&out.vertices, &out.load, &out.halo, &out.exposure, &out.combined}) {
    std::copy(sum.begin() + static_cast<std::ptrdiff_t>(at), sum.begin() + static_cast<std::ptrdiff_t>(at + parts),
              v->begin());
    at += parts;
  }
  return out;
}

PartitionCounts count_reference(std::span<const std::uint64_t> load, std::span<const DirectedEdge> edges,
                                std::span<const std::uint32_t> part, std::uint32_t parts) {
  PartitionCounts c(parts);
  for (std::size_t i = 0; i < part.size(); ++i) {
    c.vertices[part[i]] += 1;
    c.load[part[i]] += load[i];
  }
  // (receiving part, ghost vertex) pairs, each counted once.
  std::set<std::pair<std::uint32_t, std::uint32_t>> pagerank_ghosts, exposure_ghosts;
  std::set<std::pair<std::uint32_t, std::uint32_t>> partial_sums;  // (target, sending part)
  for (const DirectedEdge& e : edges) {
    c.edges += 1;
    c.edge_weight += e.weight;
    const std::uint32_t ps = part[e.src], pd = part[e.dst];
    if (ps == pd) continue;
    c.cut_edges += 1;
    c.cut_weight += e.weight;
    pagerank_ghosts.insert({pd, e.src});  // dst's part pulls src's value
    exposure_ghosts.insert({pd, e.src});
    exposure_ghosts.insert({ps, e.dst});
    partial_sums.insert({e.dst, ps});
  }
  for (const auto& [p, v] : pagerank_ghosts) c.halo[p] += 1;
  for (const auto& [p, v] : exposure_ghosts) c.exposure[p] += 1;
  for (const auto& [v, sender] : partial_sums) c.combined[part[v]] += 1;
  return c;
}

}  // namespace signalrank
