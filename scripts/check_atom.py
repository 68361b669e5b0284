#!/usr/bin/env python3
"""Read an Atom feed the way a feed reader would, and say what it found.

    check_atom.py FILE

coproduce writes its Atom feeds itself (crates/core/src/atom.rs). This
script reads one with the PyPI package `feedparser`, which most Python feed
readers are built on, so the tests hold the site's feed against an
independent reading of the same bytes.

It fails (exit 1, the reason on stderr) when feedparser finds the document
malformed (its "bozo" flag), when the feed is not Atom 1.0, when the feed
lacks an id, a title, an updated time or a self link, or when an entry lacks
an id, a title, a link, an updated time or an author, or shares its id with
another entry. Otherwise it prints JSON:

    {"title": ..., "entries": [{"id", "title", "link", "updated",
                                "author", "category", "summary",
                                "content"}, ...]}

with the entries in the feed's order.

Needs: pip install feedparser==6.0.11
"""

from __future__ import annotations

import json
import sys

import feedparser


def fail(message: str) -> None:
    print(message, file=sys.stderr)
    sys.exit(1)


def main() -> None:
    if len(sys.argv) != 2:
        fail(__doc__.strip().splitlines()[2].strip())
    with open(sys.argv[1], "rb") as f:
        data = f.read()
    parsed = feedparser.parse(data)
    if parsed.bozo:
        fail(f"the feed is malformed: {parsed.bozo_exception}")
    if parsed.version != "atom10":
        fail(f"expected an Atom 1.0 feed, feedparser read {parsed.version!r}")
    feed = parsed.feed
    for key in ("id", "title", "updated"):
        if not feed.get(key):
            fail(f"the feed has no {key}")
    if not any(link.get("rel") == "self" for link in feed.get("links", [])):
        fail("the feed has no link rel=self")
    seen: set[str] = set()
    out = []
    for entry in parsed.entries:
        for key in ("id", "title", "link", "updated", "author"):
            if not entry.get(key):
                fail(f"an entry ({entry.get('title', '?')!r}) has no {key}")
        if entry.id in seen:
            fail(f"two entries share the id {entry.id}")
        seen.add(entry.id)
        tags = entry.get("tags", [])
        content = entry.get("content", [])
        out.append(
            {
                "id": entry.id,
                "title": entry.title,
                "link": entry.link,
                "updated": entry.updated,
                "author": entry.author,
                "category": tags[0].get("term") if tags else None,
                "summary": entry.get("summary", ""),
                "content": content[0].get("value", "") if content else "",
            }
        )
    print(json.dumps({"title": feed.title, "entries": out}))


if __name__ == "__main__":
    main()
