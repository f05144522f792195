#include "partition/partitioner/metis_partition.hpp"

#include <metis.h>

#include <stdexcept>
#include <string>
#include <type_traits>

namespace signalrank {

namespace {

// The graph's arrays as METIS wants them: the 32-bit arrays themselves when idx_t is 32-bit (the
// Debian build), else widened copies. METIS takes non-const pointers but does not modify a graph
// given with 0-based numbering.
class IdxArray {
 public:
  explicit IdxArray(const std::vector<std::int32_t>& v) {
    if constexpr (std::is_same_v<idx_t, std::int32_t>) {
      ptr_ = const_cast<idx_t*>(v.data());
    } else {
      copy_.assign(v.begin(), v.end());
      ptr_ = copy_.data();
    }
  }
  idx_t* get() const { return ptr_; }

 private:
  std::vector<idx_t> copy_;
  idx_t* ptr_ = nullptr;
};

std::string metis_status(int status) {
  switch (status) {
    case METIS_ERROR_INPUT: return "METIS rejected the input graph or options";
    case METIS_ERROR_MEMORY: return "METIS ran out of memory";
    default: return "METIS failed (status " + std::to_string(status) + ")";
  }
}

}  // namespace

std::string metis_version() {
  return "METIS " + std::to_string(METIS_VER_MAJOR) + "." + std::to_string(METIS_VER_MINOR) + "." +
         std::to_string(METIS_VER_SUBMINOR);
}

std::string describe(const MetisOptions& o) {
  return metis_version() + " PartGraphKway objective=" + (o.volume ? "volume" : "cut") +
         " seed=" + std::to_string(o.seed) + " ufactor=" + std::to_string(o.ufactor) + " ncuts=1";
}

MetisResult metis_partition(const SymmetricGraph& graph, std::uint32_t parts, const MetisOptions& o) {
  const std::uint64_t n = graph.vertices();
  MetisResult r;
  r.part.assign(n, 0);
  if (parts <= 1 || n == 0) return r;
  if (parts > n) throw std::invalid_argument("more parts than vertices");

  idx_t options[METIS_NOPTIONS];
  METIS_SetDefaultOptions(options);
  options[METIS_OPTION_NUMBERING] = 0;
  options[METIS_OPTION_SEED] = o.seed;
  options[METIS_OPTION_UFACTOR] = o.ufactor;
  options[METIS_OPTION_OBJTYPE] = o.volume ? METIS_OBJTYPE_VOL : METIS_OBJTYPE_CUT;
  options[METIS_OPTION_NCUTS] = 1;

  idx_t nvtxs = static_cast<idx_t>(n), ncon = 1, nparts = static_cast<idx_t>(parts), objval = 0;
  IdxArray xadj(graph.offsets), adjncy(graph.adjacency), adjwgt(graph.edge_weight), vwgt(graph.vertex_weight);
  std::vector<idx_t> part(n);
  const int status = METIS_PartGraphKway(&nvtxs, &ncon, xadj.get(), adjncy.get(), vwgt.get(), /*vsize=*/nullptr,
                                         adjwgt.get(), &nparts, /*tpwgts=*/nullptr, /*ubvec=*/nullptr, options,
                                         &objval, part.data());
  if (status != METIS_OK) throw std::runtime_error(metis_status(status));
  for (std::uint64_t i = 0; i < n; ++i) {
    if (part[i] < 0 || part[i] >= nparts) throw std::runtime_error("METIS returned a part out of range");
    r.part[i] = static_cast<std::uint32_t>(part[i]);
  }
  r.objective = objval;
  return r;
}

}  // namespace signalrank
