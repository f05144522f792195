// signalrank partition: compares ways of splitting providers over ranks (issue 6).
//
//   signalrank partition --universe U.h5 --method block,hash,graph --parts 2,4,8,16,64,256
//                        [--report FILE.csv] [--store [--if-missing]]
//   signalrank partition --universe U.h5 --list
//
// For every method and part count it computes the assignment (partition/partitioner/partitioner.hpp) and
// what it would cost a distributed run (partition/partitioner/metrics.hpp): edge cut, PageRank and exposure
// halo values per iteration, load and vertex imbalance. Rank 0 prints a table row as each one
// finishes; --report writes the same as CSV; --store writes each assignment into the universe
// (partition/partitioner/store.hpp) after every rank has closed the file; with --if-missing, the assignments
// already stored for this very graph are kept and not recomputed (for pipelines that need
// `score --partition graph`). --list prints what the universe holds.
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "io/error.hpp"
#include "io/text.hpp"
#include "io/universe.hpp"
#include "partition/partitioner/partitioner.hpp"
#include "partition/partitioner/store.hpp"
#include "src/commands/support.hpp"
#include "src/commands/commands.hpp"
#include "src/pipeline/plan.hpp"

namespace signalrank {

namespace {

struct PartitionOptions {
  std::string universe, report;
  std::vector<std::string> methods, parts;
  bool store = false, if_missing = false, list = false;
};

struct Row {
  PartitionMethod method;
  PartitionMetrics m;
  double seconds = 0;  // computing the assignment
};

std::vector<PartitionMethod> parse_methods(const std::vector<std::string>& names) {
  std::vector<PartitionMethod> out;
  for (const std::string& name : names) {
    auto m = parse_method(name);
    if (!m) throw ConfigError("--method", 0, "", text::quote(name) + " is not a partitioning method (block, hash or graph)");
    if (std::find(out.begin(), out.end(), *m) == out.end()) out.push_back(*m);
  }
  return out;
}

std::vector<std::uint32_t> parse_parts(const std::vector<std::string>& texts) {
  std::vector<std::uint32_t> out;
  for (const std::string& t : texts) {
    std::uint64_t v = 0;
    const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
    if (ec != std::errc() || end != t.data() + t.size() || v < 1 || v > 0xFFFFFFFFull)
      throw ConfigError("--parts", 0, "", text::quote(t) + " is not a part count (a whole number, at least 1)");
    const auto p = static_cast<std::uint32_t>(v);
    if (std::find(out.begin(), out.end(), p) == out.end()) out.push_back(p);
  }
  return out;
}

std::string table_header() {
  return fmt::format("{:<6} {:>6} {:>7} {:>8} {:>16} {:>12} {:>13} {:>14} {:>14} {:>8} {:>8} {:>8}", "method",
                     "parts", "cut %", "cut w %", "halo values/iter", "halo MB/iter", "max part halo",
                     "exposure halo", "combined halo", "load imb", "vert imb", "seconds");
}

std::string table_row(const Row& r) {
  const PartitionMetrics& m = r.m;
  return fmt::format(
      "{:<6} {:>6} {:>7.2f} {:>8.2f} {:>16} {:>12.2f} {:>13} {:>14} {:>14} {:>8.3f} {:>8.3f} {:>8.2f}",
      method_name(r.method), m.parts, 100.0 * m.cut_fraction, 100.0 * m.cut_weight_fraction, m.halo_values,
      static_cast<double>(m.halo_bytes()) / 1e6, m.halo_max_part, m.exposure_values, m.combined_values,
      m.load_imbalance, m.vertex_imbalance, r.seconds);
}

std::string report_csv(const std::vector<Row>& rows) {
  std::string out = csv_record({"method", "parts", "providers", "edges", "cut_edges", "cut_fraction", "cut_weight",
                                "cut_weight_fraction", "halo_values", "halo_bytes", "halo_max_part",
                                "exposure_halo_values", "exposure_halo_max_part", "combined_halo_values",
                                "combined_halo_max_part", "load_imbalance",
                                "vertex_imbalance", "max_part_vertices", "min_part_vertices", "seconds"});
  for (const Row& r : rows) {
    const PartitionMetrics& m = r.m;
    out += csv_record({std::string(method_name(r.method)), std::to_string(m.parts), std::to_string(m.vertices),
                       std::to_string(m.edges), std::to_string(m.cut_edges), fmt::format("{:.6f}", m.cut_fraction),
                       std::to_string(m.cut_weight), fmt::format("{:.6f}", m.cut_weight_fraction),
                       std::to_string(m.halo_values), std::to_string(m.halo_bytes()), std::to_string(m.halo_max_part),
                       std::to_string(m.exposure_values), std::to_string(m.exposure_max_part),
                       std::to_string(m.combined_values), std::to_string(m.combined_max_part),
                       fmt::format("{:.6f}", m.load_imbalance), fmt::format("{:.6f}", m.vertex_imbalance),
                       std::to_string(m.max_part_vertices), std::to_string(m.min_part_vertices),
                       fmt::format("{:.3f}", r.seconds)});
  }
  return out;
}

// --list: the stored partitions, and whether each was computed for this universe's graph.
int list_stored(const Comm& comm, const PartitionOptions& o) {
  std::string fingerprint;
  std::uint64_t edges = 0;
  {
    const UniverseReader universe(comm, o.universe);
    if (comm.root()) fingerprint = graph_fingerprint(read_provider_shape(universe));
    edges = universe.num_edges();
  }
  return run_on_root(comm, [&] {
    const std::vector<StoredPartition> stored = list_partitions(o.universe);
    std::printf("stored partitions in %s (this graph: %s)\n", o.universe.c_str(), fingerprint.c_str());
    if (stored.empty()) {
      std::printf("none; store one with signalrank partition --universe %s --method graph --parts N --store\n",
                  o.universe.c_str());
      return kExitOk;
    }
    std::printf("%-12s %-6s %6s %10s %7s %16s %8s %-21s %s\n", "name", "method", "parts", "providers", "cut %",
                "halo values/iter", "load imb", "created", "for this graph");
    for (const StoredPartition& p : stored) {
      std::printf("%-12s %-6s %6u %10llu %7.2f %16llu %8.3f %-21s %s\n",
                  stored_partition_name(p.method, p.parts).c_str(), p.method.c_str(), p.parts,
                  static_cast<unsigned long long>(p.providers),
                  edges ? 100.0 * static_cast<double>(p.edge_cut) / static_cast<double>(edges) : 0.0,
                  static_cast<unsigned long long>(p.halo_values),
                  p.imbalance, p.created_utc.c_str(), p.graph_fingerprint == fingerprint ? "yes" : "no (stale)");
    }
    return kExitOk;
  });
}

int run_partition(const Comm& comm, const PartitionOptions& o) {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  // ---- check the command line on every rank before any heavy reading (errors are collective) ----
  check_input_file("--universe", o.universe);
  if (o.list) return list_stored(comm, o);
  if (o.methods.empty()) throw ConfigError("--method", 0, "", "is required (block, hash and/or graph), unless --list");
  if (o.parts.empty()) throw ConfigError("--parts", 0, "", "is required (part counts, e.g. 2,4,16), unless --list");
  if (o.if_missing && !o.store) throw ConfigError("--if-missing", 0, "", "only applies with --store");
  const std::vector<PartitionMethod> methods = parse_methods(o.methods);
  const std::vector<std::uint32_t> parts = parse_parts(o.parts);
  if (!o.report.empty()) check_output_folder("--report", o.report);
  if (o.store) {
    std::string problem = comm.root() ? write_problem(o.universe) : std::string();
    comm.bcast(problem);
    if (!problem.empty())
      throw ConfigError("--store", 0, "", "cannot write to '" + o.universe + "': " + problem);
  }
  auto universe = std::make_unique<UniverseReader>(comm, o.universe);
  const std::uint64_t n = universe->num_providers();
  for (std::uint32_t p : parts)
    if (p > n)
      throw ConfigError("--parts", 0, "",
                        fmt::format("{} parts is more than the {} providers of '{}'", p, n, o.universe));

  // ---- read the load model and NPIs everywhere ----
  auto partitioner = std::make_unique<Partitioner>(comm, *universe);
  const std::string fingerprint = graph_fingerprint(partitioner->shape());
  say(comm, fmt::format("[partition] {} providers, {} directed edges, {} ranks; read in {:.2f} s", n,
                        partitioner->shape().edges(), comm.size(),
                        std::chrono::duration<double>(Clock::now() - start).count()));

  // ---- --if-missing: what is already stored for this graph stays and is not recomputed ----
  std::vector<std::string> kept;
  if (o.if_missing && comm.root())
    for (const StoredPartition& p : list_partitions(o.universe))
      if (p.graph_fingerprint == fingerprint) kept.push_back(stored_partition_name(p.method, p.parts));
  {
    std::string joined;
    for (const std::string& k : kept) joined += k + "\n";
    comm.bcast(joined);
    kept.clear();
    for (std::size_t at = 0, nl; (nl = joined.find('\n', at)) != std::string::npos; at = nl + 1)
      kept.push_back(joined.substr(at, nl - at));
  }
  auto is_kept = [&](PartitionMethod m, std::uint32_t p) {
    return std::find(kept.begin(), kept.end(), stored_partition_name(method_name(m), p)) != kept.end();
  };

  // ---- assign: every method × part count. METIS (rank 0) runs before any rank reads its graph
  // block for the metrics, and its graph is freed before they are read: the two never coexist ----
  std::vector<Assignment> assignments;
  bool graph_built = false;
  for (PartitionMethod method : methods) {
    for (std::uint32_t p : parts) {
      if (is_kept(method, p)) {
        say(comm, fmt::format("[partition] {} is already stored for this graph: kept (--if-missing)",
                              stored_partition_name(method_name(method), p)));
        continue;
      }
      assignments.push_back(partitioner->assign(method, p));
      if (method != PartitionMethod::graph) continue;
      if (!graph_built)
        say(comm, fmt::format("[partition] graph: symmetrized graph of {} undirected edges built on rank 0 in {:.2f} s",
                              partitioner->graph_undirected_edges(), partitioner->graph_build_seconds()));
      graph_built = true;
      say(comm, fmt::format("[partition] graph: {} parts in {:.2f} s", p, assignments.back().seconds));
    }
    if (method == PartitionMethod::graph) partitioner->release_graph();
  }

  // ---- evaluate each assignment over all ranks ----
  say(comm, table_header());
  std::vector<Row> rows;
  std::vector<StoredPartition> to_store;  // rank 0
  for (Assignment& a : assignments) {
    Row row{a.method, partitioner->evaluate(a.part, a.parts), a.seconds};
    say(comm, table_row(row));
    rows.push_back(row);
    if (o.store && comm.root())
      to_store.push_back(make_stored_partition(a.method, a.parts, std::move(a.part), row.m, fingerprint,
                                               partitioner->describe(a.method)));
    a.part = {};
  }
  for (PartitionMethod method : methods)
    if (std::any_of(assignments.begin(), assignments.end(), [&](const Assignment& a) { return a.method == method; }))
      say(comm, fmt::format("[partition] {}: {}", method_name(method), partitioner->describe(method)));

  // ---- outputs: the CSV report; the assignments, once every rank has closed the universe ----
  if (!o.report.empty()) {
    const std::string csv = comm.root() ? report_csv(rows) : std::string();
    run_on_root(comm, [&] {
      write_text_atomically(o.report, csv);
      return kExitOk;
    });
    say(comm, "[partition] report " + o.report);
  }
  if (o.store) {
    partitioner.reset();
    universe.reset();
    comm.barrier();
    run_on_root(comm, [&] {
      for (const StoredPartition& s : to_store) store_partition(o.universe, s);
      return kExitOk;
    });
    for (const Assignment& a : assignments)
      say(comm, fmt::format("[partition] stored /partition/{} in {}", stored_partition_name(method_name(a.method), a.parts),
                            o.universe));
  }
  const std::vector<double> rss = comm.gatherv<double>(std::vector<double>{static_cast<double>(peak_rss_bytes()) / 1e9});
  std::string rss_text;
  for (double gb : rss) rss_text += fmt::format("{}{:.2f}", rss_text.empty() ? "" : ", ", gb);
  say(comm, fmt::format("[partition] done in {:.2f} s; peak resident memory per rank (GB): {}",
                        std::chrono::duration<double>(Clock::now() - start).count(), rss_text));
  return kExitOk;
}

}  // namespace

void register_partition(CLI::App& app, std::vector<Command>& commands) {
  auto o = std::make_shared<PartitionOptions>();
  CLI::App* sub = app.add_subcommand(
      "partition", "Compare ways of splitting providers over ranks: edge cut, halo volume and load balance");
  sub->add_option("--universe", o->universe, "universe.h5")->required();
  sub->add_option("--method", o->methods, "block, hash and/or graph (comma-separated list; required unless --list)")
      ->delimiter(',');
  sub->add_option("--parts", o->parts, "part counts, e.g. 2,4,8,16,64,256 (required unless --list)")->delimiter(',');
  sub->add_option("--report", o->report, "write the table as CSV here (atomically)");
  sub->add_flag("--store", o->store, "store every assignment in the universe as /partition/<method>_<parts>/part");
  sub->add_flag("--if-missing", o->if_missing,
                "with --store: keep (and do not recompute) the assignments already stored for this very graph");
  sub->add_flag("--list", o->list, "list the partitions stored in the universe and whether they fit its graph");
  commands.push_back({sub, [o](const Comm& comm, const Observers&) { return run_partition(comm, *o); }});
}

}  // namespace signalrank
