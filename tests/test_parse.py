"""Directus's sanitize-query step (`dxgen.runtime.query.parse`): forms and exact 400 reasons.

The reasons are the wire contract (`{"reason": …}` and `"Invalid query. <reason>."`), so every
error case asserts both strings exactly.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

import pytest

from dxgen.runtime.errors import InvalidQueryError
from dxgen.runtime.query.parse import Query, normalize_filter, sanitize, split_fields
from dxgen.runtime.query.qs import parse


def assert_invalid(raw: Any, reason: str) -> None:
    """`sanitize(raw)` fails with INVALID_QUERY and exactly this reason."""
    with pytest.raises(InvalidQueryError) as caught:
        sanitize(raw)
    error = caught.value
    assert error.extensions == {"reason": reason}
    assert error.message == f"Invalid query. {reason}."
    assert error.to_dict() == {
        "message": f"Invalid query. {reason}.",
        "extensions": {"reason": reason, "code": "INVALID_QUERY"},
    }


def from_query_string(query: str) -> Query:
    """The whole pipeline the web layer runs: qs parse, then sanitize."""
    return sanitize(parse(parse_qsl(query, keep_blank_values=True)))


def test_empty_query_is_all_defaults() -> None:
    """No parameters: nothing set, so every default is applied later."""
    assert sanitize({}) == Query()
    assert Query().backlink is True
    assert Query().meta == ()


def test_non_object_query_is_refused() -> None:
    """A SEARCH body's `query` that is not an object is rejected, not crashed on."""
    assert_invalid(["limit", "1"], '"query" must be of type object')


def test_unknown_parameters_are_kept_aside() -> None:
    """`version`, `access_token` and friends are not query options but must not be lost."""
    query = sanitize({"version": "main", "limit": "1"})
    assert query.extra == {"version": "main"}
    assert query.limit == 1


# --- limit / offset / page -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        pytest.param("limit", "10", 10, id="limit-string"),
        pytest.param("limit", 25, 25, id="limit-int-from-json-body"),
        pytest.param("limit", "-1", -1, id="limit-minus-one-means-all"),
        pytest.param("limit", "0", 0, id="limit-zero"),
        pytest.param("limit", " 7 ", 7, id="limit-whitespace"),
        pytest.param("limit", "2.0", 2, id="limit-integral-float"),
        pytest.param("offset", "0", 0, id="offset-zero"),
        pytest.param("offset", "30", 30, id="offset"),
        pytest.param("page", "0", 0, id="page-zero-kept-then-ignored"),
        pytest.param("page", "3", 3, id="page"),
    ],
)
def test_integer_parameters(name: str, value: Any, expected: int) -> None:
    """Numbers arrive as strings from the URL and as numbers from a SEARCH body."""
    query = sanitize({name: value})
    assert getattr(query, name) == expected
    assert type(getattr(query, name)) is int


@pytest.mark.parametrize(
    ("name", "value", "reason"),
    [
        pytest.param("limit", "abc", '"limit" must be a number', id="limit-text"),
        pytest.param("limit", "nan", '"limit" must be a number', id="limit-nan"),
        pytest.param("limit", True, '"limit" must be a number', id="limit-bool"),
        pytest.param("limit", ["1", "2"], '"limit" must be a number', id="limit-repeated"),
        pytest.param("limit", {"a": "1"}, '"limit" must be a number', id="limit-object"),
        pytest.param(
            "limit", "-2", '"limit" must be greater than or equal to -1', id="limit-below-minus-one"
        ),
        pytest.param("limit", "1.5", '"limit" must be an integer', id="limit-fraction"),
        pytest.param(
            "offset", "-1", '"offset" must be greater than or equal to 0', id="offset-negative"
        ),
        pytest.param("offset", "x", '"offset" must be a number', id="offset-text"),
        pytest.param("offset", "0.5", '"offset" must be an integer', id="offset-fraction"),
        pytest.param("page", "-1", '"page" must be greater than or equal to 0', id="page-negative"),
        pytest.param("page", "two", '"page" must be a number', id="page-text"),
        pytest.param("page", "1.5", '"page" must be an integer', id="page-fraction"),
    ],
)
def test_integer_parameter_errors(name: str, value: Any, reason: str) -> None:
    """Joi's wording, as Directus answers it (`"limit" must be a number`, ...)."""
    assert_invalid({name: value}, reason)


# --- meta ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("*", ("total_count", "filter_count"), id="star"),
        pytest.param("total_count", ("total_count",), id="total"),
        pytest.param("filter_count", ("filter_count",), id="filter"),
        pytest.param("filter_count,total_count", ("filter_count", "total_count"), id="comma-list"),
        pytest.param(["total_count", "filter_count"], ("total_count", "filter_count"), id="array"),
        pytest.param("total_count,total_count", ("total_count",), id="duplicates-collapse"),
        pytest.param(["total_count", "*"], ("total_count", "filter_count"), id="star-in-array"),
        pytest.param("", (), id="blank"),
    ],
)
def test_meta_forms(value: Any, expected: tuple[str, ...]) -> None:
    """`meta=*` means both counts; lists keep the caller's order."""
    assert sanitize({"meta": value}).meta == expected


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        pytest.param(
            "bogus", '"meta[0]" must be one of [total_count, filter_count]', id="unknown-first"
        ),
        pytest.param(
            "total_count,bogus",
            '"meta[1]" must be one of [total_count, filter_count]',
            id="unknown-second",
        ),
        pytest.param(
            ["filter_count", "count"],
            '"meta[1]" must be one of [total_count, filter_count]',
            id="unknown-in-array",
        ),
        pytest.param(
            {"a": "total_count"},
            '"meta" must be a string or an array of strings',
            id="object",
        ),
    ],
)
def test_meta_errors(value: Any, reason: str) -> None:
    """The index in `meta[<i>]` is the position of the bad entry, as Joi reports it."""
    assert_invalid({"meta": value}, reason)


# --- fields / sort / groupBy -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("id,title", ["id", "title"], id="comma-list"),
        pytest.param(["id", "title"], ["id", "title"], id="array"),
        pytest.param(["id,title", "views"], ["id", "title", "views"], id="array-with-comma-item"),
        pytest.param(" id , title ", ["id", "title"], id="trimmed"),
        pytest.param("id,,title,", ["id", "title"], id="empty-items-dropped"),
        pytest.param("*", ["*"], id="star"),
        pytest.param("*.*,author.name", ["*.*", "author.name"], id="relational"),
        pytest.param(
            "id,count(articles),year(pub_date)",
            ["id", "count(articles)", "year(pub_date)"],
            id="functions",
        ),
        pytest.param(
            "json(data,b[0]),id", ["json(data,b[0])", "id"], id="comma-inside-parentheses"
        ),
        pytest.param("", None, id="blank-means-default"),
        pytest.param([], None, id="empty-array-means-default"),
    ],
)
def test_fields_forms(value: Any, expected: list[str] | None) -> None:
    """Comma split that respects parentheses; empty means "not given" (`*` later)."""
    assert sanitize({"fields": value}).fields == expected


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        pytest.param(
            "count(year(date))",
            'Nested functions are not supported in "fields"',
            id="nested-function",
        ),
        pytest.param(
            "id,year(date", 'Missing closing parenthesis in "fields"', id="missing-parenthesis"
        ),
        pytest.param(
            ["id", "count(a"], 'Missing closing parenthesis in "fields"', id="missing-in-array"
        ),
        pytest.param({"a": "b"}, '"fields" must be a string or an array of strings', id="object"),
        pytest.param(
            ["id", {"a": "b"}], '"fields" must be a string or an array of strings', id="mixed-array"
        ),
    ],
)
def test_fields_errors(value: Any, reason: str) -> None:
    """Directus's split-fields messages, word for word."""
    assert_invalid({"fields": value}, reason)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("a,b,c", ["a", "b", "c"], id="plain"),
        pytest.param("a,count(b),c", ["a", "count(b)", "c"], id="function"),
        pytest.param("json(data,a.b),c", ["json(data,a.b)", "c"], id="comma-in-call"),
        pytest.param(" a ,\tb ", ["a", "b"], id="whitespace"),
        pytest.param("", [], id="empty"),
        pytest.param("a)b,c", ["a)b", "c"], id="stray-closing-parenthesis"),
    ],
)
def test_split_fields(text: str, expected: list[str]) -> None:
    """The splitter alone, including a stray `)` which must not go negative and swallow commas."""
    assert split_fields(text) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("-date,title", ["-date", "title"], id="comma-list"),
        pytest.param(["title", "-id"], ["title", "-id"], id="array"),
        pytest.param("author.name", ["author.name"], id="relational"),
        pytest.param("", None, id="blank-means-default-sort"),
    ],
)
def test_sort_forms(value: Any, expected: list[str] | None) -> None:
    """`sort=` (empty) falls back to the default sort instead of failing."""
    assert sanitize({"sort": value}).sort == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("author,published", ["author", "published"], id="comma-list"),
        pytest.param(["author"], ["author"], id="array"),
        pytest.param("year(date_created)", ["year(date_created)"], id="function"),
    ],
)
def test_group_by_forms(value: Any, expected: list[str]) -> None:
    """`groupBy` is spelled camel-case on the wire and lands in `group_by`."""
    assert sanitize({"groupBy": value}).group_by == expected


# --- search / export / backlink --------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("  hello ", "hello", id="trimmed"),
        pytest.param("   ", None, id="blank-is-no-search"),
        pytest.param(["first", "last"], "last", id="repeated-takes-last"),
    ],
)
def test_search(value: Any, expected: str | None) -> None:
    """Search is trimmed; nothing left means no search at all."""
    assert sanitize({"search": value}).search == expected


def test_search_must_be_a_string() -> None:
    assert_invalid({"search": {"a": "b"}}, '"search" must be a string')


@pytest.mark.parametrize("fmt", ["csv", "csv_utf8", "json", "xml", "yaml"])
def test_export_formats(fmt: str) -> None:
    """The five export formats Directus accepts."""
    assert sanitize({"export": fmt}).export == fmt


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("pdf", id="unknown"),
        pytest.param("CSV", id="case"),
        pytest.param(["csv"], id="array"),
    ],
)
def test_export_errors(value: Any) -> None:
    assert_invalid({"export": value}, '"export" must be one of [csv, csv_utf8, json, xml, yaml]')


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param({}, True, id="absent"),
        pytest.param({"backlink": "false"}, False, id="string-false"),
        pytest.param({"backlink": False}, False, id="json-false"),
        pytest.param({"backlink": "true"}, True, id="string-true"),
        pytest.param({"backlink": "0"}, True, id="zero-is-not-false"),
    ],
)
def test_backlink(raw: dict[str, Any], expected: bool) -> None:
    """Only `false`/`"false"` turn the backlink off, as in Directus."""
    assert sanitize(raw).backlink is expected


# --- JSON-or-bracket objects: filter, aggregate, deep, alias ---------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param('{"title":{"_eq":"x"}}', {"title": {"_eq": "x"}}, id="json"),
        pytest.param({"title": {"_eq": "x"}}, {"title": {"_eq": "x"}}, id="brackets"),
        pytest.param('{"title":"x"}', {"title": {"_eq": "x"}}, id="json-bare-value"),
        pytest.param("", None, id="blank"),
        pytest.param("  ", None, id="whitespace"),
        pytest.param("{}", None, id="empty-object"),
        pytest.param("null", None, id="json-null"),
    ],
)
def test_filter_forms(value: Any, expected: dict[str, Any] | None) -> None:
    """JSON and bracket filters give the same normalised tree; empty means no filter."""
    assert sanitize({"filter": value}).filter == expected


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        pytest.param("{bad", "Invalid JSON for filter object", id="broken-json"),
        pytest.param("{'a': 1}", "Invalid JSON for filter object", id="single-quotes"),
        pytest.param("[1]", '"filter" must be of type object', id="json-array"),
        pytest.param("5", '"filter" must be of type object', id="json-number"),
        pytest.param(["a"], '"filter" must be of type object', id="repeated-key"),
    ],
)
def test_filter_errors(value: Any, reason: str) -> None:
    """`Invalid JSON for filter object` is the live Directus reason for unparsable JSON."""
    assert_invalid({"filter": value}, reason)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param({"count": "*"}, {"count": ["*"]}, id="brackets-star"),
        pytest.param({"sum": "views,price"}, {"sum": ["views", "price"]}, id="brackets-list"),
        pytest.param(
            {"sum": "views", "avg": ["views"]},
            {"sum": ["views"], "avg": ["views"]},
            id="several-operations",
        ),
        pytest.param('{"sum":["views"]}', {"sum": ["views"]}, id="json"),
        pytest.param("", None, id="blank"),
    ],
)
def test_aggregate_forms(value: Any, expected: dict[str, list[str]] | None) -> None:
    """Every operation ends up with a list of field names."""
    assert sanitize({"aggregate": value}).aggregate == expected


@pytest.mark.parametrize(
    ("name", "value", "reason"),
    [
        pytest.param("aggregate", "{nope", "Invalid JSON for aggregate object", id="aggregate"),
        pytest.param("deep", "{nope", "Invalid JSON for deep object", id="deep"),
        pytest.param("alias", "{nope", "Invalid JSON for alias object", id="alias"),
        pytest.param("deep", "[1]", '"deep" must be of type object', id="deep-array"),
        pytest.param(
            "alias",
            {"x": {"y": "z"}},
            '"alias" value has to be a string. "dict" given',
            id="alias-nested",
        ),
    ],
)
def test_object_parameter_errors(name: str, value: Any, reason: str) -> None:
    assert_invalid({name: value}, reason)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(
            {"articles": {"_limit": "1", "_sort": "-id"}},
            {"articles": {"_limit": "1", "_sort": "-id"}},
            id="brackets",
        ),
        pytest.param('{"articles":{"_limit":1}}', {"articles": {"_limit": 1}}, id="json"),
        pytest.param("", None, id="blank"),
    ],
)
def test_deep_forms(value: Any, expected: dict[str, Any] | None) -> None:
    """`deep` is only shape-checked here; its sub-queries are sanitised when planned."""
    assert sanitize({"deep": value}).deep == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param({"year": "year(date)"}, {"year": "year(date)"}, id="brackets"),
        pytest.param('{"n":"name"}', {"n": "name"}, id="json"),
    ],
)
def test_alias_forms(value: Any, expected: dict[str, str]) -> None:
    assert sanitize({"alias": value}).alias == expected


# --- filter normalisation --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param({}, {}, id="empty"),
        pytest.param({"title": "x"}, {"title": {"_eq": "x"}}, id="bare-value-is-eq"),
        pytest.param({"title": None}, {"title": {"_eq": None}}, id="bare-null-is-eq"),
        pytest.param(
            {"title": "x", "views": {"_gt": 5}},
            {"_and": [{"title": {"_eq": "x"}}, {"views": {"_gt": 5}}]},
            id="several-keys-become-and",
        ),
        pytest.param(
            {"views": {"_gt": 1, "_lt": 5}},
            {"views": {"_gt": 1, "_lt": 5}},
            id="operators-on-one-field-stay-together",
        ),
        pytest.param({"published": "true"}, {"published": {"_eq": True}}, id="true-literal"),
        pytest.param({"a": {"_eq": "false"}}, {"a": {"_eq": False}}, id="false-literal"),
        pytest.param({"a": {"_eq": "null"}}, {"a": {"_eq": None}}, id="null-literal"),
        pytest.param({"a": {"_eq": "NULL"}}, {"a": {"_eq": None}}, id="upper-null-literal"),
        pytest.param({"a": {"_eq": "Null"}}, {"a": {"_eq": "Null"}}, id="mixed-case-not-literal"),
        pytest.param({"a": {"_eq": "True"}}, {"a": {"_eq": "True"}}, id="capital-true-not-literal"),
        pytest.param({"a": {"_eq": "5"}}, {"a": {"_eq": "5"}}, id="numbers-not-coerced"),
        pytest.param({"a": {"_null": "true"}}, {"a": {"_null": True}}, id="null-operator-literal"),
        pytest.param({"a": {"_in": "1,2"}}, {"a": {"_in": ["1", "2"]}}, id="in-comma-string"),
        pytest.param({"a": {"_in": "x"}}, {"a": {"_in": ["x"]}}, id="in-single-string"),
        pytest.param({"a": {"_in": ""}}, {"a": {"_in": [""]}}, id="in-blank-string"),
        pytest.param(
            {"a": {"_in": {"0": "1", "1": "2"}}},
            {"a": {"_in": ["1", "2"]}},
            id="in-object-from-index-overflow",
        ),
        pytest.param({"a": {"_in": ["1", "2"]}}, {"a": {"_in": ["1", "2"]}}, id="in-list"),
        pytest.param(
            {"a": {"_in": ["1", "null", "true"]}},
            {"a": {"_in": ["1", None, True]}},
            id="in-list-literals",
        ),
        pytest.param({"a": {"_nin": "x,y"}}, {"a": {"_nin": ["x", "y"]}}, id="nin-comma-string"),
        pytest.param(
            {"a": {"_between": "1,5"}}, {"a": {"_between": ["1", "5"]}}, id="between-string"
        ),
        pytest.param(
            {"a": {"_nbetween": {"0": "1", "1": "5"}}},
            {"a": {"_nbetween": ["1", "5"]}},
            id="nbetween-object",
        ),
        pytest.param(
            {"_and": [{"a": "x", "b": "y"}, {"c": {"_eq": "z"}}]},
            {
                "_and": [
                    {"_and": [{"a": {"_eq": "x"}}, {"b": {"_eq": "y"}}]},
                    {"c": {"_eq": "z"}},
                ]
            },
            id="and-list-recursive",
        ),
        pytest.param(
            {"_or": [{"a": "null"}, {"b": {"_in": "1,2"}}]},
            {"_or": [{"a": {"_eq": None}}, {"b": {"_in": ["1", "2"]}}]},
            id="or-list-recursive",
        ),
        pytest.param(
            {"_or": {"0": {"a": "x"}, "1": {"b": "y"}}},
            {"_or": [{"a": {"_eq": "x"}}, {"b": {"_eq": "y"}}]},
            id="or-object-from-brackets",
        ),
        pytest.param(
            {"author": {"name": "Bob"}},
            {"author": {"name": {"_eq": "Bob"}}},
            id="relational-bare-value",
        ),
        pytest.param(
            {"articles": {"_some": {"title": "x"}}},
            {"articles": {"_some": {"title": {"_eq": "x"}}}},
            id="some-is-walked-into",
        ),
        pytest.param(
            {"articles": {"_none": {"views": {"_gt": "true"}}}},
            {"articles": {"_none": {"views": {"_gt": True}}}},
            id="none-is-walked-into",
        ),
    ],
)
def test_normalize_filter(raw: dict[str, Any], expected: dict[str, Any]) -> None:
    """Directus's parse-filter: `_and` for several keys, `_eq` for bare values, literals coerced,
    list operators accepting a comma string, a qs index-overflow object, or a list."""
    assert normalize_filter(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param({"_and": "x"}, id="and-string"),
        pytest.param({"_and": 5}, id="and-number"),
    ],
)
def test_normalize_filter_logical_needs_array(raw: dict[str, Any]) -> None:
    """`_and`/`_or` with a scalar is a 400, not an iteration over characters."""
    with pytest.raises(InvalidQueryError) as caught:
        normalize_filter(raw)
    assert caught.value.extensions == {"reason": '"_and" has to be an array'}


def test_normalize_filter_does_not_mutate_input() -> None:
    """The raw query is normalised into a new tree; callers may reuse the original."""
    raw = {"a": {"_in": "1,2"}, "b": "true"}
    normalize_filter(raw)
    assert raw == {"a": {"_in": "1,2"}, "b": "true"}


# --- the whole pipeline from a query string --------------------------------------------------


@pytest.mark.parametrize(
    ("query", "attribute", "expected"),
    [
        pytest.param(
            "filter[title]=x&filter[views][_gt]=5",
            "filter",
            {"_and": [{"title": {"_eq": "x"}}, {"views": {"_gt": "5"}}]},
            id="bracket-filter-several-keys",
        ),
        pytest.param(
            "filter[x][_in]=", "filter", {"x": {"_in": [""]}}, id="blank-in-becomes-one-blank"
        ),
        pytest.param(
            "filter[x][_in][]=1&filter[x][_in][]=null",
            "filter",
            {"x": {"_in": ["1", None]}},
            id="bracket-in-list",
        ),
        pytest.param(
            'filter={"published":{"_eq":"false"}}',
            "filter",
            {"published": {"_eq": False}},
            id="json-filter",
        ),
        pytest.param(
            "meta[]=total_count&meta[]=filter_count",
            "meta",
            ("total_count", "filter_count"),
            id="meta-array",
        ),
        pytest.param("meta=*", "meta", ("total_count", "filter_count"), id="meta-star"),
        pytest.param(
            "fields[]=id,title&fields[]=views",
            "fields",
            ["id", "title", "views"],
            id="fields-array-csv",
        ),
        pytest.param("aggregate[count]=*", "aggregate", {"count": ["*"]}, id="aggregate-count"),
        pytest.param(
            "deep[articles][_limit]=1", "deep", {"articles": {"_limit": "1"}}, id="deep-brackets"
        ),
        pytest.param("sort=-id&sort=title", "sort", ["-id", "title"], id="repeated-sort"),
    ],
)
def test_query_string_pipeline(query: str, attribute: str, expected: Any) -> None:
    """qs and sanitize together, as a request goes through them."""
    assert getattr(from_query_string(query), attribute) == expected


def test_query_string_pipeline_error() -> None:
    """A non-number limit straight from the URL gives the live Directus body."""
    with pytest.raises(InvalidQueryError) as caught:
        from_query_string("limit=abc")
    assert caught.value.to_dict() == {
        "message": 'Invalid query. "limit" must be a number.',
        "extensions": {"reason": '"limit" must be a number', "code": "INVALID_QUERY"},
    }


@pytest.mark.parametrize("name", ["limit", "offset", "page"])
def test_empty_numbers_read_as_zero_like_directus(name: str) -> None:
    """Directus reads `limit=` with JavaScript's Number(""), which is 0 (not an error)."""
    assert getattr(sanitize({name: ""}), name) == 0
    assert getattr(sanitize({name: "  "}), name) == 0
