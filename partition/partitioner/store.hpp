// Stored assignments in universe.h5 (`signalrank partition --store`):
//
//   /partition/<method>_<parts>/part   uint32, one per provider in the file's provider order
//   attributes of the group /partition/<method>_<parts>:
//     method, parts, providers, edge_cut, edge_cut_weight, halo_values, exposure_halo_values,
//     imbalance (load, max/mean), vertex_imbalance, created_utc, graph_fingerprint
//     (partition/partitioner/universe_graph.hpp), settings (how it was computed, e.g. the METIS options)
//
// A store writes the group under a hidden name (/partition/.tmp-<method>_<parts>), flushes it,
// then replaces the visible name with H5Ldelete + H5Lmove and flushes again: a reader of the
// file never sees a half-written `part`, and a run that dies before the move leaves only the
// hidden group (removed by the next store of that name). HDF5 has no multi-operation
// transactions: this protects against a crash between operations, not against the loss of the
// whole file's metadata mid-flush, which HDF5 itself does not guard.
//
// Serial HDF5, one process: the universe must not be open anywhere else (HDF5's file locks refuse
// a writer while readers hold the file).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "partition/partitioner/assign.hpp"
#include "partition/partitioner/metrics.hpp"

namespace signalrank {

struct StoredPartition {
  std::string method;
  std::uint32_t parts = 0;
  std::vector<std::uint32_t> part;
  std::uint64_t providers = 0, edge_cut = 0, edge_cut_weight = 0, halo_values = 0, exposure_halo_values = 0;
  double imbalance = 0, vertex_imbalance = 0;
  std::string created_utc, graph_fingerprint, settings;
};

// "graph_16".
std::string stored_partition_name(std::string_view method, std::uint32_t parts);

StoredPartition make_stored_partition(PartitionMethod method, std::uint32_t parts, std::vector<std::uint32_t> part,
                                      const PartitionMetrics& metrics, std::string graph_fingerprint,
                                      std::string settings);

// Why `path` cannot be opened for writing (e.g. "Permission denied", "Read-only file system", or
// HDF5's lock held by a reader in another process), or empty when it can. Opens the file itself
// rather than asking access(), so it also holds for root. Call it while this process has the file
// closed.
std::string write_problem(const std::string& path);

// Writes (or atomically replaces) /partition/<method>_<parts> in the universe file `path`.
void store_partition(const std::string& path, const StoredPartition& p);
// Reads /partition/<name> back; throws InputError when absent.
StoredPartition load_partition(const std::string& path, const std::string& name);
// Every stored partition of `path` (attributes only: `part` is left empty), by name; hidden
// leftovers of an interrupted store are not listed.
std::vector<StoredPartition> list_partitions(const std::string& path);

}  // namespace signalrank
