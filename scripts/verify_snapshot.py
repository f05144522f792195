#!/usr/bin/python3
"""Independent re-computation of a signalrank snapshot from universe.h5 and the campaign file,
straight from SPEC section 4 with numpy (dense weekly arrays, edge-list power iteration), then a
column-by-column comparison with the snapshot. Exit 0 when every column agrees.

usage: verify_snapshot.py UNIVERSE.h5 CAMPAIGN.toml SNAPSHOT.h5 [--rtol 1e-9]
"""
import argparse
import os
import sys
import tomllib

import h5py
import numpy as np

from signalrank_np import (campaign_params, code_match, history_weeks, out_edges, personalization, text, week_of,
                           weekly_series)


def percentiles(values, eligible):
    v = values[eligible]
    s = np.sort(v)
    below = np.searchsorted(s, v, side="left")
    upto = np.searchsorted(s, v, side="right")
    pct = np.zeros_like(values)
    pct[eligible] = (below + (upto - below + 1) / 2.0) / len(v)
    return pct


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("universe")
    ap.add_argument("campaign")
    ap.add_argument("snapshot")
    ap.add_argument("--rtol", type=float, default=1e-9)
    a = ap.parse_args()

    with open(a.campaign, "rb") as f:
        camp = tomllib.load(f)
    p = campaign_params(camp)
    W, S, TW, BW = p["window_weeks"], p["slope_weeks"], p["trigger_weeks"], p["baseline_weeks"]
    TZ, TMIN = p["trigger_z"], p["trigger_min"]
    d, tol, max_it = p["damping"], p["tolerance"], p["max_iterations"]
    weights = p["weights"]

    u = h5py.File(a.universe, "r")
    snap = h5py.File(a.snapshot, "r")
    t = week_of(text(snap.attrs["as_of"]))
    npi = u["providers/npi"][:]
    N = len(npi)
    match = code_match(u, camp["codes"])

    # r[i, age] for ages 0..H-1 (age 0 = the as-of week)
    H = history_weeks(p)
    r = weekly_series(u, match, t, H)

    volume = r[:, :W].sum(1)
    prior = r[:, W:2 * W].sum(1)
    growth = np.log((volume + 1) / (prior + 1))
    x = -np.arange(S, dtype=np.float64)
    xc = x - x.mean()
    slope = (r[:, :S] * xc).sum(1) / (xc * xc).sum()
    R = r[:, :TW].sum(1)
    B = r[:, TW:TW + BW].sum(1)
    E = TW * B / BW
    tz = (R - E) / np.sqrt(E + 1)
    trig = ((tz >= TZ) & (R >= TMIN)).astype(np.uint8) | (((B == 0) & (R >= TMIN)).astype(np.uint8) << 1)

    src, dst, w = out_edges(u)
    outw = np.bincount(src, weights=w, minlength=N)
    dangling = outw == 0
    v = personalization(volume, p["personalize"])
    xr = v.copy()
    pw = w / outw[src] if len(src) else w
    iters = 0
    for it in range(1, max_it + 1):
        xn = d * np.bincount(dst, weights=xr[src] * pw, minlength=N) + (d * xr[dangling].sum() + (1 - d)) * v
        res = np.abs(xn - xr).sum()
        xr = xn
        iters = it
        if res < tol:
            break

    active = (volume > 0).astype(np.float64)
    num = np.bincount(src, weights=w * active[dst], minlength=N) + np.bincount(dst, weights=w * active[src], minlength=N)
    den = np.bincount(src, weights=w, minlength=N) + np.bincount(dst, weights=w, minlength=N)
    exposure = np.where(den > 0, num / np.where(den > 0, den, 1), 0.0)

    # eligibility
    et = u["providers/entity_type"][:]
    state = np.array([s.decode() for s in u["providers/state"][:]])
    spec_names = [s.decode() for s in u["providers/specialty_names"][:]]
    spec = np.array([spec_names[i].upper() for i in u["providers/specialty"][:]])
    tax = np.array([s.decode().upper() for s in u["providers/taxonomy"][:]])
    elig = np.ones(N, bool)
    if camp.get("entity_types"):
        elig &= np.isin(et, camp["entity_types"])
    if camp.get("states"):
        elig &= np.isin(state, [s.upper() for s in camp["states"]])
    if camp.get("specialties"):
        want = [s.upper() for s in camp["specialties"]]
        elig &= np.isin(spec, want) | np.isin(tax, want)
    supp = np.zeros(N, bool)
    if camp.get("suppression"):
        path = os.path.join(os.path.dirname(a.campaign), camp["suppression"])
        idx = {int(n): i for i, n in enumerate(npi)}
        with open(path) as f:
            for line in f:
                first = line.strip().split(",")[0].strip('"')
                if first.isdigit() and int(first) in idx:
                    supp[idx[int(first)]] = True
    elig &= ~supp

    score = (weights["volume"] * percentiles(volume, elig) + weights["growth"] * percentiles(growth, elig)
             + weights["pagerank"] * percentiles(xr, elig) + weights["peer_exposure"] * percentiles(exposure, elig)
             + weights["trigger"] * (trig != 0))
    score = np.where(elig, score, 0.0)
    order_e = sorted(np.nonzero(elig)[0], key=lambda i: (-score[i], npi[i]))
    order_i = sorted(np.nonzero(~elig)[0], key=lambda i: npi[i])
    order = np.array(order_e + order_i, dtype=np.int64)
    rank = np.zeros(N, np.uint32)
    rank[order[:len(order_e)]] = np.arange(1, len(order_e) + 1)

    expect = {"npi": npi[order], "rank": rank[order], "score": score[order], "volume": volume[order],
              "prior_volume": prior[order], "growth": growth[order], "slope": slope[order], "trigger_z": tz[order],
              "pagerank": xr[order], "peer_exposure": exposure[order], "trigger": trig[order],
              "suppressed": supp[order].astype(np.uint8)}
    bad = 0
    for name, want in expect.items():
        got = snap[name][:]
        if got.shape != want.shape:
            print(f"{name}: length {got.shape} != {want.shape}")
            bad += 1
            continue
        if np.issubdtype(want.dtype, np.floating):
            ok = np.allclose(got, want, rtol=a.rtol, atol=1e-15)
            diff = np.max(np.abs(got - want) / np.maximum(np.abs(want), 1e-300)) if len(want) else 0
        else:
            ok = np.array_equal(got, want)
            diff = int(np.sum(got != want))
        print(f"{name:14s} {'ok' if ok else 'MISMATCH'}  ({'max rel diff' if np.issubdtype(want.dtype, np.floating) else 'differing rows'} {diff:.3g})")
        bad += not ok
    if int(snap.attrs["iterations"]) != iters:
        print(f"iterations {snap.attrs['iterations']} != {iters}")
        bad += 1
    print("Verification:", "PASS" if bad == 0 else f"FAIL ({bad} columns)")
    return 0 if bad == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
