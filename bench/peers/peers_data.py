"""Inputs of the peer benchmarks, built once from universe.h5 and cached under bench/data/peers/.

graph-<order>.bin  the referral graph of SPEC section 4 as the CSR of P^T (row b lists the sources
                   a of the edges a -> b, ascending), in one vertex numbering:
                     header  64 bytes: b"SRPEERG1", then uint64 N, E, order (0 npi, 1 locality),
                             max_weight, 3 x uint64 reserved
                     uint64 offsets[N+1] | uint32 src[E] | uint32 weight[E] (bene_count)
                     uint64 out_weight[N] (sum of the vertex's out-edge weights, 0 = dangling)
                     uint32 provider[N] (position -> universe provider index)
                   E counts distinct edges without self-loops (duplicates summed, self-loops
                   dropped here too if the universe had any).
v-<key>.bin        float64[N], the personalization vector v in the same numbering.

"locality" is the numbering score uses internally (state, ZIP, NPI), so that peers and signalrank
gather x from equally near memory; "npi" is the universe's own numbering.
"""
import argparse
import hashlib
import json
import os
import resource
import sys
import tempfile

import h5py
import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
import signalrank_np as snp  # noqa: E402

MAGIC = b"SRPEERG1"
HEADER = 64
ORDERS = {"npi": 0, "locality": 1}


def peer_command_line():
    """The command line the PageRank peer scripts share: CASE.json [--runs N] --x-out FILE.
    Returns (args, case) with the case JSON loaded."""
    ap = argparse.ArgumentParser()
    ap.add_argument("case")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--x-out", required=True)
    a = ap.parse_args()
    with open(a.case) as f:
        return a, json.load(f)


def cpu_seconds():
    """User + system CPU seconds of this process so far."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def universe_key(path):
    """Cache folder name of a universe: its folder's name plus a hash of path, size and mtime."""
    st = os.stat(path)
    h = hashlib.sha1(f"{os.path.realpath(path)}|{st.st_size}|{st.st_mtime_ns}".encode()).hexdigest()[:10]
    base = os.path.basename(os.path.dirname(os.path.realpath(path))) or "universe"
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in base) + "-" + h


def atomic_write(path, write):
    """write(f) into a temporary file next to path, then fsync and rename."""
    folder = os.path.dirname(path)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=folder)
    os.chmod(tmp, 0o644)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def vertex_order(u, order):
    """position -> universe provider index."""
    N = u["providers/npi"].shape[0]
    if order == "npi":
        return np.arange(N, dtype=np.int64)
    state = u["providers/state"][:]
    zip5 = u["providers/zip5"][:]
    return np.lexsort((np.arange(N), zip5, state)).astype(np.int64)  # last key sorts first


def spec_edges(u):
    """In-edges (offsets, src, weight) of the universe after enforcing SPEC section 4: self-loops
    removed, duplicate (src, dst) summed. ingest already guarantees both; this checks it and only
    rebuilds when needed."""
    off = u["referrals/in_offsets"][:].astype(np.int64)
    src = u["referrals/in_src"][:]
    w = u["referrals/in_bene_count"][:]
    N = len(off) - 1
    deg = np.diff(off)
    row = np.repeat(np.arange(N, dtype=np.uint32), deg)
    selfloop = src == row
    ascending = src[1:] > src[:-1]
    starts = off[1:-1]
    ascending[starts[(starts > 0) & (starts < len(src))] - 1] = True  # row boundaries
    if not selfloop.any() and ascending.all():
        return off, src, w
    keep = ~selfloop
    key = row[keep].astype(np.uint64) << np.uint64(32) | src[keep].astype(np.uint64)
    uniq, inv = np.unique(key, return_inverse=True)
    wsum = np.bincount(inv, weights=w[keep].astype(np.float64))
    if wsum.max(initial=0) >= 2**32:
        raise SystemExit("bench-peers: a summed edge weight does not fit 32 bits")
    dst = (uniq >> np.uint64(32)).astype(np.int64)
    new_off = np.zeros(N + 1, np.int64)
    np.cumsum(np.bincount(dst, minlength=N), out=new_off[1:])
    return new_off, (uniq & np.uint64(0xFFFFFFFF)).astype(np.uint32), wsum.astype(np.uint32)


def build_graph(u, order):
    off, src, w = spec_edges(u)
    N, E = len(off) - 1, len(src)
    out_weight = np.bincount(src, weights=w.astype(np.float64), minlength=N)  # exact below 2^53
    provider = vertex_order(u, order)
    if order != "npi":
        pos = np.empty(N, np.int64)
        pos[provider] = np.arange(N)
        deg = np.diff(off)[provider]
        new_off = np.zeros(N + 1, np.int64)
        np.cumsum(deg, out=new_off[1:])
        # edge k of new row p comes from old edge off[provider[p]] + (k - new_off[p])
        take = np.repeat(off[provider] - new_off[:-1], deg)
        take += np.arange(E, dtype=np.int64)
        new_w = w[take]
        del w
        new_src = src[take]
        del src, take
        new_src = pos[new_src].astype(np.uint32)
        # sort each row by its new source index: key = row << 32 | source
        key = np.repeat(np.arange(N, dtype=np.uint64) << np.uint64(32), deg)
        key |= new_src
        perm = np.argsort(key)
        del key
        off, src, w = new_off, new_src[perm], new_w[perm]
        del perm, new_src, new_w
        out_weight = out_weight[provider]
    header = np.zeros(HEADER // 8, np.uint64)
    header[1:5] = [N, E, ORDERS[order], int(w.max(initial=0))]
    hbytes = bytearray(header.tobytes())
    hbytes[:8] = MAGIC

    def write(f):
        f.write(bytes(hbytes))
        off.astype(np.uint64).tofile(f)
        src.astype(np.uint32).tofile(f)
        w.astype(np.uint32).tofile(f)
        out_weight.astype(np.uint64).tofile(f)
        provider.astype(np.uint32).tofile(f)
    return write, N, E


def graph_sections(N, E):
    """(name, dtype, count, byte offset) of every array of a graph file."""
    at = HEADER
    out = []
    for name, dt, count in (("offsets", np.uint64, N + 1), ("src", np.uint32, E), ("weight", np.uint32, E),
                            ("out_weight", np.uint64, N), ("provider", np.uint32, N)):
        out.append((name, dt, count, at))
        at += np.dtype(dt).itemsize * count
    return out, at


def read_graph(path, mmap=True, arrays=None):
    """The graph file as a dict of numpy arrays (memory-mapped unless mmap=False; only the named
    arrays when given)."""
    with open(path, "rb") as f:
        head = f.read(HEADER)
    if head[:8] != MAGIC:
        raise SystemExit(f"bench-peers: {path} is not a peers graph file")
    N, E, order, max_w = (int(x) for x in np.frombuffer(head, np.uint64)[1:5])
    sections, size = graph_sections(N, E)
    if os.path.getsize(path) != size:
        raise SystemExit(f"bench-peers: {path} has the wrong size (a truncated cache? delete it)")
    g = {"N": N, "E": E, "order": order, "max_weight": max_w}
    for name, dt, count, at in sections:
        if arrays is None or name in arrays:
            g[name] = np.memmap(path, dt, "r", at, (count,)) if mmap else np.fromfile(path, dt, count, offset=at)
    return g


def read_slice(path, name, g, lo, hi):
    """Elements lo .. hi-1 of one array of a graph file (g: read_graph's dict, for N and E)."""
    for n, dt, count, at in graph_sections(g["N"], g["E"])[0]:
        if n == name:
            return np.fromfile(path, dt, hi - lo, offset=at + np.dtype(dt).itemsize * lo)
    raise KeyError(name)


def claims_layout(u):
    """Where the claims columns lie in universe.h5 (contiguous, unfiltered datasets can be read
    straight from the file), or None when one of them is chunked or filtered."""
    out = {}
    for name in ("claims/offsets", "claims/week", "claims/code", "claims/services"):
        ds = u[name]
        offset = ds.id.get_offset()
        if ds.chunks is not None or ds.compression is not None or offset is None:
            return None
        out[name.split("/")[1]] = {"offset": int(offset), "dtype": ds.dtype.str, "count": int(ds.shape[0])}
    return out


def dump_claims(u, folder):
    """Raw column files of /claims for DuckDB's loader when universe.h5 stores them chunked."""
    out = {}
    for name in ("offsets", "week", "code", "services"):
        ds = u["claims/" + name]
        path = os.path.join(folder, f"claims-{name}.bin")
        if not os.path.exists(path):
            def write(f, ds=ds):
                for lo in range(0, ds.shape[0], snp.CLAIMS_SLICE):
                    ds[lo:lo + snp.CLAIMS_SLICE].tofile(f)
            atomic_write(path, write)
        out[name] = {"path": path, "offset": 0, "dtype": ds.dtype.str, "count": int(ds.shape[0])}
    return out


def prepare(universe, campaign, as_of, order, cache_root, log=print):
    """Builds (or finds) the cached inputs and returns the case description (a dict, also the
    input of every peer runner)."""
    folder = os.path.join(cache_root, universe_key(universe))
    os.makedirs(folder, exist_ok=True)
    p = snp.campaign_params(campaign)
    t = snp.week_of(as_of)
    with h5py.File(universe, "r") as u:
        N = u["providers/npi"].shape[0]
        rows = u["claims/week"].shape[0]
        graph_path = os.path.join(folder, f"graph-{order}.bin")
        if not os.path.exists(graph_path):
            log(f"bench-peers: building {graph_path} (once per universe and order)")
            write, _, _ = build_graph(u, order)
            atomic_write(graph_path, write)
        g = read_graph(graph_path)
        if g["N"] != N:
            raise SystemExit(f"bench-peers: {graph_path} does not match the universe (delete it)")

        match = snp.code_match(u, p["codes"])
        H = max(p["window_weeks"], p["slope_weeks"])
        vkey = hashlib.sha1(json.dumps([order, as_of, p["codes"], p["window_weeks"], p["personalize"]])
                            .encode()).hexdigest()[:12]
        v_path = os.path.join(folder, f"v-{order}-{vkey}.bin")
        if not os.path.exists(v_path):
            log(f"bench-peers: computing the personalization vector {v_path}")
            r = snp.weekly_series(u, match, t, p["window_weeks"])
            volume = r.sum(1)
            v = snp.personalization(volume, p["personalize"])
            atomic_write(v_path, lambda f: v[np.asarray(g["provider"])].astype(np.float64).tofile(f))
        layout = claims_layout(u)
        claims_source = {"path": os.path.realpath(universe), "columns": layout} if layout else \
            {"columns": dump_claims(u, folder)}
    return {
        "universe": os.path.realpath(universe), "cache": folder, "order": order,
        "graph": graph_path, "v": v_path, "N": N, "E": g["E"], "max_weight": g["max_weight"],
        "claims_rows": int(rows), "claims": claims_source,
        "duckdb": os.path.join(folder, "claims.duckdb"),
        "as_of": as_of, "t": t, "window_weeks": p["window_weeks"], "slope_weeks": p["slope_weeks"],
        "query_weeks": H, "code_ids": [int(i) for i in np.nonzero(match)[0]],
        "damping": p["damping"], "tolerance": p["tolerance"], "max_iterations": p["max_iterations"],
        "personalize": p["personalize"],
    }
