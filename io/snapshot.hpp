// The ranked snapshot (SPEC §5): DIR/<campaign>/<as_of>.h5, one file per run, rows sorted by rank
// (eligible first). Written at a temporary name, fsync'd and renamed, so a failed run never leaves
// a partial snapshot: by one process (write_snapshot), or by all ranks at once, each its slice of
// the rows (the collective overload: parallel HDF5 over MPI-IO, used by score).
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "partition/comm.hpp"

namespace signalrank {

struct Snapshot {
  // Columns, all of one length, in rank order.
  std::vector<std::uint64_t> npi;
  std::vector<std::uint32_t> rank;
  std::vector<double> score, volume, prior_volume, growth, slope, trigger_z, pagerank, peer_exposure;
  std::vector<std::uint8_t> trigger, suppressed, eligible;
  std::vector<double> pct_volume, pct_growth, pct_pagerank, pct_peer_exposure;  // 0 when ineligible

  // Root attributes.
  std::string campaign, as_of, campaign_toml, inputs_json, version, created_utc, timings_json;
  std::int64_t mpi_ranks = 1, omp_threads = 1, iterations = 0;
  double residual = 0;

  std::size_t size() const { return npi.size(); }
};

// Writes `s` to `path` atomically (serial HDF5; the caller is rank 0). `timings(write_seconds)`
// gives the final `timings` attribute once the columns are written, so it can include the write.
// Refuses (std::runtime_error, nothing written) a column value that is not finite, and a folder
// without room for the file; any failed write removes the temporary file and leaves an earlier
// snapshot at `path` untouched. Returns the stale temporary files of ended runs it removed from
// the folder (io/temp_files.hpp).
std::vector<std::string> write_snapshot(const std::string& path, const Snapshot& s,
                                        const std::function<std::string(double write_seconds)>& timings);
// Collective: every rank passes its slice of the rows, rows [offset, offset + slice.size()) of
// `total`, in rank order (rank r's slice follows rank r-1's). The root attributes are rank 0's
// (broadcast). `timings(write_seconds)` is called on rank 0 with the slowest rank's seconds.
// Every check and failure of the serial writer is agreed by all ranks: they all throw the same
// error, none waits for the others. The stale files removed are listed on rank 0.
std::vector<std::string> write_snapshot(const Comm& comm, const std::string& path, const Snapshot& slice,
                                        std::uint64_t offset, std::uint64_t total,
                                        const std::function<std::string(double write_seconds)>& timings);
Snapshot read_snapshot(const std::string& path);

}  // namespace signalrank
