// The read stage: this rank's block of universe.h5 (io/universe.hpp does the checked reads).
#include <chrono>

#include "io/agree.hpp"
#include "src/pipeline/stages.hpp"

namespace signalrank::pipeline {

namespace {

// CSR offsets of a slice as read (absolute row numbers) to offsets from the slice's first row.
std::vector<std::uint64_t> localize(std::vector<std::uint64_t> off) {
  const std::uint64_t base = off.empty() ? 0 : off.front();
  for (auto& o : off) o -= base;
  return off;
}

}  // namespace

OwnedData read_owned(const Comm& comm, const UniverseReader& universe, Ownership own,
                     const std::vector<std::uint8_t>& code_match, WeekRange weeks) {
  OwnedData data;
  data.own = std::move(own);
  const std::uint64_t lo = data.own.read_layout().begin(comm.rank()), hi = data.own.read_layout().end(comm.rank());
  std::uint64_t digest = 0;
  agree_on_errors(comm, [&] {
    const auto t0 = std::chrono::steady_clock::now();
    data.claims = universe.read_claim_series(lo, hi, code_match, weeks.first.value, weeks.last.value);
    data.claims_read_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    auto in_offsets = universe.in_offsets(lo, hi);
    data.in_edges = universe.read_in_columns(in_offsets.front(), in_offsets.back());
    auto out_offsets = universe.out_offsets(lo, hi);
    data.out_edges = universe.read_out_columns(out_offsets.front(), out_offsets.back());
    data.out_weight = universe.out_weight(lo, hi, out_offsets, data.out_edges.bene);
    digest = universe.edge_digest(lo, out_offsets, data.out_edges, in_offsets, data.in_edges);
    data.in_off = localize(std::move(in_offsets));
    data.out_off = localize(std::move(out_offsets));
  });
  universe.check_edge_digests(comm, digest);  // the edges by source are those by destination
  data.ids = data.own.owned(comm.rank());
  return data;
}

}  // namespace signalrank::pipeline
