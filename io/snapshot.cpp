#include "io/snapshot.hpp"

#include "io/error.hpp"

#include <fmt/format.h>
#include <sys/statvfs.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <type_traits>
#include <vector>

#include "io/column_file.hpp"
#include "io/h5.hpp"
#include "io/units.hpp"

namespace signalrank {

namespace {
template <class F>
void for_each_column(F&& f, auto& s) {
  f("npi", s.npi);
  f("rank", s.rank);
  f("score", s.score);
  f("volume", s.volume);
  f("prior_volume", s.prior_volume);
  f("growth", s.growth);
  f("slope", s.slope);
  f("trigger_z", s.trigger_z);
  f("pagerank", s.pagerank);
  f("peer_exposure", s.peer_exposure);
  f("trigger", s.trigger);
  f("suppressed", s.suppressed);
  f("eligible", s.eligible);
  f("pct_volume", s.pct_volume);
  f("pct_growth", s.pct_growth);
  f("pct_pagerank", s.pct_pagerank);
  f("pct_peer_exposure", s.pct_peer_exposure);
}

// The root attributes but `timings`, which is written once the columns are (it includes the
// write). `f(name, member, ...)` gets the same member of every snapshot passed.
template <class F, class... S>
void for_each_attribute(F&& f, S&... s) {
  f("campaign", s.campaign...);
  f("as_of", s.as_of...);
  f("campaign_toml", s.campaign_toml...);
  f("inputs", s.inputs_json...);
  f("version", s.version...);
  f("mpi_ranks", s.mpi_ranks...);
  f("omp_threads", s.omp_threads...);
  f("iterations", s.iterations...);
  f("residual", s.residual...);
  f("created_utc", s.created_utc...);
}

// A column with a value that is not finite, as "column 'pagerank' holds nan at NPI 1234567893"
// (the first such row of the slice), or "" when every value is finite. A NaN or an infinity in a
// snapshot is a bug or corrupted input upstream; it must never be published.
std::string first_non_finite(const Snapshot& slice) {
  std::string found;
  for_each_column(
      [&](const char* name, const auto& col) {
        using T = typename std::decay_t<decltype(col)>::value_type;
        if constexpr (std::is_floating_point_v<T>) {
          if (!found.empty()) return;
          const auto bad = std::find_if(col.begin(), col.end(), [](T v) { return !std::isfinite(v); });
          if (bad != col.end())
            found = fmt::format("column '{}' holds {} at NPI {}", name, *bad,
                                slice.npi[static_cast<std::size_t>(bad - col.begin())]);
        }
      },
      slice);
  return found;
}

// The bytes the file will take: the columns, the attributes, and room for HDF5's own metadata
// (superblock and object headers: ~1 KB per dataset) with 1 % to spare.
std::uint64_t expected_bytes(std::uint64_t total, const Snapshot& attrs) {
  std::uint64_t per_row = 0;
  for_each_column(
      [&](const char*, const auto& col) { per_row += sizeof(typename std::decay_t<decltype(col)>::value_type); }, attrs);
  std::uint64_t attr_bytes = 0;
  for_each_attribute(
      [&](const char*, const auto& value) {
        if constexpr (std::is_same_v<std::decay_t<decltype(value)>, std::string>) attr_bytes += value.size();
        else attr_bytes += sizeof(value);
      },
      attrs);
  const std::uint64_t data = total * per_row + attr_bytes;
  return data + data / 100 + (64u << 10);
}

// "" when the folder's file system has room for `bytes`, else why not (statvfs; a file system that
// cannot tell is assumed to have room: the writes themselves are checked anyway).
std::string room_problem(const std::string& folder, std::uint64_t bytes) {
  struct statvfs fs {};
  if (::statvfs(folder.c_str(), &fs) != 0) return {};
  const std::uint64_t free_bytes = static_cast<std::uint64_t>(fs.f_bavail) * fs.f_frsize;
  if (free_bytes >= bytes) return {};
  return fmt::format("{} (the snapshot needs about {} and {} are free there)", std::strerror(ENOSPC),
                     human_bytes(static_cast<double>(bytes)), human_bytes(static_cast<double>(free_bytes)));
}

// Writes rows [offset, offset + slice.size()) of `total` and the root attributes `attrs`, by one
// process (comm null) or collectively by every rank of *comm (the same `attrs` on every rank).
//
// Every failure is seen by every rank at once and leaves nothing behind: the checks before the
// file exists (non-finite values, the folder, free space) are agreed collectively, and so is each
// step of the write (h5::ColumnFile: rank 0 makes the HDF5 layout, every rank pwrites its rows);
// the temporary file is removed (AtomicPath) and `path`, if it exists, is the earlier snapshot,
// untouched. Errors are std::runtime_error naming the path and the reason.
std::vector<std::string> write_file(const Comm* comm, const std::string& path, const Snapshot& slice,
                                    std::uint64_t offset, std::uint64_t total, const Snapshot& attrs,
                                    const std::function<std::string(double write_seconds)>& timings) {
  const auto start = std::chrono::steady_clock::now();
  const bool writer = !comm || comm->root();
  // One error for every rank: the first rank's that has one.
  auto agree = [&](std::string problem) {
    if (comm) {
      const int bad = comm->first_failed(!problem.empty());
      if (bad < 0) return;
      comm->bcast(problem, bad);
    }
    if (!problem.empty()) throw std::runtime_error(path + ": cannot write the snapshot: " + problem);
  };
  agree(first_non_finite(slice));
  const std::string folder = [&] {
    const auto parent = std::filesystem::path(path).parent_path();
    return parent.empty() ? std::string(".") : parent.string();
  }();
  std::string problem;
  if (writer) {
    std::error_code ec;
    std::filesystem::create_directories(folder, ec);
    problem = ec ? fmt::format("cannot create the folder {}: {}", folder, ec.message())
                 : room_problem(folder, expected_bytes(total, attrs));
  }
  agree(problem);
  h5::AtomicPath target(path, comm);
  try {
    h5::ColumnFile f(comm, target.temp());
    for_each_column(
        [&](const char* name, const auto& col) {
          f.column<typename std::decay_t<decltype(col)>::value_type>(std::string("/") + name, total);
        },
        slice);
    for_each_attribute([&](const char* name, const auto& value) { f.attr("/", name, value); }, attrs);
    f.create();
    for_each_column(
        [&](const char* name, const auto& col) {
          using T = typename std::decay_t<decltype(col)>::value_type;
          f.write<T>(std::string("/") + name, offset, std::span<const T>(col));
        },
        slice);
    f.finish();
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (comm) seconds = comm->max(seconds);
    std::string text = writer ? timings(seconds) : std::string();
    if (comm) comm->bcast(text);
    f.add_attr("/", "timings", text);
    return target.commit();
  } catch (const std::exception& e) {
    target.fail(e, "the snapshot");  // the same message on every rank (agreed)
  }
}

}  // namespace

std::vector<std::string> write_snapshot(const std::string& path, const Snapshot& s,
                                        const std::function<std::string(double write_seconds)>& timings) {
  return write_file(nullptr, path, s, 0, s.size(), s, timings);
}

std::vector<std::string> write_snapshot(const Comm& comm, const std::string& path, const Snapshot& slice,
                                        std::uint64_t offset, std::uint64_t total,
                                        const std::function<std::string(double write_seconds)>& timings) {
  // Rank 0's attributes on every rank: HDF5 creates and writes attributes collectively.
  Snapshot attrs;
  for_each_attribute(
      [&](const char*, auto& mine, const auto& root) {
        using T = std::decay_t<decltype(mine)>;
        if (comm.root()) mine = root;
        if constexpr (std::is_same_v<T, std::string>) {
          comm.bcast(mine);
        } else {
          std::vector<T> one{mine};
          comm.bcast(one);
          mine = one[0];
        }
      },
      attrs, slice);
  return write_file(&comm, path, slice, offset, total, attrs, timings);
}

Snapshot read_snapshot(const std::string& path) {
  h5::File f = h5::File::open(path, nullptr);
  Snapshot s;
  // One row per provider in every column: a column of another length (a damaged or hand-edited
  // file) is refused here, before anything indexes one column by another's rows.
  const std::uint64_t rows = f.column_size("/npi");
  for_each_column(
      [&](const char* name, auto& col) {
        using T = typename std::decay_t<decltype(col)>::value_type;
        const std::string dataset = std::string("/") + name;
        if (const std::uint64_t n = f.column_size(dataset); n != rows)
          throw InputError(path, 0, "",
                           "dataset " + dataset + " has " + std::to_string(n) + " rows and /npi has " +
                               std::to_string(rows) + ": a snapshot holds one row per provider in every column");
        col = f.read_column<T>(dataset);
      },
      s);
  for_each_attribute(
      [&](const char* name, auto& value) {
        using T = std::decay_t<decltype(value)>;
        if constexpr (std::is_same_v<T, std::string>) value = f.attr_string("/", name);
        else if constexpr (std::is_same_v<T, double>) value = f.attr_double("/", name);
        else value = f.attr_int("/", name);
      },
      s);
  s.timings_json = f.attr_string("/", "timings");
  return s;
}

}  // namespace signalrank
