#!/usr/bin/python3
"""check_groups_cli.py - `onnx-prune info MODEL --groups` against the library.

Usage: check_groups_cli.py ONNX_PRUNE DUMP_GROUPS DIR [DIR...]

For every *.onnx in the folders: `info --groups` exits 0 and lists one
"group K" block per group; `info --groups --json` is valid JSON whose
"groups" agree with dump_groups (tests/deps/dump_groups.c, the canonical
lines of deps_dump.h) on the count, channels, frozen flag and members; the
mac_share values lie in [0, 1] and the layer listing is unchanged by
--groups.  Exits 1 on the first model that disagrees.
"""
import glob
import json
import os
import re
import subprocess
import sys


def run(*args):
    p = subprocess.run(args, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit("%s: exit %d: %s" % (" ".join(args), p.returncode, p.stderr))
    if p.stderr:
        sys.exit("%s wrote to stderr: %s" % (" ".join(args), p.stderr))
    return p.stdout


def check(bin_, dump, path):
    lines = [l for l in run(dump, path).splitlines()
             if l.startswith("[")]
    canon = [re.sub(r"^\[\d+\] macs [0-9.]+% ", "", l) for l in lines]
    obj = json.loads(run(bin_, "info", path, "--groups", "--json"))
    plain = json.loads(run(bin_, "info", path, "--json"))
    groups = obj.pop("groups")
    if obj != plain:
        sys.exit("%s: --groups changed the rest of the JSON" % path)
    if len(groups) != len(canon):
        sys.exit("%s: %d groups in JSON, %d from the library"
                 % (path, len(groups), len(canon)))
    for g, c in zip(groups, canon):
        head = c.split(" ")[0]
        if head != "%d%s" % (g["channels"], "F" if g["frozen"] else ""):
            sys.exit("%s: group %d: JSON %d/%s, library %s"
                     % (path, g["id"], g["channels"], g["frozen"], c))
        roles = [k.split(":")[0] for k in c.split(" | ")[0].split(" ")[1:]]
        if roles != [m["role"] for m in g["members"]]:
            sys.exit("%s: group %d: members %s, library %s"
                     % (path, g["id"], [m["role"] for m in g["members"]], c))
        if not 0 <= g["mac_share"] <= 1.000001:
            sys.exit("%s: group %d: mac_share %s" % (path, g["id"], g["mac_share"]))
        if g["frozen"] != any(r["kind"] != "grouped" for r in g["reasons"]):
            sys.exit("%s: group %d: frozen without a reason" % (path, g["id"]))
    text = run(bin_, "info", path, "--groups")
    blocks = re.findall(r"^group (\d+) ", text, re.M)
    if blocks != [str(i) for i in range(len(groups))]:
        sys.exit("%s: text lists groups %s" % (path, blocks))
    print("%s: %d groups" % (os.path.basename(path), len(groups)))


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    n = 0
    for d in sys.argv[3:]:
        for path in sorted(glob.glob(os.path.join(d, "*.onnx"))):
            check(sys.argv[1], sys.argv[2], path)
            n += 1
    if n == 0:
        sys.exit("no models")


if __name__ == "__main__":
    main()
