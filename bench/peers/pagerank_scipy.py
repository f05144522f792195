#!/usr/bin/python3
"""PageRank peer: scipy.sparse CSR matvec power iteration, exactly SPEC section 4's iteration.

usage: pagerank_scipy.py CASE.json --runs N --x-out X.bin   (prints one JSON object)

P^T is a CSR matrix with pre-scaled values P_ab = w_ab / out_weight_a (as signalrank's kernel
sees them); each iteration is y = P^T x (scipy's csr_matvec, one thread), the dangling mass and
the teleport term in numpy, the L1 change, from x = v until the change is below the tolerance.
"""
import json
import statistics
import sys
import time

import numpy as np
import scipy
import scipy.sparse as sp

from peers_data import cpu_seconds, peer_command_line, read_graph


def power_iteration(A, v, dangling, d, tol, max_it):
    x = v.copy()
    residual = float("inf")
    it = 0
    while it < max_it:
        mass = x[dangling].sum()
        y = A @ x
        y *= d
        y += (d * mass + (1.0 - d)) * v
        residual = float(np.abs(y - x).sum())
        x = y
        it += 1
        if residual < tol:
            break
    return x, it, residual


def main():
    a, case = peer_command_line()

    t0 = time.perf_counter()
    g = read_graph(case["graph"], mmap=False)
    N = g["N"]
    src = g["src"].astype(np.int32) if N < 2**31 else g["src"].astype(np.int64)
    values = g["weight"] / g["out_weight"].astype(np.float64)[g["src"]]
    A = sp.csr_matrix((values, src, g["offsets"].astype(np.int64)), shape=(N, N))
    A.has_sorted_indices = True
    del values, src
    dangling = np.nonzero(g["out_weight"] == 0)[0]
    v = np.fromfile(case["v"], np.float64)
    load_s = time.perf_counter() - t0

    times, cpus = [], []
    for _ in range(a.runs):
        c0, t0 = cpu_seconds(), time.perf_counter()
        x, it, residual = power_iteration(A, v, dangling, case["damping"], case["tolerance"], case["max_iterations"])
        times.append(time.perf_counter() - t0)
        cpus.append(cpu_seconds() - c0)
    x.tofile(a.x_out)
    json.dump({"name": "scipy", "version": scipy.__version__, "threads": 1, "load_s": load_s,
               "iteration_s": times, "median_s": statistics.median(times),
               "cpu_per_wall": statistics.median(c / t for c, t in zip(cpus, times)),
               "iterations": it, "residual": residual,
               "index_dtype": str(A.indices.dtype)}, sys.stdout)
    print()


if __name__ == "__main__":
    main()
