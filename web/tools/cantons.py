#!/usr/bin/env python3
"""Convert the Swiss cantons of the npm package swiss-maps into data/cantons.txt.

Usage:
    npm pack swiss-maps@4.7.0 && tar xzf swiss-maps-4.7.0.tgz package/2026/ch-combined.json
    python3 tools/cantons.py package/2026/ch-combined.json > data/cantons.txt

Output, in the format of data/departements.txt: a '#' comment line (source, licence), a
`viewBox<TAB>...` line, then one `CODE<TAB>NAME<TAB>PATH` line per canton, CODE being the
canton's two-letter abbreviation (the identifier `ch-canton:VD` of the catalog).

The package is TopoJSON in longitude and latitude: arcs are decoded, the cantons' rings
put together, projected (equirectangular at the country's mean latitude, which is exact
enough at this scale), simplified (Ramer-Douglas-Peucker) and snapped to the integer grid.
"""

import json
import math
import sys

WIDTH = 600
TOLERANCE = 0.45

# The Federal Statistical Office's numbers of the cantons, their abbreviations and French
# names.
CANTONS = {
    1: ("ZH", "Zurich"), 2: ("BE", "Berne"), 3: ("LU", "Lucerne"), 4: ("UR", "Uri"),
    5: ("SZ", "Schwytz"), 6: ("OW", "Obwald"), 7: ("NW", "Nidwald"), 8: ("GL", "Glaris"),
    9: ("ZG", "Zoug"), 10: ("FR", "Fribourg"), 11: ("SO", "Soleure"), 12: ("BS", "Bâle-Ville"),
    13: ("BL", "Bâle-Campagne"), 14: ("SH", "Schaffhouse"), 15: ("AR", "Appenzell Rhodes-Extérieures"),
    16: ("AI", "Appenzell Rhodes-Intérieures"), 17: ("SG", "Saint-Gall"), 18: ("GR", "Grisons"),
    19: ("AG", "Argovie"), 20: ("TG", "Thurgovie"), 21: ("TI", "Tessin"), 22: ("VD", "Vaud"),
    23: ("VS", "Valais"), 24: ("NE", "Neuchâtel"), 25: ("GE", "Genève"), 26: ("JU", "Jura"),
}


def decode_arcs(topo):
    sx, sy = topo["transform"]["scale"]
    tx, ty = topo["transform"]["translate"]
    arcs = []
    for arc in topo["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x += dx
            y += dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def ring(arcs, indices):
    points = []
    for i in indices:
        arc = arcs[i] if i >= 0 else list(reversed(arcs[~i]))
        points.extend(arc if not points else arc[1:])
    return points


def polygons(geometry):
    if geometry["type"] == "Polygon":
        return [geometry["arcs"]]
    if geometry["type"] == "MultiPolygon":
        return geometry["arcs"]
    return []


def simplify(points, tolerance):
    if len(points) < 3:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        a, b = stack.pop()
        (ax, ay), (bx, by) = points[a], points[b]
        length = math.hypot(bx - ax, by - ay)
        worst, at = 0.0, None
        for i in range(a + 1, b):
            px, py = points[i]
            if length == 0:
                d = math.hypot(px - ax, py - ay)
            else:
                d = abs((bx - ax) * (ay - py) - (ax - px) * (by - ay)) / length
            if d > worst:
                worst, at = d, i
        if at is not None and worst > tolerance:
            keep[at] = True
            stack.append((a, at))
            stack.append((at, b))
    return [p for p, k in zip(points, keep) if k]


def main(path):
    topo = json.load(open(path, encoding="utf-8"))
    arcs = decode_arcs(topo)
    cantons = topo["objects"]["cantons"]["geometries"]
    lons = [p[0] for a in arcs for p in a]
    lats = [p[1] for a in arcs for p in a]
    lon0, lat1 = min(lons), max(lats)
    squeeze = math.cos(math.radians((min(lats) + lat1) / 2))
    scale = WIDTH / ((max(lons) - lon0) * squeeze)
    height = math.ceil((lat1 - min(lats)) * scale)

    def project(p):
        return ((p[0] - lon0) * squeeze * scale, (lat1 - p[1]) * scale)

    print(
        "# Source: npm swiss-maps 4.7.0 (2026/ch-combined.json), licence BSD-3-Clause, "
        "Interactive Things GmbH, from the Federal Office of Topography swisstopo. "
        f"Projected, simplified (tolerance {TOLERANCE}) and rounded by tools/cantons.py."
    )
    print(f"viewBox\t0 0 {WIDTH} {height}")
    for g in sorted(cantons, key=lambda g: int(g["id"])):
        code, name = CANTONS[int(g["id"])]
        parts = []
        for polygon in polygons(g):
            for indices in polygon:
                points = simplify([project(p) for p in ring(arcs, indices)], TOLERANCE)
                snapped = []
                for x, y in points:
                    q = (round(x), round(y))
                    if not snapped or snapped[-1] != q:
                        snapped.append(q)
                if len(snapped) < 3:
                    continue
                x0, y0 = snapped[0]
                d = [f"M{x0} {y0}l"]
                deltas = []
                for (ax, ay), (bx, by) in zip(snapped, snapped[1:]):
                    deltas.append(f"{bx - ax} {by - ay}")
                d.append(" ".join(deltas).replace(" -", "-"))
                parts.append("".join(d) + "z")
        print(f"{code}\t{name}\t{''.join(parts)}")


if __name__ == "__main__":
    main(sys.argv[1])
