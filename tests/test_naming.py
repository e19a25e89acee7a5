"""Database names -> Python identifiers (`dxgen.naming`).

Generated modules are named and keyed by these, so they must be valid, collision-free and the
same on every run for the same set of names (golden files depend on it).
"""

from __future__ import annotations

import keyword
import random

import pytest

from dxgen.naming import class_name, identifier, unique_identifiers


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        pytest.param("articles", "articles", id="already-fine"),
        pytest.param("Order Lines", "order_lines", id="space-and-case"),
        pytest.param("order  lines ", "order_lines", id="runs-and-trailing-space"),
        pytest.param("2fa-codes", "t_2fa_codes", id="leading-digit-and-dash"),
        pytest.param("123", "t_123", id="only-digits"),
        pytest.param("a--b", "a_b", id="dash-run-collapses"),
        pytest.param("a.b", "a_b", id="dot"),
        pytest.param("__x__", "x", id="outer-underscores-stripped"),
        pytest.param("_private", "private", id="leading-underscore-stripped"),
        pytest.param("USERS", "users", id="upper-case"),
        pytest.param("class", "class_", id="keyword"),
        pytest.param("None", "none", id="keyword-only-by-case-is-lowered-not-suffixed"),
        pytest.param("match", "match_", id="soft-keyword-match"),
        pytest.param("case", "case_", id="soft-keyword-case"),
        pytest.param("_", "t", id="underscore-only"),
        pytest.param("", "t", id="empty"),
        pytest.param("sa", "sa_", id="reserved-sa"),
        pytest.param("app", "app_", id="reserved-app"),
        pytest.param("schema", "schema_", id="reserved-schema"),
        pytest.param("metadata", "metadata_", id="reserved-metadata"),
        pytest.param("blueprint", "blueprint_", id="reserved-blueprint"),
        pytest.param("hooks", "hooks_", id="reserved-hooks"),
        pytest.param("collection", "collection_", id="reserved-collection"),
        pytest.param("types", "types_", id="reserved-types"),
        pytest.param("Schema", "schema_", id="reserved-after-lowering"),
        pytest.param("Café", "cafe", id="accent-folded"),
        pytest.param("Ünïcödé", "unicode", id="diaereses-folded"),
        pytest.param("ﬁle", "file", id="ligature-decomposed"),
        pytest.param("日本", "t", id="no-ascii-left"),
        pytest.param("日本 sales", "sales", id="partly-ascii"),
    ],
)
def test_identifier(name: str, expected: str) -> None:
    """Each spelling a real database uses maps to one readable, valid identifier."""
    result = identifier(name)
    assert result == expected
    assert result.isidentifier()
    assert not keyword.iskeyword(result)


@pytest.mark.parametrize(
    "name",
    ["Order Lines", "2fa", "class", "über", "日本", "a b-c.d", "sa", "match", "x" * 80, "9"],
)
def test_identifier_is_idempotent(name: str) -> None:
    """Applying it twice changes nothing: an identifier is already its own identifier."""
    once = identifier(name)
    assert identifier(once) == once


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        pytest.param(
            ["users", "articles"],
            {"articles": "articles", "users": "users"},
            id="no-collision",
        ),
        pytest.param(
            ["users", "Users", "USERS"],
            {"USERS": "users", "Users": "users_2", "users": "users_3"},
            id="differ-only-in-case",
        ),
        pytest.param(
            ["a_b", "a-b", "a b"],
            {"a b": "a_b", "a-b": "a_b_2", "a_b": "a_b_3"},
            id="differ-only-in-punctuation",
        ),
        pytest.param(
            ["x", "X", "x_2"],
            {"X": "x", "x": "x_2", "x_2": "x_2_2"},
            id="suffix-never-steals-a-real-name",
        ),
        pytest.param(
            ["日本", "中国"],
            {"中国": "t", "日本": "t_2"},
            id="non-ascii-both-fall-back",
        ),
        pytest.param(
            ["sa", "sa_"],
            {"sa": "sa_", "sa_": "sa__2"},
            id="reserved-and-its-escape",
        ),
        pytest.param(["users", "users"], {"users": "users"}, id="duplicates-once"),
        pytest.param([], {}, id="empty"),
    ],
)
def test_unique_identifiers(names: list[str], expected: dict[str, str]) -> None:
    """Collisions get numeric suffixes decided on the sorted names."""
    assert unique_identifiers(names) == expected


def test_unique_identifiers_do_not_depend_on_input_order() -> None:
    """The same set of tables always gives the same identifiers, whatever order reflection used."""
    names = ["Users", "users", "a-b", "a_b", "2fa", "t_2fa", "class", "class_", "日本", "t"]
    expected = unique_identifiers(names)
    shuffled = names[:]
    for seed in range(5):
        random.Random(seed).shuffle(shuffled)
        assert unique_identifiers(shuffled) == expected
        assert unique_identifiers(iter(shuffled)) == expected
    values = list(expected.values())
    assert len(set(values)) == len(values)
    assert all(v.isidentifier() and not keyword.iskeyword(v) for v in values)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        pytest.param("article_tags", "ArticleTags", id="snake"),
        pytest.param("Order Lines", "OrderLines", id="spaces"),
        pytest.param("2fa-codes", "T2faCodes", id="leading-digit"),
        pytest.param("class", "Class", id="keyword-suffix-dropped"),
        pytest.param("schema", "Schema", id="reserved-suffix-dropped"),
        pytest.param("USERS", "Users", id="upper-case"),
        pytest.param("a__b", "AB", id="empty-parts-skipped"),
        pytest.param("Café", "Cafe", id="accent-folded"),
    ],
)
def test_class_name(name: str, expected: str) -> None:
    """PascalCase for schema component names, built from the same identifier rules."""
    assert class_name(name) == expected
