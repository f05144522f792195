#include "io/snapshot.hpp"

#include <chrono>
#include <filesystem>
#include <type_traits>
#include <vector>

#include "io/h5.hpp"

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

// Writes rows [offset, offset + slice.size()) of `total` and the root attributes `attrs`, by one
// process (comm null) or collectively by every rank of *comm (the same `attrs` on every rank).
void write_file(const Comm* comm, const std::string& path, const Snapshot& slice, std::uint64_t offset,
                std::uint64_t total, const Snapshot& attrs,
                const std::function<std::string(double write_seconds)>& timings) {
  const auto start = std::chrono::steady_clock::now();
  if (!comm) {
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  } else {
    if (comm->root()) {
      std::error_code ec;
      std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
    }
    comm->barrier();
  }
  h5::AtomicPath target(path, comm);
  {
    h5::File f = h5::File::create(target.temp(), comm);
    for_each_column(
        [&](const char* name, const auto& col) {
          using T = typename std::decay_t<decltype(col)>::value_type;
          f.write_column<T>(std::string("/") + name, total, offset, std::span<const T>(col));
        },
        slice);
    for_each_attribute([&](const char* name, const auto& value) { f.set_attr("/", name, value); }, attrs);
    f.close();
  }
  {
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (comm) seconds = comm->max(seconds);
    std::string text = !comm || comm->root() ? timings(seconds) : std::string();
    if (comm) comm->bcast(text);
    h5::File f = h5::File::open(target.temp(), comm, true);
    f.set_attr("/", "timings", text);
  }
  target.commit();
}

}  // namespace

void write_snapshot(const std::string& path, const Snapshot& s,
                    const std::function<std::string(double write_seconds)>& timings) {
  write_file(nullptr, path, s, 0, s.size(), s, timings);
}

void write_snapshot(const Comm& comm, const std::string& path, const Snapshot& slice, std::uint64_t offset,
                    std::uint64_t total, const std::function<std::string(double write_seconds)>& timings) {
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
  write_file(&comm, path, slice, offset, total, attrs, timings);
}

Snapshot read_snapshot(const std::string& path) {
  h5::File f = h5::File::open(path, nullptr);
  Snapshot s;
  for_each_column(
      [&](const char* name, auto& col) {
        using T = typename std::decay_t<decltype(col)>::value_type;
        col = f.read_column<T>(std::string("/") + name);
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
