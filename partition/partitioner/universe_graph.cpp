#include "partition/partitioner/universe_graph.hpp"

#include <xxhash.h>

#include <algorithm>
#include <cstdio>

#include "partition/partitioner/assign.hpp"

namespace signalrank {

ProviderShape read_provider_shape(const UniverseReader& u) {
  ProviderShape s;
  const std::uint64_t n = u.num_providers();
  s.claim_offsets = u.claim_offsets(0, n);
  s.in_offsets = u.in_offsets(0, n);
  s.out_offsets = u.out_offsets(0, n);
  s.work = provider_work(s.claim_offsets, s.in_offsets, s.out_offsets);
  return s;
}

GraphBlock read_graph_block(const UniverseReader& u, const ProviderShape& shape, std::uint64_t lo, std::uint64_t hi) {
  GraphBlock b;
  b.lo = lo;
  b.hi = hi;
  const std::uint64_t out0 = shape.out_offsets[lo], out1 = shape.out_offsets[hi];
  const std::uint64_t in0 = shape.in_offsets[lo], in1 = shape.in_offsets[hi];
  b.out_offsets.resize(hi - lo + 1);
  b.in_offsets.resize(hi - lo + 1);
  for (std::uint64_t i = lo; i <= hi; ++i) {
    b.out_offsets[i - lo] = shape.out_offsets[i] - out0;
    b.in_offsets[i - lo] = shape.in_offsets[i] - in0;
  }
  b.load.resize(hi - lo);
  for (std::uint64_t i = lo; i < hi; ++i) b.load[i - lo] = provider_load(shape.work[i]);

  b.out_dst.resize(out1 - out0);
  b.out_weight.resize(out1 - out0);
  for (std::uint64_t at = out0; at < out1; at += kEdgeChunk) {
    const std::uint64_t end = std::min(out1, at + kEdgeChunk);
    const std::vector<EdgeRow> rows = u.read_out_edges(at, end, /*with_counts=*/false);
    for (std::size_t k = 0; k < rows.size(); ++k) {
      b.out_dst[at - out0 + k] = rows[k].dst;
      b.out_weight[at - out0 + k] = rows[k].bene_count;
    }
  }
  b.in_src.resize(in1 - in0);
  for (std::uint64_t at = in0; at < in1; at += kEdgeChunk) {
    const std::uint64_t end = std::min(in1, at + kEdgeChunk);
    const std::vector<EdgeRow> rows = u.read_in_edges(at, end);
    for (std::size_t k = 0; k < rows.size(); ++k) b.in_src[at - in0 + k] = rows[k].src;
  }
  return b;
}

SymmetricGraph read_symmetric_graph(const UniverseReader& u, const ProviderShape& shape) {
  const std::uint64_t n = shape.providers();
  const std::uint64_t entries = shape.out_offsets[n] + shape.in_offsets[n];
  SymmetricGraphBuilder builder(n, entries);
  std::vector<std::uint32_t> out_dst, out_w, in_src, in_w;
  std::uint64_t v0 = 0;
  while (v0 < n) {
    // The next run of vertices holding at most kEdgeChunk out- and in-edges (at least one vertex).
    std::uint64_t v1 = v0 + 1;
    while (v1 < n && shape.out_offsets[v1 + 1] - shape.out_offsets[v0] <= kEdgeChunk &&
           shape.in_offsets[v1 + 1] - shape.in_offsets[v0] <= kEdgeChunk)
      ++v1;
    const std::uint64_t o0 = shape.out_offsets[v0], i0 = shape.in_offsets[v0];
    {
      const std::vector<EdgeRow> out = u.read_out_edges(o0, shape.out_offsets[v1], /*with_counts=*/false);
      out_dst.resize(out.size());
      out_w.resize(out.size());
      for (std::size_t k = 0; k < out.size(); ++k) {
        out_dst[k] = out[k].dst;
        out_w[k] = out[k].bene_count;
      }
    }
    {
      const std::vector<EdgeRow> in = u.read_in_edges(i0, shape.in_offsets[v1]);
      in_src.resize(in.size());
      in_w.resize(in.size());
      for (std::size_t k = 0; k < in.size(); ++k) {
        in_src[k] = in[k].src;
        in_w[k] = in[k].bene_count;
      }
    }
    for (std::uint64_t v = v0; v < v1; ++v) {
      const std::size_t ob = shape.out_offsets[v] - o0, oe = shape.out_offsets[v + 1] - o0;
      const std::size_t ib = shape.in_offsets[v] - i0, ie = shape.in_offsets[v + 1] - i0;
      builder.add_vertex(std::span(out_dst).subspan(ob, oe - ob), std::span(out_w).subspan(ob, oe - ob),
                         std::span(in_src).subspan(ib, ie - ib), std::span(in_w).subspan(ib, ie - ib),
                         provider_load(shape.work[v]));
    }
    v0 = v1;
  }
  return builder.finish();
}

std::string graph_fingerprint(const ProviderShape& shape) {
  const auto& off = shape.out_offsets;
  const XXH64_hash_t h = XXH3_64bits(off.data(), off.size() * sizeof(std::uint64_t));
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  return "providers=" + std::to_string(shape.providers()) + " edges=" + std::to_string(shape.edges()) +
         " out_offsets_xxh3=" + hex;
}

}  // namespace signalrank
