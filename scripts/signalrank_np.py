"""SPEC section 4 building blocks in numpy, shared by scripts/verify_snapshot.py (the independent
snapshot verifier) and bench/peers/ (the peer benchmarks): campaign parameters, code matching,
the dense weekly series r[i, age], the personalization vector and the referral edge list, all
read straight from universe.h5 with h5py.

Nothing here depends on signalrank's C++ code: it is written from SPEC section 4 and README's
universe.h5 table only.
"""
import datetime as dt

import numpy as np

MONDAY_EPOCH = dt.date(1970, 1, 5)
SYSTEMS = ["CPT", "HCPCS", "ICD10", "NDC"]

# SPEC section 3 example values: what a campaign file that omits a key gets.
CAMPAIGN_DEFAULTS = {
    "window_weeks": 13, "slope_weeks": 26, "trigger_weeks": 4, "baseline_weeks": 26,
    "trigger_z": 3.0, "trigger_min": 5, "damping": 0.85, "tolerance": 1e-10, "max_iterations": 200,
    "personalize": "volume",
}
WEIGHT_DEFAULTS = {"volume": 0.2, "growth": 0.25, "pagerank": 0.3, "peer_exposure": 0.15, "trigger": 0.1}

# Rows of /claims read per slice: bounds the memory of weekly_series at national scale
# (300 M rows) to a few hundred MB, and is one slice for anything up to state scale.
CLAIMS_SLICE = 1 << 25


def text(value):
    """An HDF5 string attribute as str (h5py gives bytes for fixed-length strings)."""
    return value.decode() if isinstance(value, bytes) else str(value)


def week_of(date_text):
    d = dt.date.fromisoformat(date_text)
    return (d - MONDAY_EPOCH).days // 7


def norm(code):
    return code.replace(".", "").upper()


def spec_matches(spec, system, code):
    sys_name, _, body = spec.partition(":")
    if norm(sys_name) != SYSTEMS[system]:
        return False
    if body.endswith("*") and len(body) > 1:
        return code.startswith(norm(body[:-1]))
    if "-" in body and norm(sys_name) != "NDC":
        lo, hi = (norm(x) for x in body.split("-", 1))
        return len(code) == len(lo) and lo <= code <= hi
    return code == norm(body)


def campaign_params(camp):
    """The campaign dict (tomllib) with SPEC defaults filled in; `weights` merged separately."""
    p = dict(CAMPAIGN_DEFAULTS)
    p.update({k: v for k, v in camp.items() if k in CAMPAIGN_DEFAULTS})
    p["codes"] = list(camp.get("codes", []))
    p["weights"] = dict(WEIGHT_DEFAULTS)
    p["weights"].update(camp.get("weights", {}))
    return p


def history_weeks(p):
    """Ages 0 .. H-1 the trends read: max(2 window, slope, trigger + baseline)."""
    return max(2 * p["window_weeks"], p["slope_weeks"], p["trigger_weeks"] + p["baseline_weeks"])


def code_match(u, specs):
    """Boolean per code of /codes: does any campaign spec match it."""
    codes = [c.decode() for c in u["codes/code"][:]]
    systems = u["codes/system"][:]
    return np.array([any(spec_matches(s, systems[i], codes[i]) for s in specs) for i in range(len(codes))], bool)


def weekly_series(u, match, t, H, slice_rows=CLAIMS_SLICE):
    """r[i, age] = services of provider i over the matched codes in week t - age, ages 0 .. H-1
    (float64; services are integers, so the sums are exact whatever the order). Reads /claims in
    slices of slice_rows rows."""
    off = u["claims/offsets"][:].astype(np.int64)
    N = len(off) - 1
    r = np.zeros((N, H))
    rows = int(off[-1])
    for lo in range(0, rows, slice_rows):
        hi = min(rows, lo + slice_rows)
        week = u["claims/week"][lo:hi].astype(np.int64)
        code = u["claims/code"][lo:hi]
        age = t - week
        keep = (age >= 0) & (age < H) & (match[code] if len(match) else False)
        idx = np.nonzero(keep)[0]
        if len(idx) == 0:
            continue
        prov = np.searchsorted(off, lo + idx, side="right") - 1
        serv = u["claims/services"][lo:hi][idx].astype(np.float64)
        np.add.at(r, (prov, age[idx]), serv)
    return r


def personalization(volume, personalize):
    """SPEC section 4's v: proportional to volume (uniform when all volumes are 0) or uniform."""
    N = len(volume)
    if personalize == "volume" and volume.sum() > 0:
        return volume / volume.sum()
    return np.full(N, 1.0 / N)


def out_edges(u):
    """Referral edges by source as (src, dst, bene_count as float64), in the file's order."""
    eo = u["referrals/out_offsets"][:].astype(np.int64)
    N = len(eo) - 1
    src = np.repeat(np.arange(N), np.diff(eo))
    dst = u["referrals/out_dst"][:].astype(np.int64)
    w = u["referrals/out_bene_count"][:].astype(np.float64)
    return src, dst, w
