// The redistribute stage: with `score --partition hash|graph`, every provider's rows move once
// from the rank that read them to their owner (partition/ownership.hpp: Redistribution).
#include <type_traits>

#include "src/pipeline/stages.hpp"

namespace signalrank::pipeline {

void redistribute(const Comm& comm, OwnedData& data) {
  if (data.own.is_block()) return;
  const Redistribution move(comm, data.own);
  auto move_csr = [&](std::vector<std::uint64_t>& off, auto&... columns) {
    ((columns = move.move_rows<std::remove_reference_t<decltype(columns)>>(off, columns)), ...);
    off = move.move_offsets(off);
  };
  move_csr(data.claims.offsets, data.claims.week, data.claims.services);
  move_csr(data.in_off, data.in_edges.other, data.in_edges.bene);
  move_csr(data.out_off, data.out_edges.other, data.out_edges.bene);
  data.out_weight = move.move<std::uint64_t>(data.out_weight);
}

}  // namespace signalrank::pipeline
