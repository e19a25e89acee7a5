"""The qs-style query-string parser (`dxgen.runtime.query.qs.parse`).

Directus parses its query string with `qs` (depth 10, array limit 500); these cases pin the shapes
dxgen builds from the same strings, and the 400s it raises where `qs` would silently degrade.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

import pytest

from dxgen.runtime.errors import InvalidQueryError
from dxgen.runtime.query.qs import parse


def pairs(query: str) -> list[tuple[str, str]]:
    """Decoded `(key, value)` pairs in order, blanks kept, as the web layer hands them over."""
    return parse_qsl(query, keep_blank_values=True)


def parse_query(query: str, **limits: int) -> dict[str, Any]:
    return parse(pairs(query), **limits)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param("", {}, id="empty"),
        pytest.param("limit=10", {"limit": "10"}, id="plain"),
        pytest.param("search=", {"search": ""}, id="blank-value-kept"),
        pytest.param(
            "filter[title][_eq]=x", {"filter": {"title": {"_eq": "x"}}}, id="bracket-nesting"
        ),
        pytest.param(
            "deep[articles][_filter][title][_eq]=x",
            {"deep": {"articles": {"_filter": {"title": {"_eq": "x"}}}}},
            id="deep-bracket-nesting",
        ),
        pytest.param(
            "filter[title][_eq]=a&filter[views][_gt]=5",
            {"filter": {"title": {"_eq": "a"}, "views": {"_gt": "5"}}},
            id="sibling-keys-merge",
        ),
        pytest.param("fields[]=id&fields[]=title", {"fields": ["id", "title"]}, id="push"),
        pytest.param(
            "filter[id][_in][]=1&filter[id][_in][]=2",
            {"filter": {"id": {"_in": ["1", "2"]}}},
            id="push-nested",
        ),
        pytest.param(
            "filter[id][_in][]=", {"filter": {"id": {"_in": [""]}}}, id="push-blank-value"
        ),
        pytest.param("sort[0]=a&sort[1]=-b", {"sort": ["a", "-b"]}, id="indexed"),
        pytest.param("sort[1]=-b&sort[0]=a", {"sort": ["a", "-b"]}, id="indexed-out-of-order"),
        pytest.param("a[0]=x&a[3]=y", {"a": ["x", "y"]}, id="sparse-index-compacted"),
        pytest.param("a[3]=y&a[0]=x", {"a": ["x", "y"]}, id="sparse-index-sorted"),
        pytest.param("a[]=x&a[0]=y", {"a": ["x", "y"]}, id="push-then-taken-index-appends"),
        pytest.param("sort=a&sort=b&sort=c", {"sort": ["a", "b", "c"]}, id="repeated-key"),
        pytest.param(
            "filter[id][_in]=1&filter[id][_in]=2",
            {"filter": {"id": {"_in": ["1", "2"]}}},
            id="repeated-nested-key",
        ),
        pytest.param(
            "a[0][b]=1&a[0][c]=2&a[1][b]=3",
            {"a": [{"b": "1", "c": "2"}, {"b": "3"}]},
            id="list-of-objects",
        ),
        pytest.param(
            "filter[_or][0][a][_eq]=1&filter[_or][1][b][_eq]=2",
            {"filter": {"_or": [{"a": {"_eq": "1"}}, {"b": {"_eq": "2"}}]}},
            id="indexed-logical-operator",
        ),
        pytest.param("a[b]=1&a[0]=2", {"a": {"b": "1", "0": "2"}}, id="digit-key-in-object"),
        pytest.param("a[b=1", {"a[b": "1"}, id="unclosed-bracket-is-literal"),
        pytest.param(
            "filter[título][_eq]=café", {"filter": {"título": {"_eq": "café"}}}, id="non-ascii"
        ),
        pytest.param(
            "a[1][2][3][4][5][6][7][8][9][10]=x",
            {"a": [[[[[[[[[["x"]]]]]]]]]]},
            id="depth-10-allowed",
        ),
    ],
)
def test_parse_shapes(query: str, expected: dict[str, Any]) -> None:
    """Each accepted form gives exactly the nested dicts and lists `qs` would give."""
    assert parse_query(query) == expected


def test_key_order_is_preserved() -> None:
    """Parameters come out in request order (several Directus quirks depend on order)."""
    result = parse_query("sort=a&filter[b]=1&fields=c&filter[a]=2")
    assert list(result) == ["sort", "filter", "fields"]
    assert list(result["filter"]) == ["b", "a"]


@pytest.mark.parametrize(
    ("query", "limits", "reason"),
    [
        pytest.param(
            "a[1][2][3][4][5][6][7][8][9][10][11]=x",
            {},
            '"a" is nested deeper than 10 levels',
            id="depth-11-default",
        ),
        pytest.param(
            "filter[a][b][c]=x",
            {"max_depth": 2},
            '"filter" is nested deeper than 2 levels',
            id="depth-custom",
        ),
        pytest.param(
            "a[]=1&a[]=2&a[]=3&a[]=4",
            {"array_limit": 3},
            "Array has more than 3 items",
            id="array-limit-push",
        ),
        pytest.param(
            "a[3]=x", {"array_limit": 3}, "Array has more than 3 items", id="array-limit-index"
        ),
        pytest.param("a[1000]=x", {}, "Array has more than 500 items", id="array-limit-default"),
        pytest.param(
            "filter[id][_in][9999]=1",
            {},
            "Array has more than 500 items",
            id="array-limit-nested",
        ),
        pytest.param("a=1&a[b]=2", {}, '"a" mixes a value and nested keys', id="value-then-key"),
        pytest.param("a[b]=2&a=1", {}, '"a" mixes a value and nested keys', id="key-then-value"),
        pytest.param(
            "filter[x]=1&filter[x][_eq]=2",
            {},
            '"filter" mixes a value and nested keys',
            id="nested-value-then-key",
        ),
        pytest.param(
            "filter[x][_eq]=2&filter[x]=1",
            {},
            '"x" mixes a value and nested keys',
            id="nested-key-then-value",
        ),
        pytest.param(
            "a[0]=1&a[b]=2", {}, '"b" mixes array and object syntax', id="index-then-name"
        ),
    ],
)
def test_parse_refusals(query: str, limits: dict[str, int], reason: str) -> None:
    """Where `qs` would keep a half-parsed key or turn a list into an object, dxgen answers 400."""
    with pytest.raises(InvalidQueryError) as caught:
        parse_query(query, **limits)
    error = caught.value
    assert error.extensions == {"reason": reason}
    assert error.message == f"Invalid query. {reason}."
    assert (error.status, error.code) == (400, "INVALID_QUERY")


@pytest.mark.parametrize(
    ("query", "limits", "length"),
    [
        pytest.param("&".join(["a[]=x"] * 500), {}, 500, id="500-pushes-default"),
        pytest.param("a[]=1&a[]=2&a[]=3", {"array_limit": 3}, 3, id="at-custom-limit"),
        pytest.param("a[499]=x", {}, 1, id="highest-default-index"),
    ],
)
def test_array_limit_boundary_is_accepted(query: str, limits: dict[str, int], length: int) -> None:
    """The limit is inclusive of the last allowed item: no off-by-one refusal."""
    assert len(parse_query(query, **limits)["a"]) == length


def test_pairs_need_not_come_from_a_string() -> None:
    """`parse` takes any iterable of pairs (the web layer passes a generator)."""
    generated = ((k, v) for k, v in [("fields[]", "id"), ("fields[]", "title")])
    assert parse(generated) == {"fields": ["id", "title"]}
