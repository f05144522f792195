#!/usr/bin/python3
"""Copies a universe.h5 and damages the copy as an attacker with h5py would (one named case),
then prints the facts of the damage (the row changed, the values involved) as key=value lines,
for test_bad_universe to build the error message it expects.

usage: damage_universe.py SOURCE DEST CASE
"""
import shutil
import sys

import h5py

src, dst, case = sys.argv[1:4]
shutil.copyfile(src, dst)
f = h5py.File(dst, "r+")
P = f["/providers/npi"].shape[0]
facts = {"providers": P}


def recreate(name, data):
    del f[name]
    f.create_dataset(name, data=data)


def three_quarters(name):
    """A row three quarters into a column: in the last rank's slice at 2, 3 and 4 ranks."""
    return f[name].shape[0] * 3 // 4


if case in ("in_src", "out_dst"):
    name = "/referrals/" + case
    row = three_quarters(name)
    f[name][row] = P + 5
    facts.update(row=row, value=P + 5)
elif case == "code":
    row = three_quarters("/claims/code")
    codes = f["/codes/system"].shape[0]
    f["/claims/code"][row] = codes
    facts.update(row=row, codes=codes)
elif case == "system":
    f["/codes/system"][2] = 9
    facts.update(row=2)
elif case == "npi_short":
    recreate("/providers/npi", f["/providers/npi"][:-1])
elif case == "specialty":
    names = f["/providers/specialty_names"].shape[0]
    f["/providers/specialty"][P - 7] = names
    facts.update(row=P - 7, names=names)
elif case == "unsorted":
    npi = f["/providers/npi"][:]
    npi[10], npi[11] = npi[11], npi[10]
    f["/providers/npi"][:] = npi
    facts.update(row=11, value=int(npi[11]), previous=int(npi[10]))
elif case == "claim_offsets":
    off = f["/claims/offsets"]
    row = P * 3 // 4
    off[row] = off[row + 2] + 1
    facts.update(row=row + 1, value=int(off[row + 1]), previous=int(off[row]))
elif case == "in_offsets_end":
    f["/referrals/in_offsets"][P] -= 1
    facts.update(row=P, value=int(f["/referrals/in_offsets"][P]), edges=f["/referrals/in_src"].shape[0])
elif case == "out_weight":
    row = P * 3 // 4
    while f["/providers/out_weight"][row] == 0:
        row += 1
    sum_ = int(f["/providers/out_weight"][row])
    f["/providers/out_weight"][row] = sum_ + 1
    facts.update(row=row, value=sum_ + 1, sum=sum_)
elif case == "in_bene":
    # Edges by destination no longer those by source: one weight differs, every index valid.
    row = three_quarters("/referrals/in_bene_count")
    f["/referrals/in_bene_count"][row] += 1000
elif case == "self_loop":
    # The first in-edge of a provider past three quarters made an edge from itself.
    off = f["/referrals/in_offsets"]
    p = P * 3 // 4
    while off[p + 1] == off[p]:
        p += 1
    row = int(off[p])
    f["/referrals/in_src"][row] = p
    facts.update(row=row, provider=p)
elif case == "week":
    # A claims row of code 0 (a campaign code) past three quarters dated after last_week.
    codes = f["/claims/code"][:]
    row = three_quarters("/claims/code")
    while codes[row] != 0:
        row += 1
    last = int(f["/claims"].attrs["last_week"])
    f["/claims/week"][row] = last + 5
    facts.update(row=row, week=last + 5, first=int(f["/claims"].attrs["first_week"]), last=last)
elif case == "missing_dataset":
    del f["/claims/services"]
elif case == "missing_attribute":
    del f["/claims"].attrs["first_week"]
elif case == "state":
    f["/providers/state"][5] = b"ZZ"
    facts.update(row=5)
elif case == "utf8":
    names = f["/providers/specialty_names"][:]
    names[0] = b"Cardi\xff"
    f["/providers/specialty_names"][:] = names
    facts.update(row=0)
else:
    sys.exit("unknown case " + case)
f.close()
for k, v in facts.items():
    print(f"{k}={v}")
