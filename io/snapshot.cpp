#include "io/snapshot.hpp"

#include <chrono>
#include <filesystem>

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
}  // namespace

void write_snapshot(const std::string& path, const Snapshot& s,
                    const std::function<std::string(double write_seconds)>& timings) {
  const auto start = std::chrono::steady_clock::now();
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  h5::AtomicPath target(path, nullptr);
  {
    h5::File f = h5::File::create(target.temp(), nullptr);
    for_each_column(
        [&](const char* name, const auto& col) {
          using T = typename std::decay_t<decltype(col)>::value_type;
          f.write_column<T>(std::string("/") + name, std::span<const T>(col));
        },
        s);
    f.set_attr("/", "campaign", s.campaign);
    f.set_attr("/", "as_of", s.as_of);
    f.set_attr("/", "campaign_toml", s.campaign_toml);
    f.set_attr("/", "inputs", s.inputs_json);
    f.set_attr("/", "version", s.version);
    f.set_attr("/", "mpi_ranks", s.mpi_ranks);
    f.set_attr("/", "omp_threads", s.omp_threads);
    f.set_attr("/", "iterations", s.iterations);
    f.set_attr("/", "residual", s.residual);
    f.set_attr("/", "created_utc", s.created_utc);
    f.close();
  }
  {
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    h5::File f = h5::File::open(target.temp(), nullptr, true);
    f.set_attr("/", "timings", timings(seconds));
  }
  target.commit();
}

void write_snapshot(const Comm& comm, const std::string& path, const Snapshot& slice, std::uint64_t offset,
                    std::uint64_t total, const std::function<std::string(double write_seconds)>& timings) {
  const auto start = std::chrono::steady_clock::now();
  // Rank 0's attributes everywhere: HDF5 creates and writes attributes collectively.
  Snapshot attrs;
  if (comm.root()) attrs = slice;
  for (std::string* text : {&attrs.campaign, &attrs.as_of, &attrs.campaign_toml, &attrs.inputs_json, &attrs.version,
                            &attrs.created_utc})
    comm.bcast(*text);
  std::vector<double> numbers{static_cast<double>(attrs.mpi_ranks), static_cast<double>(attrs.omp_threads),
                              static_cast<double>(attrs.iterations), attrs.residual};
  comm.bcast(numbers);
  if (comm.root()) {
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  }
  comm.barrier();
  h5::AtomicPath target(path, &comm);
  {
    h5::File f = h5::File::create(target.temp(), &comm);
    for_each_column(
        [&](const char* name, const auto& col) {
          using T = typename std::decay_t<decltype(col)>::value_type;
          f.write_column<T>(std::string("/") + name, total, offset, std::span<const T>(col));
        },
        slice);
    f.set_attr("/", "campaign", attrs.campaign);
    f.set_attr("/", "as_of", attrs.as_of);
    f.set_attr("/", "campaign_toml", attrs.campaign_toml);
    f.set_attr("/", "inputs", attrs.inputs_json);
    f.set_attr("/", "version", attrs.version);
    f.set_attr("/", "mpi_ranks", static_cast<std::int64_t>(numbers[0]));
    f.set_attr("/", "omp_threads", static_cast<std::int64_t>(numbers[1]));
    f.set_attr("/", "iterations", static_cast<std::int64_t>(numbers[2]));
    f.set_attr("/", "residual", numbers[3]);
    f.set_attr("/", "created_utc", attrs.created_utc);
    f.close();
  }
  {
    const double seconds = comm.max(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    std::string text = comm.root() ? timings(seconds) : std::string();
    comm.bcast(text);
    h5::File f = h5::File::open(target.temp(), &comm, true);
    f.set_attr("/", "timings", text);
  }
  target.commit();
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
  s.campaign = f.attr_string("/", "campaign");
  s.as_of = f.attr_string("/", "as_of");
  s.campaign_toml = f.attr_string("/", "campaign_toml");
  s.inputs_json = f.attr_string("/", "inputs");
  s.version = f.attr_string("/", "version");
  s.created_utc = f.attr_string("/", "created_utc");
  s.timings_json = f.attr_string("/", "timings");
  s.mpi_ranks = f.attr_int("/", "mpi_ranks");
  s.omp_threads = f.attr_int("/", "omp_threads");
  s.iterations = f.attr_int("/", "iterations");
  s.residual = f.attr_double("/", "residual");
  return s;
}

}  // namespace signalrank
