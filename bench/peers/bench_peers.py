#!/usr/bin/python3
"""The peers benchmark (issue 6): the same PageRank and trends work as a signalrank snapshot, done
by established tools, side by side, checked against the snapshot. Run through scripts/bench-peers,
which installs the tools and builds the C drivers; the JSON it writes is described in
bench/peers/README.md.
"""
import argparse
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
import peers_data  # noqa: E402
from peers_data import snp  # noqa: E402

ALL_PEERS = ["graphblas", "scipy", "igraph", "duckdb", "stream"]
# Peak bytes per edge and per provider of each PageRank peer (measured at state scale: GraphBLAS
# 27, scipy 17 and igraph 87 bytes per edge; rounded up), to skip a peer that would not fit rather
# than push a shared machine into the OOM killer. igraph's peak is its graph build (add_edges
# re-indexes the whole graph), ~9 GB at national scale.
MEMORY_MODEL = {"graphblas": (30, 120), "scipy": (22, 100), "igraph": (90, 400)}
GB = 1e9


def fail(msg):
    print(f"bench-peers: {msg}", file=sys.stderr)
    sys.exit(2)


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def mem_available():
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    return None


def run_measured(label, cmd, env_extra):
    """Runs one peer process; returns (the JSON object on the last line of its stdout, wall
    seconds, the peer's peak RSS in bytes). The peak comes from GNU time: a child forked from
    this (large) Python process would report this process's footprint as its own peak, since
    the kernel carries the high-water mark across exec."""
    env = dict(os.environ, **env_extra)
    with tempfile.NamedTemporaryFile("r") as rss, tempfile.TemporaryFile() as out, \
            tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", rss.name] + cmd, stdout=out, stderr=err, env=env)
        wall = time.perf_counter() - t0
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
        peak_kb = rss.read().strip().splitlines()
    if proc.returncode != 0:
        lines = [line for line in stderr.strip().splitlines() if not line.startswith("Command exited")]
        raise RuntimeError(f"{label} exited with {proc.returncode}: {lines[-1] if lines else '(no message)'}")
    lines = [line for line in stdout.splitlines() if line.strip()]
    if not lines:
        raise RuntimeError(f"{label} printed no result")
    peak = int(peak_kb[-1]) * 1024 if peak_kb and peak_kb[-1].isdigit() else None
    return json.loads(lines[-1]), wall, peak


def snapshot_info(path):
    with h5py.File(path, "r") as s:
        attrs = {k: s.attrs[k] for k in s.attrs}
        cols = {k: s[k][:] for k in ("npi", "pagerank", "volume", "slope")}
    info = {
        "path": os.path.realpath(path),
        "as_of": snp.text(attrs["as_of"]),
        "campaign_toml": snp.text(attrs["campaign_toml"]),
        "iterations": int(attrs["iterations"]),
        "residual": float(attrs["residual"]),
        "mpi_ranks": int(attrs.get("mpi_ranks", 0)),
        "omp_threads": int(attrs.get("omp_threads", 0)),
        "timings": json.loads(snp.text(attrs["timings"])) if "timings" in attrs else {},
        "inputs": json.loads(snp.text(attrs["inputs"])) if "inputs" in attrs else {},
        "version": snp.text(attrs.get("version", b"")),
    }
    return info, cols


def signalrank_figures(snap, metrics_path):
    """PageRank and trends seconds and iterations of signalrank: from --signalrank-metrics when
    given (schema {"phases": {...}, "pagerank": {"iterations": n}}), else from the snapshot."""
    if metrics_path:
        with open(metrics_path) as f:
            m = json.load(f)
        phases = m.get("phases", {})
        if "pagerank" not in phases or "trends" not in phases:
            fail(f"{metrics_path}: needs phases.pagerank and phases.trends (seconds)")
        return {"source": os.path.realpath(metrics_path), "pagerank_s": float(phases["pagerank"]),
                "trends_s": float(phases["trends"]),
                "iterations": int(m.get("pagerank", {}).get("iterations", snap["iterations"])),
                "phases": phases}
    t = snap["timings"]
    if "pagerank" not in t or "trends" not in t:
        fail(f"{snap['path']}: no timings attribute with pagerank and trends; pass --signalrank-metrics")
    return {"source": "snapshot timings attribute", "pagerank_s": float(t["pagerank"]),
            "trends_s": float(t["trends"]), "iterations": snap["iterations"], "phases": t}


def rescore(snap, universe, campaign_path, runs, folder, binary):
    """Runs `signalrank score` `runs` times with the snapshot's ranks and threads, right here, so
    that signalrank is timed under the same machine load as the peers; medians of each phase."""
    if not binary or not os.access(binary, os.X_OK):
        fail(f"--score-runs needs the signalrank binary ({binary or '$SIGNALRANK_BIN'} is not executable)")
    if not campaign_path:
        campaign_path = snap["inputs"].get("campaign", {}).get("path")
    if not campaign_path or not os.path.exists(campaign_path):
        fail("--score-runs needs the campaign file; pass --campaign")
    ranks, threads = max(1, snap["mpi_ranks"]), max(1, snap["omp_threads"])
    out = os.path.join(folder, "score-runs")
    phases, iterations = [], set()
    for r in range(runs):
        log(f"bench-peers: signalrank score run {r + 1}/{runs} ({ranks} ranks x {threads} threads)")
        cmd = ["mpirun", "-n", str(ranks), "--bind-to", "core" if threads == 1 else "none", binary, "score",
               "--universe", universe, "--campaign", campaign_path, "--as-of", snap["as_of"], "--out", out]
        proc = subprocess.run(cmd, env=dict(os.environ, OMP_NUM_THREADS=str(threads)), capture_output=True,
                              text=True)
        if proc.returncode != 0:
            fail(f"signalrank score exited with {proc.returncode}: {proc.stderr.strip()[-300:]}")
        made = os.path.join(out, tomllib.loads(snap["campaign_toml"])["name"], snap["as_of"] + ".h5")
        info, _ = snapshot_info(made)
        phases.append(info["timings"])
        iterations.add(info["iterations"])
    med = {k: statistics.median(p[k] for p in phases) for k in phases[0]}
    return {"source": f"median of {runs} signalrank score runs by bench-peers ({ranks} ranks x {threads} threads)",
            "pagerank_s": med["pagerank"], "trends_s": med["trends"], "iterations": iterations.pop()
            if len(iterations) == 1 else fail(f"score runs disagree on iterations: {sorted(iterations)}"),
            "phases": med, "runs": phases}


def compare(got, want):
    """Agreement of two per-provider columns."""
    d = np.abs(got - want)
    pos = want != 0
    rel = d[pos] / np.abs(want[pos])
    return {"max_abs_diff": float(d.max(initial=0)), "max_rel_diff": float(rel.max(initial=0)),
            "l1_diff": float(d.sum()), "zero_mismatch": int(np.sum((got != 0) != (want != 0)))}


def by_provider(values_by_position, provider, N):
    out = np.zeros(N)
    out[provider] = values_by_position
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--snapshot", required=True)
    ap.add_argument("--universe")
    ap.add_argument("--campaign")
    ap.add_argument("--signalrank-metrics")
    ap.add_argument("--score-runs", type=int, default=0)
    ap.add_argument("--out", default=os.path.join(ROOT, "bench", "results", "peers.json"))
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--peers", default=",".join(ALL_PEERS))
    ap.add_argument("--order", choices=["locality", "npi"], default="locality")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--graphblas-variants", default="pull,pull-T0,push,push-T0")
    ap.add_argument("--max-memory-gb", type=float, default=9.0)
    ap.add_argument("--duckdb-memory-limit", default="4GB")
    ap.add_argument("--bin", required=True, help="folder of the built C peers")
    ap.add_argument("--cache", default=os.path.join(ROOT, "bench", "data", "peers"))
    a = ap.parse_args()
    peers = [p for p in a.peers.split(",") if p]
    unknown = set(peers) - set(ALL_PEERS)
    if unknown:
        fail(f"unknown peer(s) {', '.join(sorted(unknown))}; choose from {', '.join(ALL_PEERS)}")
    if a.runs < 1:
        fail("--runs must be >= 1")

    if not os.path.exists(a.snapshot):
        fail(f"{a.snapshot}: no such snapshot")
    snap, cols = snapshot_info(a.snapshot)
    universe = a.universe or snap["inputs"].get("universe", {}).get("path")
    if not universe or not os.path.exists(universe):
        fail(f"universe {universe!r} of the snapshot not found; pass --universe")
    recorded = snap["inputs"].get("universe", {}).get("bytes")
    if recorded is not None and recorded != os.path.getsize(universe):
        fail(f"{universe} is not the universe the snapshot was scored from ({os.path.getsize(universe)} bytes, "
             f"the snapshot records {recorded})")
    if a.campaign:
        with open(a.campaign, "rb") as f:
            campaign = tomllib.load(f)
    else:
        campaign = tomllib.loads(snap["campaign_toml"])
    if a.score_runs and a.signalrank_metrics:
        fail("give --score-runs or --signalrank-metrics, not both")

    load0 = os.getloadavg()
    started = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    t0 = time.perf_counter()
    case = peers_data.prepare(universe, campaign, snap["as_of"], a.order, a.cache, log=log)
    st = os.stat(universe)
    case["universe_fingerprint"] = f"{case['universe']}|{st.st_size}|{st.st_mtime_ns}"
    prepare_s = time.perf_counter() - t0
    sr = rescore(snap, universe, a.campaign, a.score_runs, case["cache"], os.environ.get("SIGNALRANK_BIN")) \
        if a.score_runs else signalrank_figures(snap, a.signalrank_metrics)
    case_path = os.path.join(case["cache"], f"case-{a.order}.json")
    with open(case_path, "w") as f:
        json.dump(case, f, indent=1)
    N, E, rows = case["N"], case["E"], case["claims_rows"]

    # Snapshot columns by provider index (universe order = ascending NPI).
    with h5py.File(universe, "r") as u:
        npi = u["providers/npi"][:]
    at = np.searchsorted(npi, cols["npi"])
    if len(cols["npi"]) != N or not np.array_equal(npi[np.minimum(at, N - 1)], cols["npi"]):
        fail("the snapshot's NPIs are not the universe's")
    ref = {}
    for k in ("pagerank", "volume", "slope"):
        ref[k] = np.zeros(N)
        ref[k][at] = cols[k]
    provider = np.asarray(peers_data.read_graph(case["graph"])["provider"], np.int64)

    result = {
        "schema": "signalrank-bench-peers-1",
        "created_utc": started,
        "machine": {"cpus": os.cpu_count(), "memory_bytes": os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"),
                    "kernel": platform.release(), "loadavg_before": load0},
        "git_commit": subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True,
                                     text=True).stdout.strip(),
        "inputs": {"snapshot": snap["path"], "universe": case["universe"], "as_of": snap["as_of"],
                   "campaign": campaign.get("name"), "providers": N, "edges": E, "claims_rows": rows,
                   "max_edge_weight": case["max_weight"], "vertex_order": a.order,
                   "campaign_code_ids": len(case["code_ids"]), "damping": case["damping"],
                   "tolerance": case["tolerance"], "max_iterations": case["max_iterations"],
                   "window_weeks": case["window_weeks"], "slope_weeks": case["slope_weeks"]},
        "runs": a.runs,
        "prepare_s": prepare_s,
        "signalrank": {**sr, "mpi_ranks": snap["mpi_ranks"], "omp_threads": snap["omp_threads"],
                       "version": snap["version"],
                       "pagerank_edges_per_s": E * sr["iterations"] / sr["pagerank_s"] if sr["pagerank_s"] > 0 else None,
                       "trends_rows_per_s": rows / sr["trends_s"] if sr["trends_s"] > 0 else None,
                       "trends_note": "score's read phase streams the claims and keeps the campaign's rows of the "
                                      "trend weeks; its trends phase aggregates only those. Its match in DuckDB is "
                                      "'provider_prefiltered' (after 'prefilter'); the other queries also scan and "
                                      "filter every claim row. trends_rows_per_s divides all claim rows by the "
                                      "trends seconds."},
        "pagerank": {}, "trends": {}, "stream": None, "errors": {},
    }

    def fits(name):
        per_edge, per_vertex = MEMORY_MODEL[name]
        need = per_edge * E + per_vertex * N + 0.2 * GB
        avail = mem_available()
        limit = min(a.max_memory_gb * GB, (avail - 1 * GB) if avail else a.max_memory_gb * GB)
        if need > limit:
            result["errors"][name] = (f"skipped: needs ~{need / GB:.1f} GB, limit {limit / GB:.1f} GB "
                                      f"(--max-memory-gb {a.max_memory_gb}, MemAvailable)")
            log(f"bench-peers: {name}: {result['errors'][name]}")
            return False
        return True

    def pagerank_entry(name, out, wall, rss, x_path, iterations, seconds):
        x = by_provider(np.fromfile(x_path, np.float64), provider, N)
        entry = {
            "seconds": seconds, "iterations": iterations,
            "iterations_match": (iterations == sr["iterations"]) if iterations is not None else None,
            "edges_per_s": E * iterations / seconds if iterations else None,
            "ratio_signalrank_over_peer": sr["pagerank_s"] / seconds,
            "signalrank_speedup": seconds / sr["pagerank_s"],
            "agreement": compare(x, ref["pagerank"]), "sum_x": float(x.sum()),
            "load_s": out.get("load_s"), "process_wall_s": wall, "peak_rss_bytes": rss,
            "detail": out,
        }
        result["pagerank"][name] = entry

    env_threads = {"OMP_NUM_THREADS": str(a.threads), "OMP_PROC_BIND": "false"}
    env_one = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    py_env = {"PYTHONPATH": HERE}
    for name in peers:
        log(f"bench-peers: running {name}")
        try:
            if name == "graphblas" and fits(name):
                x_path = os.path.join(case["cache"], f"x-graphblas-{a.order}.bin")
                out, wall, rss = run_measured(
                    name, [os.path.join(a.bin, "graphblas_pagerank"), case["graph"], case["v"],
                     "--damping", repr(case["damping"]), "--tolerance", repr(case["tolerance"]),
                     "--max-iterations", str(case["max_iterations"]), "--threads", str(a.threads),
                     "--runs", str(a.runs), "--variants", a.graphblas_variants, "--x-out", x_path], env_threads)
                best = next(v for v in out["variants"] if v["name"] == out["best"])
                pagerank_entry(name, out, wall, rss, x_path, best["iterations"], best["median_s"])
                result["pagerank"][name]["threads"] = a.threads
                result["pagerank"][name]["variant"] = out["best"]
            elif name == "scipy" and fits(name):
                x_path = os.path.join(case["cache"], f"x-scipy-{a.order}.bin")
                out, wall, rss = run_measured(
                    name, [sys.executable, os.path.join(HERE, "pagerank_scipy.py"), case_path, "--runs", str(a.runs),
                     "--x-out", x_path], {**env_one, **py_env})
                pagerank_entry(name, out, wall, rss, x_path, out["iterations"], out["median_s"])
                result["pagerank"][name]["threads"] = 1
            elif name == "igraph" and fits(name):
                x_path = os.path.join(case["cache"], f"x-igraph-{a.order}.bin")
                out, wall, rss = run_measured(
                    name, [sys.executable, os.path.join(HERE, "pagerank_igraph.py"), case_path, "--runs", str(a.runs),
                     "--x-out", x_path], {**env_threads, **py_env})
                pagerank_entry(name, out, wall, rss, x_path, None, out["median_s"])
                result["pagerank"][name]["threads"] = f"OMP_NUM_THREADS={a.threads}"
            elif name == "duckdb":
                prefix = os.path.join(case["cache"], "duckdb-out")
                node = os.environ.get("BENCH_PEERS_NODE", "/usr/bin/node")
                out, wall, rss = run_measured(
                    name, [node, os.path.join(HERE, "duckdb_trends.mjs"), case_path, "--runs", str(a.runs),
                     "--threads", str(a.threads), "--memory-limit", a.duckdb_memory_limit, "--out-prefix", prefix],
                    {})
                result["trends"]["duckdb"] = trends_entry(out, wall, rss, ref, sr, N)
            elif name == "stream":
                out, wall, rss = run_measured(name, [os.path.join(a.bin, "stream_triad"), "--threads", "1 2"], {})
                result["stream"] = out
        except (RuntimeError, KeyError, ValueError, OSError) as e:
            result["errors"][name] = str(e)
            log(f"bench-peers: {name} failed: {e}")

    # Memory-bandwidth bound of one iteration's edge stream, from the triad (2 threads).
    if result["stream"]:
        bw = max(v["gb_per_s"] for v in result["stream"]["threads"].values()) * GB
        weight_bytes = 2 if case["max_weight"] <= 0xFFFF else 4
        bytes_per_edge = {"signalrank": 4 + weight_bytes, "graphblas": 16, "scipy": 12 if N < 2**31 else 16}
        result["stream"]["edge_stream_bound"] = {
            k: {"bytes_per_edge": b, "edges_per_s": bw / b} for k, b in bytes_per_edge.items()}
    result["machine"]["loadavg_after"] = os.getloadavg()

    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    peers_data.atomic_write(os.path.abspath(a.out), lambda f: f.write(json.dumps(result, indent=1).encode() + b"\n"))
    print_table(result)
    print(f"wrote {a.out}")
    return 1 if any(not v.startswith("skipped") for v in result["errors"].values()) else 0


def trends_entry(out, wall, rss, ref, sr, N):
    entry = {"load_s": out["load_s"], "load_cached": out["load_cached"], "db_bytes": out["db_bytes"],
             "version": out["version"], "threads": out["threads"], "process_wall_s": wall, "peak_rss_bytes": rss,
             "queries": {}}
    for qname, q in out["queries"].items():
        if "output" not in q:  # the prefilter step: a temporary table, no result to check
            entry["queries"][qname] = {"seconds": q["median_s"], "query_s": q["query_s"], "warmup_s": q["warmup_s"],
                                       "input_rows": q["input_rows"], "result_rows": q["result_rows"],
                                       "rows_per_s": q["input_rows"] / q["median_s"], "sql": q["sql"]}
            continue
        o = q["output"]
        data = np.fromfile(o["path"], np.float64).reshape(len(o["columns"]), o["rows"])
        c = dict(zip(o["columns"], data))
        prov = c["provider"].astype(np.int64)
        e = {"seconds": q["median_s"], "query_s": q["query_s"], "warmup_s": q["warmup_s"],
             "input_rows": q["input_rows"], "result_rows": q["result_rows"],
             "rows_per_s": q["input_rows"] / q["median_s"],
             "ratio_signalrank_over_peer": sr["trends_s"] / q["median_s"],
             "signalrank_speedup": q["median_s"] / sr["trends_s"], "sql": q["sql"]}
        vol = np.bincount(prov, weights=c["volume"], minlength=N)
        if qname == "provider_code":
            slope = np.bincount(prov, weights=c["slope_spec"], minlength=N)
            e["agreement"] = {"volume (sum over codes)": compare(vol, ref["volume"]),
                              "slope (sum over codes of slope_spec)": compare(slope, ref["slope"])}
            gap = np.abs(c["slope_regr"] - c["slope_spec"])
            e["regr_slope_vs_spec"] = {"groups": int(len(gap)), "groups_differing": int(np.sum(gap > 1e-9)),
                                       "max_abs_diff": float(gap.max(initial=0))}
        else:
            slope = np.bincount(prov, weights=c["slope"], minlength=N)
            e["agreement"] = {"volume": compare(vol, ref["volume"]), "slope": compare(slope, ref["slope"])}
        entry["queries"][qname] = e
    return entry


def fmt_s(x):
    return f"{x:.3f}" if isinstance(x, (int, float)) else "-"


def print_table(r):
    sr = r["signalrank"]
    i = r["inputs"]
    print(f"\npeers on {i['universe']} as of {i['as_of']}: {i['providers']:,} providers, {i['edges']:,} edges, "
          f"{i['claims_rows']:,} claim rows; vertex order {i['vertex_order']}; median of {r['runs']}")
    print(f"signalrank ({sr['mpi_ranks']} ranks x {sr['omp_threads']} threads; {sr['source']}): "
          f"pagerank {sr['pagerank_s']:.3f} s, {sr['iterations']} iterations, "
          f"{sr['pagerank_edges_per_s'] / 1e6:,.0f} M edges/s; trends {sr['trends_s']:.3f} s, "
          f"{sr['trends_rows_per_s'] / 1e6:,.0f} M rows/s")
    print(f"{'PageRank peer':22} {'threads':>8} {'seconds':>9} {'iters':>6} {'M edges/s':>10} "
          f"{'sr/peer':>8} {'max abs diff':>13} {'max rel diff':>13} {'load s':>8} {'peak GB':>8}")
    for name, e in r["pagerank"].items():
        label = name + (f" ({e['variant']})" if "variant" in e else "")
        threads = e["threads"] if isinstance(e["threads"], int) else "omp"
        eps = f"{e['edges_per_s'] / 1e6:,.0f}" if e["edges_per_s"] else "-"
        it = e["iterations"] if e["iterations"] is not None else "-"
        print(f"{label:22} {threads:>8} {e['seconds']:9.3f} {it:>6} {eps:>10} {e['ratio_signalrank_over_peer']:8.3f} "
              f"{e['agreement']['max_abs_diff']:13.3g} {e['agreement']['max_rel_diff']:13.3g} {fmt_s(e['load_s']):>8} "
              f"{e['peak_rss_bytes'] / GB if e['peak_rss_bytes'] else float('nan'):8.2f}")
    d = r["trends"].get("duckdb")
    if d:
        print(f"{'trends peer (DuckDB)':22} {'threads':>8} {'seconds':>9} {'M rows/s':>10} {'sr/peer':>8} "
              f"{'vol max diff':>13} {'slope max diff':>14}   (load {fmt_s(d['load_s'])} s"
              f"{', cached' if d['load_cached'] else ''})")
        for q, e in d["queries"].items():
            if "agreement" not in e:
                print(f"{q:22} {d['threads']:>8} {e['seconds']:9.3f} {e['rows_per_s'] / 1e6:10.1f} {'':>8}   "
                      f"keeps {e['result_rows']:,} rows (what score's read phase keeps)")
                continue
            ag = list(e["agreement"].values())
            print(f"{q:22} {d['threads']:>8} {e['seconds']:9.3f} {e['rows_per_s'] / 1e6:10.1f} "
                  f"{e['ratio_signalrank_over_peer']:8.3f} {ag[0]['max_abs_diff']:13.3g} {ag[1]['max_abs_diff']:14.3g}")
            if "regr_slope_vs_spec" in e:
                g = e["regr_slope_vs_spec"]
                print(f"{'':22} regr_slope over rows only differs from SPEC's slope in {g['groups_differing']:,} "
                      f"of {g['groups']:,} (provider, code) groups, by up to {g['max_abs_diff']:.3g}")
    if r["stream"]:
        s = r["stream"]["threads"]
        print("STREAM triad: " + ", ".join(f"{t} thread{'s' if t != '1' else ''} {v['gb_per_s']:.1f} GB/s"
                                            for t, v in s.items()))
        b = r["stream"]["edge_stream_bound"]
        print("edge-stream bound at that bandwidth: " + ", ".join(
            f"{k} {v['edges_per_s'] / 1e6:,.0f} M edges/s ({v['bytes_per_edge']} B/edge)" for k, v in b.items()))
    for name, msg in r["errors"].items():
        print(f"{name}: {msg}")


if __name__ == "__main__":
    sys.exit(main())
