#include "partition/partitioner/store.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "io/dates.hpp"
#include "io/error.hpp"
#include "io/h5.hpp"

namespace signalrank {

namespace {
constexpr const char* kGroup = "/partition";
}  // namespace

std::string stored_partition_name(std::string_view method, std::uint32_t parts) {
  return std::string(method) + "_" + std::to_string(parts);
}

StoredPartition make_stored_partition(PartitionMethod method, std::uint32_t parts, std::vector<std::uint32_t> part,
                                      const PartitionMetrics& m, std::string graph_fingerprint, std::string settings) {
  StoredPartition s;
  s.method = std::string(method_name(method));
  s.parts = parts;
  s.providers = part.size();
  s.part = std::move(part);
  s.edge_cut = m.cut_edges;
  s.edge_cut_weight = m.cut_weight;
  s.halo_values = m.halo_values;
  s.exposure_halo_values = m.exposure_values;
  s.imbalance = m.load_imbalance;
  s.vertex_imbalance = m.vertex_imbalance;
  s.created_utc = utc_now();
  s.graph_fingerprint = std::move(graph_fingerprint);
  s.settings = std::move(settings);
  return s;
}

std::string write_problem(const std::string& path) {
  // open(O_RDWR) rather than access(W_OK): access() says yes to root for any mode, while open()
  // also reports read-only file systems and immutable files.
  const int fd = ::open(path.c_str(), O_RDWR);
  if (fd < 0) return std::strerror(errno);
  ::close(fd);
  // HDF5 locks a file it opens (shared for readers, exclusive for a writer): a running `score`
  // or another reader makes the store fail, so say so now rather than after the computation.
  try {
    h5::File::open(path, nullptr, /*writable=*/true).close();
  } catch (const std::exception&) {
    return "HDF5 cannot open it for writing (is another process reading it? HDF5 locks open files)";
  }
  return "";
}

void store_partition(const std::string& path, const StoredPartition& p) {
  if (const std::string problem = write_problem(path); !problem.empty())
    throw std::runtime_error(path + ": cannot store a partition: " + problem);
  h5::File f = h5::File::open(path, nullptr, /*writable=*/true);
  const std::string name = stored_partition_name(p.method, p.parts);
  const std::string final_name = std::string(kGroup) + "/" + name;
  const std::string temp = std::string(kGroup) + "/.tmp-" + name;
  if (!f.exists(kGroup)) f.create_group(kGroup);
  if (f.exists(temp)) f.remove_link(temp);  // the leftover of an interrupted store

  f.create_group(temp);
  f.write_column<std::uint32_t>(temp + "/part", p.part);
  f.set_attr(temp, "method", p.method);
  f.set_attr(temp, "parts", static_cast<std::int64_t>(p.parts));
  f.set_attr(temp, "providers", static_cast<std::int64_t>(p.providers));
  f.set_attr(temp, "edge_cut", static_cast<std::int64_t>(p.edge_cut));
  f.set_attr(temp, "edge_cut_weight", static_cast<std::int64_t>(p.edge_cut_weight));
  f.set_attr(temp, "halo_values", static_cast<std::int64_t>(p.halo_values));
  f.set_attr(temp, "exposure_halo_values", static_cast<std::int64_t>(p.exposure_halo_values));
  f.set_attr(temp, "imbalance", p.imbalance);
  f.set_attr(temp, "vertex_imbalance", p.vertex_imbalance);
  f.set_attr(temp, "created_utc", p.created_utc);
  f.set_attr(temp, "graph_fingerprint", p.graph_fingerprint);
  f.set_attr(temp, "settings", p.settings);
  // The complete group reaches the file before its visible name changes.
  f.flush();
  if (f.exists(final_name)) f.remove_link(final_name);
  f.move_link(temp, final_name);
  f.flush();
  f.close();
  h5::fsync_path(path);
}

namespace {
StoredPartition read_attributes(const h5::File& f, const std::string& g) {
  StoredPartition p;
  p.method = f.attr_string(g, "method");
  p.parts = static_cast<std::uint32_t>(f.attr_int(g, "parts"));
  p.providers = static_cast<std::uint64_t>(f.attr_int(g, "providers"));
  p.edge_cut = static_cast<std::uint64_t>(f.attr_int(g, "edge_cut"));
  p.edge_cut_weight = static_cast<std::uint64_t>(f.attr_int(g, "edge_cut_weight"));
  p.halo_values = static_cast<std::uint64_t>(f.attr_int(g, "halo_values"));
  p.exposure_halo_values = static_cast<std::uint64_t>(f.attr_int(g, "exposure_halo_values"));
  p.imbalance = f.attr_double(g, "imbalance");
  p.vertex_imbalance = f.attr_double(g, "vertex_imbalance");
  p.created_utc = f.attr_string(g, "created_utc");
  p.graph_fingerprint = f.attr_string(g, "graph_fingerprint");
  p.settings = f.attr_string(g, "settings");
  return p;
}
}  // namespace

StoredPartition load_partition(const std::string& path, const std::string& name) {
  const h5::File f = h5::File::open(path, nullptr);
  const std::string g = std::string(kGroup) + "/" + name;
  if (!f.exists(g + "/part")) throw InputError(path, 0, "", "no stored partition " + g);
  StoredPartition p = read_attributes(f, g);
  p.part = f.read_column<std::uint32_t>(g + "/part");
  return p;
}

std::vector<StoredPartition> list_partitions(const std::string& path) {
  const h5::File f = h5::File::open(path, nullptr);
  std::vector<StoredPartition> out;
  for (const std::string& name : f.children(kGroup)) {
    const std::string g = std::string(kGroup) + "/" + name;
    if (name.starts_with(".") || !f.exists(g + "/part")) continue;
    out.push_back(read_attributes(f, g));
  }
  return out;
}

}  // namespace signalrank
