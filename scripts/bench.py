#!/usr/bin/env python3
"""The signalrank benchmark (issue 6; a benchmark, not a test). Times `signalrank score --metrics`
in several ranks x threads configurations, runs the peers benchmark and the partition report,
and writes one JSON file with every figure, the ratios the issue sets targets for, and plots.

  scripts/bench [--scale state|national] [--data DIR] [--configs "1x2 2x1 4x1"] [--runs 3]
                [--no-peers] [--no-partition] [options]
  scripts/bench --report FILE.json         # a run's table (medians and targets by today's rules)
                                           # and plots again, from its JSON

Universe   --scale S        tiny|state|national (default national); generated once with
                            `generate --scale S --seed 1 --format h5` (2 ranks) into
                            bench/data/S-h5 and reused while its universe.h5 exists
           --data DIR       an existing universe instead: DIR/universe.h5 and DIR/campaign.toml;
                            the scale label is inferred from the provider count unless --scale
           --as-of D        the week to score (default latest, the last Monday in the data)
Score      --configs LIST   RANKSxTHREADS[-METHOD], space- or comma-separated (default
                            "1x2 2x1 4x1"); METHOD is score --partition (block, the default;
                            hash; graph, whose METIS assignment for RANKS parts is stored in the
                            universe first with partition --store --if-missing), e.g.
                            "2x1 2x1-graph 4x1 4x1-graph"; runs are interleaved (run 1 of every
                            config, then run 2, ...)
           --runs N         runs per config (default 3); medians per phase and figure
           --reference C    the config the targets and peer ratios use (default 2x1, else the
                            first config)
           --keep-snapshots keep every config's snapshot (default: only the reference's, after
                            checking that all configs wrote identical snapshots)
Peers      --no-peers       skip scripts/bench-peers (default: run it on the reference snapshot
                            with --signalrank-metrics = the reference medians, --runs N)
           --peers-json F   use an existing bench-peers JSON instead of running it
           --peers-args S   extra arguments for bench-peers, e.g. "--max-memory-gb 10"
Partition  --no-partition   skip `signalrank partition` (default: block,hash,graph at
                            2,4,8,16,64,256 parts, 2 ranks, --report CSV)
           --partition-csv F       use an existing partition report instead
           --partition-methods M   (default block,hash,graph)
           --partition-parts P     (default 2,4,8,16,64,256)
           --partition-ranks R     (default 2)
Output     --out-dir DIR    (default bench/results)

Binding (as bench-score always did): one thread per rank and no more ranks than cores:
--bind-to core; several threads per rank, or oversubscribed: --bind-to none (OMP_PROC_BIND and
OMP_PLACES are removed from the environment). The universe is read once before timing so that
every run reads from the page cache. The binary is $SIGNALRANK_BIN (scripts/env.sh).

Writes OUT/bench-<scale>-<UTC stamp>.json and a copy OUT/latest-<scale>.json; the run's logs,
per-run metrics, snapshot, peers JSON and partition CSV in OUT/bench-<scale>-<stamp>/; plots
OUT/bench-<scale>-<stamp>-{phases,convergence,partition}.png (and latest-<scale>-*.png copies).
Prints the per-config medians and a table of measured values against the issue-6 targets.
Exit 0 when every run worked (targets not met do not fail the benchmark), 1 when a run
failed, 2 on a bad command line. JSON schema: scripts/bench --schema. On this 2-core machine the
national run takes ~30 min: score ~5 min (9 runs), partition ~12 min (METIS at 6 part counts,
11 GB on rank 0), peers ~10 min.
"""
# The program behind scripts/bench, which sources scripts/env.sh (SIGNALRANK_ROOT, SIGNALRANK_BIN,
# the Open MPI settings) and runs this file with /usr/bin/python3; run directly, it goes through
# scripts/bench.
import argparse
import datetime as dt
import glob
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time

if __name__ == "__main__" and "SIGNALRANK_ROOT" not in os.environ:
    # Run directly rather than through scripts/bench: go through it, for scripts/env.sh (the binary,
    # the Open MPI settings) and /usr/bin/python3 (numpy, h5py, matplotlib).
    _ENTRY = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bench")
    os.execv(_ENTRY, [_ENTRY] + sys.argv[1:])

ROOT = os.environ["SIGNALRANK_ROOT"]
BIN = os.environ["SIGNALRANK_BIN"]
SCALES = {"tiny": 2000, "state": 60000, "national": 1200000}  # generate's provider counts
PHASES = ["read", "redistribute", "trends", "graph", "halo_setup", "pagerank", "peer_exposure", "rank", "write"]
GIB = 2**30
SCHEMA = """signalrank-bench-1 (one JSON object):
  schema, created_utc, finished_utc, scale, command (argv), git {commit, dirty},
  binary {path, bytes, mtime_utc}
  machine {hostname, cores, model, caches, memory_bytes, kernel, open_mpi, hdf5, loadavg_before,
           loadavg_after}
  universe {dir, universe, campaign, bytes, providers, edges, claims, as_of, generate_s (null when
           reused), datasets {"/claims/week": bytes on disk, ...}}
  reference_config   "2x1"
  configs [{name "RxT" or "RxT-METHOD", ranks, threads, bind, oversubscribed, partition (score --partition),
            runs [<score --metrics object> + launch_wall_s (mpirun wall seconds)],
            median {phases, phases_per_rank, pagerank (numbers; residuals of run 1),
                    peak_rss_bytes (per rank), peak_rss_total_bytes, launch_wall_s,
                    claims_scan {rows, kept, seconds} when the binary reports it},
            residuals_identical_across_runs, snapshot, snapshot_bytes}]
  snapshots_identical  true/false/null, snapshot_differences [...]
  bytes_model {per_edge, per_vertex, per_ghost, bytes_per_iteration, note}  (reference config)
  peers      {file, exit_code, data (the bench-peers JSON, schema signalrank-bench-peers-1)} | null
  partition  {file, exit_code, seconds, rows [{method, parts, halo_values, ... every CSV column}]} | null
  targets [{key, what, measured, unit, target, op (">=", "<=" or null for information), met
            (true/false/null when not measured), config, detail}]
  plots {phases, convergence, partition}: file paths
  errors {what: message}"""


def die(msg, code=2):
    print(f"bench: {msg}", file=sys.stderr)
    sys.exit(code)


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def usage_text():
    return __doc__.strip("\n")


def utc_now():
    return dt.datetime.now(dt.timezone.utc)


# ---------------------------------------------------------------------------------------------
# command line

class Parser(argparse.ArgumentParser):
    def error(self, message):
        die(f"{message} (scripts/bench --help)")


def parse_args():
    ap = Parser(prog="scripts/bench", add_help=False)
    ap.add_argument("-h", "--help", action="store_true")
    ap.add_argument("--schema", action="store_true")
    ap.add_argument("--report")
    ap.add_argument("--scale")
    ap.add_argument("--data")
    ap.add_argument("--as-of", default="latest")
    ap.add_argument("--configs", default="1x2 2x1 4x1")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--reference", default="2x1")
    ap.add_argument("--keep-snapshots", action="store_true")
    ap.add_argument("--no-peers", action="store_true")
    ap.add_argument("--peers-json")
    ap.add_argument("--peers-args", default="")
    ap.add_argument("--no-partition", action="store_true")
    ap.add_argument("--partition-csv")
    ap.add_argument("--partition-methods", default="block,hash,graph")
    ap.add_argument("--partition-parts", default="2,4,8,16,64,256")
    ap.add_argument("--partition-ranks", type=int, default=2)
    ap.add_argument("--out-dir", default=os.path.join(ROOT, "bench", "results"))
    a, rest = ap.parse_known_args()
    if a.help:
        print(usage_text())
        sys.exit(0)
    if a.schema:
        print(SCHEMA)
        sys.exit(0)
    if rest:
        die(f"unknown argument '{rest[0]}' (scripts/bench --help)")
    if a.report:
        return a
    if a.scale and a.scale not in SCALES:
        die(f"--scale must be one of {', '.join(SCALES)}, not '{a.scale}'")
    if a.runs < 1:
        die("--runs must be at least 1")
    configs = []
    for c in re.split(r"[,\s]+", a.configs.strip()):
        m = re.fullmatch(r"(\d+)x(\d+)(-(block|hash|graph))?", c)
        if not m or int(m.group(1)) < 1 or int(m.group(2)) < 1:
            die(f"--configs: '{c}' is not RANKSxTHREADS[-block|-hash|-graph] (e.g. 2x1, 4x1-graph)")
        if c not in configs:
            configs.append(c)
    a.config_list = configs
    if a.reference not in configs:
        a.reference = configs[0]
    if a.partition_ranks < 1:
        die("--partition-ranks must be at least 1")
    for f in (a.peers_json, a.partition_csv):
        if f and not os.path.isfile(f):
            die(f"{f}: no such file")
    return a


# ---------------------------------------------------------------------------------------------
# machine facts

def sh(cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL).stdout
    except (OSError, subprocess.SubprocessError):
        return ""


def machine_facts():
    model, caches = None, {}
    for line in sh(["lscpu"]).splitlines():
        k, _, v = line.partition(":")
        v = v.strip()
        if k.strip() == "Model name":
            model = v
        elif k.strip() in ("L1d cache", "L2 cache", "L3 cache"):
            caches[k.strip().split()[0]] = v
    mem = None
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem = int(line.split()[1]) * 1024
    ompi = re.search(r"\(Open MPI\)\s+(\S+)", sh(["mpirun", "--version"]))
    # The HDF5 the binary links, by the Debian package owning the library file.
    hdf5 = None
    libs = re.findall(r"=>\s+(\S*libhdf5\S*\.so\S*)", sh(["ldd", BIN]))
    if libs:
        owner = sh(["dpkg", "-S", os.path.realpath(libs[0])]).split(":")[0].strip()
        if not owner:
            owner = sh(["dpkg", "-S", libs[0]]).split(":")[0].strip()
        version = sh(["dpkg-query", "-W", "-f=${Version}", owner]).strip() if owner else ""
        hdf5 = f"{version} ({owner}, {os.path.basename(libs[0])})" if version else os.path.basename(libs[0])
    return {"hostname": socket.gethostname(), "cores": os.cpu_count(), "model": model, "caches": caches,
            "memory_bytes": mem, "kernel": platform.release(),
            "open_mpi": ompi.group(1) if ompi else None, "hdf5": hdf5, "loadavg_before": list(os.getloadavg())}


def git_facts():
    commit = sh(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"]).strip() or None
    dirty = bool(sh(["git", "-C", ROOT, "status", "--porcelain", "--untracked-files=no"]).strip())
    return {"commit": commit, "dirty": dirty}


# ---------------------------------------------------------------------------------------------
# the universe

def universe_facts(path):
    import h5py
    out = {"datasets": {}}
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset):
                out["datasets"]["/" + name] = int(obj.id.get_storage_size())
        f.visititems(visit)
        out["providers"] = int(f["providers/npi"].shape[0])
        out["claims"] = int(f["claims/week"].shape[0])
        out["edges"] = int(f["referrals/in_src"].shape[0])
        v = f["claims"].attrs.get("last_monday")
        out["last_monday"] = v.decode() if isinstance(v, bytes) else (str(v) if v is not None else None)
    return out


def prepare_universe(a):
    gen_s = None
    if a.data:
        d = os.path.abspath(a.data)
        for f in ("universe.h5", "campaign.toml"):
            if not os.path.isfile(os.path.join(d, f)):
                die(f"--data {a.data}: no {f} there")
    else:
        a.scale = a.scale or "national"
        d = os.path.join(ROOT, "bench", "data", f"{a.scale}-h5")
        if not os.path.isfile(os.path.join(d, "universe.h5")):
            log(f"bench: generating the {a.scale} universe (h5) in {d}")
            os.makedirs(os.path.dirname(d), exist_ok=True)
            t0 = time.perf_counter()
            p = subprocess.run(["mpirun", "-n", "2", BIN, "generate", "--scale", a.scale, "--seed", "1", "--format",
                                "h5", "--out", d], stdin=subprocess.DEVNULL)
            if p.returncode != 0:
                die(f"generate --scale {a.scale} exited with {p.returncode}", 1)
            gen_s = time.perf_counter() - t0
    u = os.path.join(d, "universe.h5")
    facts = universe_facts(u)
    if not a.scale:
        a.scale = next((s for s, n in SCALES.items() if n == facts["providers"]), f"p{facts['providers']}")
    return {"dir": d, "universe": u, "campaign": os.path.join(d, "campaign.toml"), "bytes": os.path.getsize(u),
            "providers": facts["providers"], "edges": facts["edges"], "claims": facts["claims"],
            "as_of": facts["last_monday"] if a.as_of == "latest" else a.as_of, "generate_s": gen_s,
            "datasets": facts["datasets"]}


def warm_page_cache(path):
    t0 = time.perf_counter()
    with open(path, "rb", buffering=0) as f:
        while f.read(64 << 20):
            pass
    return time.perf_counter() - t0


# ---------------------------------------------------------------------------------------------
# score runs

def config_env(threads):
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    env.pop("OMP_PROC_BIND", None)
    env.pop("OMP_PLACES", None)
    return env


def binding(ranks, threads, cores):
    # One thread per rank on its own core: pin the rank. Several threads per rank: no pinning (an
    # OpenMP binding without a per-rank cpuset would put every rank's threads on core 0). More
    # ranks than cores: no pinning either (Open MPI refuses to bind two ranks to one core).
    oversubscribed = ranks * threads > cores
    return ("core" if threads == 1 and ranks <= cores else "none"), oversubscribed


def tail(path, n=3):
    try:
        with open(path, errors="replace") as f:
            return " | ".join(l.strip() for l in f.read().strip().splitlines()[-n:])
    except OSError:
        return "(no log)"


def store_graph_partition(u, parts, rundir):
    """The METIS assignment score --partition graph reads, stored unless already there for this graph."""
    logf = os.path.join(rundir, f"partition-store-graph_{parts}.log")
    cmd = ["mpirun", "-n", "2", BIN, "partition", "--universe", u["universe"], "--method", "graph", "--parts",
           str(parts), "--store", "--if-missing"]
    t0 = time.perf_counter()
    with open(logf, "w") as lf:
        p = subprocess.run(cmd, stdout=lf, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=config_env(1))
    if p.returncode != 0:
        die(f"storing the graph partition for {parts} ranks failed: {tail(logf)} (log {logf})", 1)
    log(f"bench: graph partition for {parts} ranks in the universe ({time.perf_counter() - t0:.1f} s; {tail(logf, 1)})")


def run_score(cfg, run, u, rundir, as_of):
    ranks, threads = cfg["ranks"], cfg["threads"]
    metrics = os.path.join(rundir, f"score-{cfg['name']}-run{run}.json")
    logf = os.path.join(rundir, f"score-{cfg['name']}-run{run}.log")
    snapdir = os.path.join(rundir, f"snapshots-{cfg['name']}")
    cmd = ["mpirun", "-n", str(ranks), "--bind-to", cfg["bind"], BIN, "score", "--universe", u["universe"],
           "--campaign", u["campaign"], "--as-of", as_of, "--out", snapdir, "--metrics", metrics,
           "--partition", cfg["partition"]]
    with open(logf, "w") as lf:
        lf.write("$ OMP_NUM_THREADS=%d %s\n" % (threads, " ".join(cmd)))
        lf.flush()
        t0 = time.perf_counter()
        p = subprocess.run(cmd, stdout=lf, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=config_env(threads))
        wall = time.perf_counter() - t0
    if p.returncode != 0:
        die(f"score {cfg['name']} run {run} exited with {p.returncode}: {tail(logf)} (log {logf})", 1)
    with open(metrics) as f:
        m = json.load(f)
    m["launch_wall_s"] = wall
    snaps = glob.glob(os.path.join(snapdir, "*", "*.h5"))
    cfg["snapshot"] = snaps[0] if len(snaps) == 1 else None
    return m


def median_of(values):
    """Median of a list of like-shaped values: numbers, lists of numbers (element-wise), dicts."""
    first = values[0]
    if isinstance(first, bool) or first is None or isinstance(first, str):
        return first
    if isinstance(first, (int, float)):
        return statistics.median(values)
    if isinstance(first, list):
        if all(len(v) == len(first) for v in values):
            return [median_of([v[i] for v in values]) for i in range(len(first))]
        return first
    if isinstance(first, dict):
        return {k: median_of([v[k] for v in values if k in v]) for k in first}
    return first


def summarize_config(cfg):
    runs = cfg["runs"]
    med = {"phases": median_of([r["phases"] for r in runs]),
           "phases_per_rank": median_of([r["phases_per_rank"] for r in runs]),
           "pagerank": median_of([{k: v for k, v in r["pagerank"].items() if k != "residuals"} for r in runs]),
           "peak_rss_bytes": median_of([r["peak_rss_bytes"] for r in runs]),
           "launch_wall_s": median_of([r["launch_wall_s"] for r in runs])}
    med["pagerank"]["residuals"] = runs[0]["pagerank"]["residuals"]
    if all("claims_scan" in r for r in runs):  # the read phase's claims read + filter (newer binaries)
        med["claims_scan"] = median_of([r["claims_scan"] for r in runs])
    med["peak_rss_total_bytes"] = sum(med["peak_rss_bytes"])
    for k in ("providers", "edges", "claims", "eligible", "version", "ranks", "threads"):
        med[k] = runs[0].get(k)
    cfg["median"] = med
    cfg["residuals_identical_across_runs"] = all(r["pagerank"]["residuals"] == runs[0]["pagerank"]["residuals"]
                                                 for r in runs)


def compare_snapshots(configs):
    import h5py
    import numpy as np
    have = [c for c in configs if c.get("snapshot")]
    if len(have) < 2:
        return None, []
    diffs = []
    with h5py.File(have[0]["snapshot"], "r") as ref:
        names = sorted(k for k in ref.keys() if isinstance(ref[k], h5py.Dataset))
        want = {k: ref[k][:] for k in names}
    for c in have[1:]:
        with h5py.File(c["snapshot"], "r") as s:
            for k in names:
                if k not in s or not np.array_equal(s[k][:], want[k]):
                    diffs.append(f"{c['name']} vs {have[0]['name']}: {k}")
    return not diffs, diffs


def metrics_file_for_peers(cfg, rundir):
    """The reference config's medians in the score --metrics schema, for bench-peers."""
    med = cfg["median"]
    obj = {"command": "score", "version": med["version"], "ranks": cfg["ranks"], "threads": cfg["threads"],
           "providers": med["providers"], "edges": med["edges"], "claims": med["claims"],
           "eligible": med["eligible"], "phases": med["phases"], "phases_per_rank": med["phases_per_rank"],
           "pagerank": med["pagerank"], "peak_rss_bytes": med["peak_rss_bytes"],
           "note": f"medians of {len(cfg['runs'])} runs by scripts/bench"}
    path = os.path.join(rundir, f"score-{cfg['name']}-median.json")
    with open(path, "w") as f:
        json.dump(obj, f, indent=1)
    return path


# ---------------------------------------------------------------------------------------------
# peers and partition

def run_logged(cmd, logf, env=None):
    """Runs cmd with its output appended to logf and echoed to stderr line by line."""
    with open(logf, "a") as lf:
        lf.write("$ " + " ".join(cmd) + "\n")
        lf.flush()
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                             env=env, text=True, errors="replace")
        for line in p.stdout:
            lf.write(line)
            sys.stderr.write("  | " + line)
        return p.wait()


def run_peers(a, u, ref_cfg, rundir, errors):
    if a.peers_json:
        with open(a.peers_json) as f:
            data = json.load(f)
        i = data.get("inputs", {})
        if (i.get("providers"), i.get("edges")) != (u["providers"], u["edges"]):
            errors["peers"] = (f"{a.peers_json} was measured on another universe ({i.get('providers')} providers, "
                               f"{i.get('edges')} edges; this run: {u['providers']}, {u['edges']})")
        return {"file": os.path.abspath(a.peers_json), "exit_code": None, "data": data}
    if a.no_peers:
        return None
    if not ref_cfg.get("snapshot"):
        errors["peers"] = "no snapshot of the reference config"
        return None
    out = os.path.join(rundir, "peers.json")
    cmd = [os.path.join(ROOT, "scripts", "bench-peers"), "--snapshot", ref_cfg["snapshot"], "--universe",
           u["universe"], "--campaign", u["campaign"], "--signalrank-metrics",
           metrics_file_for_peers(ref_cfg, rundir), "--runs", str(a.runs), "--out", out] + a.peers_args.split()
    log(f"bench: peers: {' '.join(cmd)}")
    code = run_logged(cmd, os.path.join(rundir, "peers.log"))
    if code != 0:
        errors["peers"] = f"bench-peers exited with {code} (log {os.path.join(rundir, 'peers.log')})"
    if not os.path.isfile(out):
        return {"file": None, "exit_code": code, "data": None}
    with open(out) as f:
        return {"file": out, "exit_code": code, "data": json.load(f)}


def read_partition_csv(path):
    import csv
    rows = []
    with open(path, newline="") as f:
        for r in csv.DictReader(f):
            row = {}
            for k, v in r.items():
                if k == "method":
                    row[k] = v
                else:
                    try:
                        row[k] = int(v)
                    except ValueError:
                        try:
                            row[k] = float(v)
                        except ValueError:
                            row[k] = v
            rows.append(row)
    return rows


def run_partition(a, u, rundir, errors):
    if a.partition_csv:
        rows = read_partition_csv(a.partition_csv)
        if rows and (rows[0].get("providers"), rows[0].get("edges")) != (u["providers"], u["edges"]):
            errors["partition"] = (f"{a.partition_csv} was measured on another universe ({rows[0].get('providers')} "
                                   f"providers, {rows[0].get('edges')} edges)")
        return {"file": os.path.abspath(a.partition_csv), "exit_code": None, "seconds": None, "rows": rows}
    if a.no_partition:
        return None
    out = os.path.join(rundir, "partition.csv")
    ranks = a.partition_ranks
    bind, _ = binding(ranks, 1, os.cpu_count())
    cmd = ["mpirun", "-n", str(ranks), "--bind-to", bind, BIN, "partition", "--universe", u["universe"],
           "--method", a.partition_methods, "--parts", a.partition_parts, "--report", out]
    log(f"bench: partition: {' '.join(cmd)}")
    t0 = time.perf_counter()
    code = run_logged(cmd, os.path.join(rundir, "partition.log"), env=config_env(1))
    seconds = time.perf_counter() - t0
    if code != 0 or not os.path.isfile(out):
        errors["partition"] = f"signalrank partition exited with {code} (log {os.path.join(rundir, 'partition.log')})"
        return None
    return {"file": out, "exit_code": code, "seconds": seconds, "rows": read_partition_csv(out)}


# ---------------------------------------------------------------------------------------------
# ratios and targets

def bytes_model(cfg):
    """Bytes one PageRank iteration must move at least (all ranks together), from the kernels'
    arrays (kernels/pagerank.hpp, pagerank_pull + pagerank_finish):
      per in-edge      in_src 4 B + bene_count 4 B (2 B in metrics of a transient 16-bit-weight build
                       that reported "wide_weights"/"weights_16bit"; that encoding measured slower)
      per vertex       pull: in_offsets 8, v 8, x_new 8; finish: position_of 4, x_new 8, x_old 8,
                       dangling 1, out_weight 8, y_owned 8; the gathered y read at least once 8
      per ghost        its y value read once 8 B
      plus the halo bytes sent per iteration.
    The gather of y[src] per edge is counted once per vertex (perfect cache reuse): a lower bound."""
    m = cfg["median"]
    pr = m["pagerank"]
    sixteen = "wide_weights" in pr or pr.get("weights_16bit")
    per_edge = 4 + (2 if sixteen else 4)
    per_vertex = 24 + 37 + 8
    per_ghost = 8
    total = per_edge * m["edges"] + per_vertex * m["providers"] + per_ghost * pr.get("ghost_vertices", 0) \
        + pr.get("halo_bytes_per_iteration", 0) + 8 * pr.get("wide_weights", 0)
    return {"per_edge": per_edge, "per_vertex": per_vertex, "per_ghost": per_ghost, "bytes_per_iteration": total,
            "note": bytes_model.__doc__.strip()}


def target(key, what, measured, unit, tgt=None, op=None, config=None, detail=None):
    met = None
    if measured is not None and tgt is not None and op is not None:
        met = measured >= tgt if op == ">=" else measured <= tgt
    return {"key": key, "what": what, "measured": measured, "unit": unit, "target": tgt, "op": op, "met": met,
            "config": config, "detail": detail}


def compute_targets(res):
    ref = next(c for c in res["configs"] if c["name"] == res["reference_config"])
    m = ref["median"]
    pr = m["pagerank"]
    name = ref["name"]
    sr_eps = pr.get("edges_per_s")
    pr_s = m["phases"]["pagerank"]
    trends_s = m["phases"]["trends"]
    iters = pr.get("iterations_this_run") or pr.get("iterations")
    peers = (res.get("peers") or {}).get("data") or {}
    prp = peers.get("pagerank", {})
    t = []

    gb = prp.get("graphblas")
    t.append(target("pagerank_vs_graphblas", "PageRank edges/s vs SuiteSparse:GraphBLAS",
                    sr_eps / gb["edges_per_s"] if gb and gb.get("edges_per_s") and sr_eps else None, "x", 1.5, ">=",
                    name, f"GraphBLAS {gb['edges_per_s'] / 1e6:,.0f} M edges/s, {gb.get('threads')} threads, "
                          f"variant {gb.get('variant')}" if gb and gb.get("edges_per_s") else "peer not run"))
    sp = prp.get("scipy")
    t.append(target("pagerank_vs_scipy", "PageRank edges/s vs scipy.sparse",
                    sr_eps / sp["edges_per_s"] if sp and sp.get("edges_per_s") and sr_eps else None, "x", None, None,
                    name, f"scipy {sp['edges_per_s'] / 1e6:,.0f} M edges/s, 1 thread" if sp and sp.get("edges_per_s")
                    else "peer not run"))
    ig = prp.get("igraph")
    t.append(target("pagerank_vs_igraph", "PageRank seconds vs igraph (PRPACK solve)",
                    ig["seconds"] / pr_s if ig and ig.get("seconds") and pr_s else None, "x", None, None, name,
                    f"igraph {ig['seconds']:.3f} s (a linear solve: no iterations, no edges/s)" if ig and
                    ig.get("seconds") else (peers.get("errors", {}).get("igraph") or "peer not run")))
    dq = ((peers.get("trends") or {}).get("duckdb") or {}).get("queries") or {}
    # The like-for-like query: score's read keeps only the campaign's rows of the trend weeks and its
    # trends phase aggregates those, as DuckDB's provider_prefiltered does over its prefilter table.
    # Older peers JSONs have only the full-scan 'provider' query. ('prefilter' is a selection, not a
    # trends computation: never the comparison.)
    qname = next((q for q in ("provider_prefiltered", "provider") if q in dq), None)
    q = dq.get(qname)
    t.append(target("trends_vs_duckdb", f"trends phase vs DuckDB ({qname or 'its trends query'})",
                    q["seconds"] / trends_s if q and trends_s else None, "x", 10.0, ">=", name,
                    f"DuckDB '{qname}' {q['seconds']:.3f} s vs trends {trends_s:.3f} s; all queries: " +
                    ", ".join(f"{k} {v['seconds']:.3f} s" for k, v in dq.items()) if q else "peer not run"))
    scan = m.get("claims_scan")
    pre, qp = dq.get("prefilter"), dq.get("provider_prefiltered")
    t.append(target("claims_scan_trends_vs_duckdb", "claims scan + trends vs DuckDB prefilter + aggregate",
                    (pre["seconds"] + qp["seconds"]) / (scan["seconds"] + trends_s) if scan and pre and qp else None,
                    "x", None, None, name,
                    f"signalrank reads and filters {scan['rows']:,} rows from universe.h5 (kept {scan['kept']:,}) in "
                    f"{scan['seconds']:.3f} s + trends {trends_s:.3f} s; DuckDB selects them from its loaded table in "
                    f"{pre['seconds']:.3f} s + aggregates in {qp['seconds']:.3f} s" if scan and pre and qp else
                    "needs score's claims_scan and DuckDB's prefilter queries"))
    bm = res["bytes_model"]
    achieved = bm["bytes_per_iteration"] * iters / pr_s if pr_s and iters else None
    stream = peers.get("stream") or {}
    triad = max((v["gb_per_s"] for v in stream.get("threads", {}).values()), default=None)
    t.append(target("pagerank_bandwidth_vs_stream", "PageRank bytes moved/s vs STREAM triad",
                    achieved / (triad * 1e9) if achieved and triad else None, "of triad", None, None, name,
                    f"{achieved / 1e9:.2f} GB/s by the bytes model ({bm['bytes_per_iteration'] / 1e6:.1f} MB/iteration)"
                    + (f" vs triad {triad:.1f} GB/s" if triad else "; STREAM not run") if achieved else None))
    t.append(target("score_wall", f"whole score wall at {name}", m["phases"]["total"], "s", 60.0, "<=", name,
                    f"mpirun wall {m['launch_wall_s']:.2f} s"))
    t.append(target("pagerank_edges_per_s", "PageRank edges/s", sr_eps, "edges/s", 1.75e9, ">=", name,
                    f"{iters} iterations in {pr_s:.3f} s; by config: " +
                    ", ".join(f"{c['name']} {c['median']['pagerank']['edges_per_s'] / 1e9:.3f} G"
                              for c in res["configs"])))
    others = [f"{c['name']} {c['median']['peak_rss_total_bytes'] / GIB:.2f}" for c in res["configs"] if c is not ref]
    t.append(target("peak_memory_total", "peak memory, all ranks", m["peak_rss_total_bytes"] / GIB, "GiB", 12.0, "<=",
                    name, "per rank " + ", ".join(f"{b / GIB:.2f}" for b in m["peak_rss_bytes"]) + " GiB" +
                    (f"; other configs {', '.join(others)} GiB" if others else "")))
    rows = (res.get("partition") or {}).get("rows") or []
    h = {(r["method"], r["parts"]): r for r in rows}
    g16, x16 = h.get(("graph", 16)), h.get(("hash", 16))
    t.append(target("halo_graph_vs_hash_16", "PageRank halo values/iteration, hash / graph, 16 parts",
                    x16["halo_values"] / g16["halo_values"] if g16 and x16 and g16["halo_values"] else None, "x", 5.0,
                    ">=", None, f"hash {x16['halo_values']:,}, graph {g16['halo_values']:,}"
                    + (f", block {h[('block', 16)]['halo_values']:,}" if ("block", 16) in h else "")
                    if g16 and x16 else "partition report not run"))
    return t


# ---------------------------------------------------------------------------------------------
# printing and plots

def fmt_measured(t):
    v = t["measured"]
    if v is None:
        return "-"
    if t["unit"] == "edges/s":
        return f"{v / 1e9:.3f} G"
    if t["unit"] == "of triad":
        return f"{100 * v:.0f} %"
    if t["unit"] == "GiB":
        return f"{v:.2f} GiB"
    if t["unit"] == "s":
        return f"{v:.2f} s"
    return f"{v:.2f}x"


def fmt_target(t):
    if t["target"] is None:
        return "(info)"
    v = t["target"]
    s = {"edges/s": f"{v / 1e9:.2f} G", "GiB": f"{v:g} GiB", "s": f"{v:g} s"}.get(t["unit"], f"{v:g}x")
    return f"{t['op']} {s}"


def print_report(res):
    u = res["universe"]
    mc = res["machine"]
    print(f"\nsignalrank bench, scale {res['scale']}: {u['providers']:,} providers, {u['edges']:,} edges, "
          f"{u['claims']:,} claim rows, as of {u['as_of']}; {mc['cores']} cores ({mc['model']}), "
          f"{(mc['memory_bytes'] or 0) / GIB:.0f} GiB, Open MPI {mc['open_mpi']}, HDF5 {mc['hdf5']}; "
          f"git {res['git']['commit']}{' (dirty)' if res['git']['dirty'] else ''}; load "
          f"{mc['loadavg_before'][0]:.2f} before, {mc.get('loadavg_after', [float('nan')])[0]:.2f} after")
    cols = PHASES + ["total"]
    print(f"{'config':7} {'bind':>5} " + " ".join(f"{p[:9]:>9}" for p in cols) +
          f" {'iters':>5} {'M edges/s':>9} {'halo B/it':>10} {'peak GiB':>8}")
    for c in res["configs"]:
        m = c["median"]
        pr = m["pagerank"]
        print(f"{c['name']:7} {c['bind']:>5} " + " ".join(f"{m['phases'].get(p, float('nan')):9.3f}" for p in cols) +
              f" {pr['iterations_this_run']:5.0f} {pr['edges_per_s'] / 1e6:9.1f} {pr['halo_bytes_per_iteration']:10.0f}"
              f" {m['peak_rss_total_bytes'] / GIB:8.2f}" + ("  oversubscribed" if c["oversubscribed"] else ""))
    print(f"(medians of {len(res['configs'][0]['runs'])} runs; seconds; each phase is the slowest rank's; "
          f"snapshots identical across configs: {res.get('snapshots_identical')})")
    ref = next(c for c in res["configs"] if c["name"] == res["reference_config"])
    pr = ref["median"]["pagerank"]
    print(f"PageRank inside the iterations at {ref['name']} (slowest rank): halo {pr['seconds_halo']:.3f} s, "
          f"pull {pr['seconds_pull']:.3f} s, finish {pr['seconds_finish']:.3f} s, sums {pr['seconds_sums']:.3f} s")
    print(f"\n{'target':58} {'measured':>12} {'target':>12}  status")
    for t in res["targets"]:
        status = {True: "met", False: "NOT MET", None: "-" if t["target"] is not None else ""}[t["met"]]
        if t["target"] is not None and t["measured"] is None:
            status = "not measured"
        print(f"{t['what'][:58]:58} {fmt_measured(t):>12} {fmt_target(t):>12}  {status}")
        if t.get("detail"):
            print(f"{'':4}{t['detail']}")
    for k, v in res.get("errors", {}).items():
        print(f"error: {k}: {v}")


def make_plots(res, prefix):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    out = {}
    scale = res["scale"]
    u = res["universe"]
    subtitle = f"{scale}: {u['providers']:,} providers, {u['edges'] / 1e6:,.1f} M edges, {u['claims'] / 1e6:,.1f} M claim rows"

    # 1. stacked seconds per phase per config
    fig, ax = plt.subplots(figsize=(8, 5))
    names = [c["name"] for c in res["configs"]]
    bottom = [0.0] * len(names)
    colors = plt.get_cmap("tab10").colors
    for i, p in enumerate(PHASES):
        vals = [c["median"]["phases"].get(p, 0.0) for c in res["configs"]]
        ax.bar(names, vals, bottom=bottom, label=p, color=colors[i % len(colors)])
        bottom = [b + v for b, v in zip(bottom, vals)]
    totals = [c["median"]["phases"]["total"] for c in res["configs"]]
    ax.scatter(names, totals, marker="_", s=900, color="black", zorder=3, label="total (wall)")
    for x, t in zip(names, totals):
        ax.annotate(f"{t:.2f} s", (x, t), textcoords="offset points", xytext=(0, 6), ha="center")
    ax.set_xlabel("MPI ranks x OpenMP threads")
    ax.set_ylabel("seconds (median; slowest rank per phase)")
    ax.set_title(f"signalrank score per phase\n{subtitle}", fontsize=10)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))
    ax.set_ylim(0, max(max(bottom), max(totals)) * 1.15)
    fig.tight_layout()
    out["phases"] = prefix + "-phases.png"
    fig.savefig(out["phases"], dpi=120)
    plt.close(fig)

    # 2. convergence
    fig, ax = plt.subplots(figsize=(7, 4.5))
    styles = ["-", "--", ":", "-."]
    for i, c in enumerate(res["configs"]):
        r = c["median"]["pagerank"]["residuals"]
        ax.semilogy(range(1, len(r) + 1), r, styles[i % len(styles)], lw=2.5 - 0.5 * (i % 3), label=c["name"])
    ax.set_xlabel("iteration")
    ax.set_ylabel("L1 change of x (residual)")
    ax.set_title(f"PageRank convergence (the lines coincide: bit-identical at any ranks x threads)\n{subtitle}",
                 fontsize=9)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(title="ranks x threads")
    fig.tight_layout()
    out["convergence"] = prefix + "-convergence.png"
    fig.savefig(out["convergence"], dpi=120)
    plt.close(fig)

    # 3. partition halo
    rows = (res.get("partition") or {}).get("rows") or []
    if rows:
        fig, ax = plt.subplots(figsize=(7, 4.5))
        for method, mk in (("block", "o"), ("hash", "s"), ("graph", "^")):
            pts = sorted((r["parts"], r["halo_values"]) for r in rows if r["method"] == method and r["halo_values"] > 0)
            if pts:
                ax.loglog([p for p, _ in pts], [v for _, v in pts], marker=mk, label=method)
        ax.axhline(u["providers"], color="gray", ls=":", lw=1, label="providers (N)")
        ax.set_xlabel("parts (ranks)")
        ax.set_ylabel("PageRank halo values per iteration (all parts)")
        ax.set_title(f"halo volume by partitioning method\n{subtitle}", fontsize=10)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
        fig.tight_layout()
        out["partition"] = prefix + "-partition.png"
        fig.savefig(out["partition"], dpi=120)
        plt.close(fig)
    return out


def copy_latest(res, path, out_dir):
    shutil.copyfile(path, os.path.join(out_dir, f"latest-{res['scale']}.json"))
    for k in ("phases", "convergence", "partition"):
        latest = os.path.join(out_dir, f"latest-{res['scale']}-{k}.png")
        if k in res.get("plots", {}):
            shutil.copyfile(res["plots"][k], latest)
        elif os.path.exists(latest):  # from an earlier run: it would not match this JSON
            os.remove(latest)


def write_json(path, obj):
    tmp = os.path.join(os.path.dirname(path), "." + os.path.basename(path) + ".tmp")
    with open(tmp, "w") as f:
        json.dump(obj, f, indent=1)
        f.write("\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


# ---------------------------------------------------------------------------------------------

def main():
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # quiet when piped into head
    a = parse_args()
    if a.report:
        try:
            with open(a.report) as f:
                res = json.load(f)
        except (OSError, ValueError) as e:
            die(f"{a.report}: {e}")
        for cfg in res["configs"]:  # medians, bytes model and targets by today's rules
            summarize_config(cfg)
        res["bytes_model"] = bytes_model(next(c for c in res["configs"] if c["name"] == res["reference_config"]))
        res["targets"] = compute_targets(res)
        res["plots"] = make_plots(res, os.path.splitext(a.report)[0])
        print_report(res)
        print("plots: " + ", ".join(res["plots"].values()))
        return 0

    if not os.access(BIN, os.X_OK):
        die(f"{BIN} is not an executable: run scripts/setup or set SIGNALRANK_BIN")
    started = utc_now()
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    machine = machine_facts()
    u = prepare_universe(a)
    out_dir = os.path.abspath(a.out_dir)
    rundir = os.path.join(out_dir, f"bench-{a.scale}-{stamp}")
    os.makedirs(rundir, exist_ok=True)
    log(f"bench: {a.scale} universe {u['universe']} ({u['bytes'] / 1e9:.2f} GB); results in {rundir}")
    log(f"bench: reading the universe once into the page cache: {warm_page_cache(u['universe']):.1f} s")

    cores = os.cpu_count()
    configs = []
    for name in a.config_list:
        shape, _, method = name.partition("-")
        r, t = (int(x) for x in shape.split("x"))
        bind, over = binding(r, t, cores)
        configs.append({"name": name, "ranks": r, "threads": t, "bind": bind, "oversubscribed": over,
                        "partition": method or "block", "runs": []})
    for parts in sorted({c["ranks"] for c in configs if c["partition"] == "graph"}):
        store_graph_partition(u, parts, rundir)
    for run in range(1, a.runs + 1):
        for cfg in configs:
            m = run_score(cfg, run, u, rundir, a.as_of)
            cfg["runs"].append(m)
            log(f"bench: run {run}/{a.runs} {cfg['name']:>4}: total {m['phases']['total']:7.2f} s, pagerank "
                f"{m['phases']['pagerank']:6.2f} s ({m['pagerank']['edges_per_s'] / 1e6:,.0f} M edges/s), "
                f"launch wall {m['launch_wall_s']:.2f} s")
    for cfg in configs:
        summarize_config(cfg)
    same, diffs = compare_snapshots(configs)
    for cfg in configs:
        cfg["snapshot_bytes"] = os.path.getsize(cfg["snapshot"]) if cfg.get("snapshot") else None
    ref = next(c for c in configs if c["name"] == a.reference)

    errors = {}
    if same is False:
        errors["snapshots"] = "configs wrote different snapshots: " + "; ".join(diffs[:5])
    res = {"schema": "signalrank-bench-1", "created_utc": started.strftime("%Y-%m-%dT%H:%M:%SZ"),
           "scale": a.scale, "command": sys.argv[1:], "git": git_facts(),
           "binary": {"path": BIN, "bytes": os.path.getsize(BIN), "mtime_utc": dt.datetime.fromtimestamp(
               os.path.getmtime(BIN), dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")},
           "machine": machine, "universe": u, "reference_config": ref["name"], "configs": configs,
           "snapshots_identical": same, "snapshot_differences": diffs, "errors": errors}
    res["bytes_model"] = bytes_model(ref)
    res["partition"] = run_partition(a, u, rundir, errors)
    res["peers"] = run_peers(a, u, ref, rundir, errors)
    if not a.keep_snapshots and same:
        for cfg in configs:
            if cfg is not ref and cfg.get("snapshot"):
                shutil.rmtree(os.path.join(rundir, f"snapshots-{cfg['name']}"), ignore_errors=True)
                cfg["snapshot"] = None
    res["machine"]["loadavg_after"] = list(os.getloadavg())
    res["targets"] = compute_targets(res)
    res["finished_utc"] = utc_now().strftime("%Y-%m-%dT%H:%M:%SZ")
    path = os.path.join(out_dir, f"bench-{a.scale}-{stamp}.json")
    try:
        res["plots"] = make_plots(res, os.path.splitext(path)[0])
    except Exception as e:  # plots are a by-product: never lose the measurements over them
        errors["plots"] = f"{type(e).__name__}: {e}"
        res["plots"] = {}
    write_json(path, res)
    copy_latest(res, path, out_dir)
    print_report(res)
    print(f"\nwrote {path} (and latest-{a.scale}.json); plots: " + ", ".join(res["plots"].values()))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
