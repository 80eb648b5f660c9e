"""Reads an Atom feed with feedparser and prints what it understood, as JSON: whether the
document was refused (bozo, with the reason), the feed's version, title, id, language and
links, and each entry's id, title, link and updated time."""
import json
import sys

import feedparser

parsed = feedparser.parse(sys.stdin.buffer.read())
print(json.dumps({
    "bozo": bool(parsed.bozo),
    "reason": str(parsed.get("bozo_exception", "")),
    "version": parsed.version,
    "title": parsed.feed.get("title"),
    "id": parsed.feed.get("id"),
    "language": parsed.feed.get("language"),
    "links": [{"rel": l.get("rel"), "href": l.get("href")} for l in parsed.feed.get("links", [])],
    "entries": [
        {"id": e.get("id"), "title": e.get("title"), "link": e.get("link"), "updated": e.get("updated")}
        for e in parsed.entries
    ],
}))
