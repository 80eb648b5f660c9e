"""Reads a DCAT-AP description in JSON-LD with rdflib and prints, as JSON, what the
profile's mandatory properties look like in the graph: the catalogs with their title,
description, publisher's name and datasets; the datasets without a title or a
description; the distributions without an access URL; and, for the dataset whose
identifier is the first argument, its licences and access URLs."""
import json
import sys

from rdflib import Graph

g = Graph()
g.parse(data=sys.stdin.read(), format="json-ld")
P = """PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
"""


def rows(q):
    return [[str(v) if v is not None else None for v in row] for row in g.query(P + q)]


catalogs = rows("""SELECT ?c (COUNT(DISTINCT ?d) AS ?n) (SAMPLE(?t) AS ?title) (SAMPLE(?name) AS ?publisher)
WHERE { ?c a dcat:Catalog ; dct:title ?t ; dct:description ?desc ; dct:publisher ?p . ?p foaf:name ?name .
        OPTIONAL { ?c dcat:dataset ?d } } GROUP BY ?c""")
datasets = rows("SELECT ?d WHERE { ?d a dcat:Dataset }")
untitled = rows("SELECT ?d WHERE { ?d a dcat:Dataset . FILTER NOT EXISTS { ?d dct:title ?t } }")
undescribed = rows("SELECT ?d WHERE { ?d a dcat:Dataset . FILTER NOT EXISTS { ?d dct:description ?t } }")
unreachable = rows("SELECT ?x WHERE { ?x a dcat:Distribution . FILTER NOT EXISTS { ?x dcat:accessURL ?u } }")
slug = sys.argv[1] if len(sys.argv) > 1 else ""
one = rows("""SELECT ?url ?licence WHERE { ?d a dcat:Dataset ; dct:identifier "%s" ; dcat:distribution ?x .
    ?x dcat:accessURL ?url . OPTIONAL { ?x dct:license ?licence } }""" % slug)
print(json.dumps({
    "triples": len(g),
    "catalogs": catalogs,
    "datasets": len(datasets),
    "untitled": untitled,
    "undescribed": undescribed,
    "unreachable": unreachable,
    "distributions": one,
}))
