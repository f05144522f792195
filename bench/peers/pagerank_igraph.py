#!/usr/bin/python3
"""PageRank peer: python3-igraph's Graph.personalized_pagerank (PRPACK).

usage: pagerank_igraph.py CASE.json --runs N --x-out X.bin   (prints one JSON object)

The graph gets the same edges and bene_count weights (igraph normalizes them per source itself),
the reset vector is v and the damping the campaign's. PRPACK does not iterate to the campaign's
tolerance: it solves the linear system (Gauss-Seidel on the strongly connected components for
graphs this size) to its own fixed 1e-10, and a dangling vertex restarts the walk along the reset
vector (igraph >= 0.10 passes u = v), which is SPEC section 4's treatment. The timed call includes
PRPACK's own copy and preprocessing of the graph, which igraph does inside every call.
"""
import json
import statistics
import sys
import time

import igraph
import numpy as np

from peers_data import cpu_seconds, peer_command_line, read_graph, read_slice

EDGE_SLICE = 1 << 23


def main():
    a, case = peer_command_line()

    t0 = time.perf_counter()
    g = read_graph(case["graph"], mmap=False, arrays=("offsets", "weight"))
    N, E = g["N"], g["E"]
    # igraph takes weights as a Python list; equal weights share one float object, so the list
    # costs 8 bytes per edge rather than 32.
    uniq, inverse = np.unique(g.pop("weight"), return_inverse=True)
    weights = np.array([float(x) for x in uniq], dtype=object)[inverse].tolist()
    del inverse
    graph = igraph.Graph(n=N, directed=True)
    offsets = g["offsets"].astype(np.int64)
    for lo in range(0, E, EDGE_SLICE):  # slices keep the conversion's temporaries small
        hi = min(E, lo + EDGE_SLICE)
        dst = np.searchsorted(offsets, np.arange(lo, hi), side="right") - 1
        graph.add_edges(np.stack([read_slice(case["graph"], "src", g, lo, hi).astype(np.int64), dst], 1))
    reset = np.fromfile(case["v"], np.float64).tolist()
    load_s = time.perf_counter() - t0

    times, cpus = [], []
    for _ in range(a.runs):
        c0, t0 = cpu_seconds(), time.perf_counter()
        x = graph.personalized_pagerank(directed=True, damping=case["damping"], reset=reset, weights=weights,
                                        implementation="prpack")
        times.append(time.perf_counter() - t0)
        cpus.append(cpu_seconds() - c0)
    np.asarray(x, np.float64).tofile(a.x_out)
    json.dump({"name": "igraph", "version": igraph.__version__, "threads": "OpenMP default (see cpu_per_wall)",
               "load_s": load_s, "iteration_s": times, "median_s": statistics.median(times),
               "cpu_per_wall": statistics.median(c / t for c, t in zip(cpus, times)),
               "iterations": None, "residual": None, "method": "PRPACK linear solve, tolerance 1e-10 fixed"},
              sys.stdout)
    print()


if __name__ == "__main__":
    main()
