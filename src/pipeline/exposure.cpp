// The exposure stage: how much of each provider's network already does the activity
// (kernels/exposure.hpp), with one halo exchange of the "active" flags over every ghost.
#include "kernels/exposure.hpp"
#include "src/pipeline/stages.hpp"

namespace signalrank::pipeline {

void compute_peer_exposure(const LocalGraph& graph, Columns& columns) {
  const std::size_t n = graph.n_owned();
  std::vector<std::uint8_t> active(n + graph.ghosts.size());
  for (std::size_t i = 0; i < n; ++i) active[graph.position_of[i]] = columns.volume[i] > 0;
  graph.exposure_halo.exchange<std::uint8_t>(active);
  std::vector<double> exposure(n);
  kernels::peer_exposure(graph.out_off, graph.out_dst, graph.out_bene, graph.in_off, graph.in_src, graph.in_bene,
                         active, exposure);
  for (std::size_t i = 0; i < n; ++i) columns.peer_exposure[i] = exposure[graph.position_of[i]];
}

}  // namespace signalrank::pipeline
