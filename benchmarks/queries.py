"""The benchmark queries (Directus paths) and how each target spells them.

Reads first, writes last: the write queries change the (copied) database, and the id check of
every read runs before any write.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

ITEM_ID = 4242
RARE_TITLE_QUERY = "Quantum%20of%20Garden"


@dataclass(frozen=True)
class Query:
    name: str
    path: str
    method: str = "GET"
    body: dict[str, Any] | None = None
    sandman2: str | None = None
    """The same query on sandman2, or None when sandman2 has no way to ask it."""

    @property
    def writes(self) -> bool:
        return self.method != "GET"


UNIQUE = "@UNIQUE@"
"""Replaced by a value unique per request in POST bodies (the slug column is unique)."""

QUERIES: tuple[Query, ...] = (
    Query("q1", "/items/articles?limit=10", sandman2="/articles/?limit=10"),
    Query(
        "q2",
        "/items/articles?filter[status][_eq]=published&sort=-published_at&limit=100",
        sandman2="/articles/?status=published&sort=-published_at&limit=100",
    ),
    Query("q3", "/items/articles?fields=*,author_id.name&limit=50"),
    Query("q4", f"/items/articles/{ITEM_ID}", sandman2=f"/articles/{ITEM_ID}"),
    Query("q5", "/items/articles?aggregate[count]=id&groupBy[]=author_id&limit=-1"),
    Query(
        "q6",
        f"/items/articles?filter[title][_contains]={RARE_TITLE_QUERY}&limit=10",
        sandman2=f"/articles/?title=%25{RARE_TITLE_QUERY}%25&limit=10",
    ),
    Query("q7", "/items/articles?limit=1000", sandman2="/articles/?limit=1000"),
    Query("q8", "/items/articles?fields=*,comments.*,tags.tags_id.name&limit=50"),
    Query("q9", "/items/articles?filter[status][_eq]=archived&meta=filter_count&limit=10"),
    Query(
        "q10",
        f"/items/articles/{ITEM_ID + 1}",
        method="PATCH",
        body={"title": "Patched by the benchmark", "views": 7},
        sandman2=f"/articles/{ITEM_ID + 1}",
    ),
    Query(
        "q11",
        "/items/articles",
        method="POST",
        body={
            "title": "Posted by the benchmark",
            "slug": f"bench-{UNIQUE}",
            "status": "draft",
            "views": 0,
            "featured": False,
            "author_id": 1,
            "created_at": "2024-01-01T00:00:00Z",
        },
        sandman2="/articles/",
    ),
)

UNANSWERED_BY_SANDMAN2 = {
    "q3": "no relational fields (no many-to-one expansion)",
    "q5": "no aggregate or groupBy",
    "q8": "no one-to-many or many-to-many expansion",
    "q9": "no filter or total counts in responses",
}


def identity(body: Any) -> Any:
    """What must match across targets: the ids in order (group keys for aggregates) and, when
    present, the meta counts. Works on Directus (`data`) and sandman2 (`resources`) bodies."""
    data = body.get("data", body.get("resources", body)) if isinstance(body, dict) else body
    rows = data if isinstance(data, list) else [data]
    ids = [row.get("id", row.get("author_id")) for row in rows]
    meta = body.get("meta") if isinstance(body, dict) else None
    return {"ids": ids, "meta": meta} if meta else {"ids": ids}


def request_body(query: Query, unique: str) -> bytes | None:
    if query.body is None:
        return None
    return json.dumps(query.body).replace(UNIQUE, unique).encode()
