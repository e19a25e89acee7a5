"""The schema model (`dxgen.schema`), SQLite introspection and relation derivation.

The model is the contract between introspection and generation: it must survive JSON, be the same
for the same database, and name relations the way the generated API exposes them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest
import sqlalchemy as sa

from dxgen.introspect import introspect
from dxgen.relations import derive_relations
from dxgen.schema import (
    SCHEMA_FORMAT,
    Collection,
    Column,
    ForeignKey,
    Relation,
    Schema,
    schema_fields_equal,
)

# --- a hand-built model ---------------------------------------------------------------------


def hand_built() -> Schema:
    """Every dataclass, with every field set away from its default."""
    article_id = Column(
        name="id",
        type="integer",
        sql_type="INTEGER",
        nullable=False,
        primary_key=True,
        autoincrement=True,
        has_default=True,
        unique=True,
        min_value=-(2**31),
        max_value=2**31 - 1,
    )
    status = Column(
        name="status",
        type="string",
        sql_type="status_enum",
        nullable=False,
        has_default=True,
        default="'draft'::status_enum",
        max_length=9,
        comment="Café état",
        enum_values=("draft", "published"),
    )
    price = Column("price", "decimal", "NUMERIC(10,2)", precision=10, scale=2)
    tags = Column("tags", "json", "TEXT[]", readonly=True)
    author = Column("author_id", "integer", "INTEGER")
    articles = Collection(
        name="articles",
        kind="table",
        columns=(article_id, status, price, tags, author),
        primary_key=("id",),
        foreign_keys=(
            ForeignKey(("author_id",), "authors", ("id",), name="fk_author", on_delete="SET NULL"),
        ),
        comment="Blog posts",
        schema="public",
    )
    authors = Collection(
        "authors", "table", (Column("id", "integer", "INTEGER", primary_key=True),), ("id",)
    )
    view = Collection("recent", "view", (Column("id", "integer", "INTEGER"),), ())
    relations = (
        Relation("m2o", "articles", "author_id", "authors", "id"),
        Relation("o2m", "authors", "articles", "articles", "author_id"),
        Relation("m2m", "articles", "tags", "articles_tags", "articles_id", "tags_id", "tags"),
    )
    return Schema(
        dialect="postgresql",
        collections=(articles, authors, view),
        relations=relations,
        warnings=("recent: view served as a read-only collection",),
        schema="public",
    )


def test_hand_built_round_trip() -> None:
    """JSON out and back gives an equal model: tuples, None, non-ASCII and big ints survive."""
    model = hand_built()
    text = model.to_json()
    again = Schema.from_json(text)
    assert again == model
    assert again.to_json() == text
    assert isinstance(again.collections[0].columns[1].enum_values, tuple)
    assert isinstance(again.collections[0].primary_key, tuple)
    assert again.collections[0].foreign_keys == (
        ForeignKey(("author_id",), "authors", ("id",), name="fk_author", on_delete="SET NULL"),
    )


def test_to_json_shape() -> None:
    """The stored file is plain, readable JSON with the real (non-escaped) names."""
    text = hand_built().to_json()
    assert text.endswith("}\n")
    assert "Café état" in text
    data = json.loads(text)
    assert list(data) == ["dialect", "collections", "relations", "warnings", "schema", "format"]
    assert data["format"] == SCHEMA_FORMAT == 1
    status = data["collections"][0]["columns"][1]
    assert status["enum_values"] == ["draft", "published"]
    assert status["default"] == "'draft'::status_enum"
    assert data["relations"][2] == {
        "kind": "m2m",
        "collection": "articles",
        "field": "tags",
        "related": "articles_tags",
        "related_field": "articles_id",
        "junction_field": "tags_id",
        "far_collection": "tags",
    }


def test_from_dict_fills_defaults_and_ignores_unknown_keys() -> None:
    """An older or newer file still loads: missing optional keys default, extra keys are ignored."""
    data = {
        "dialect": "sqlite",
        "collections": [
            {
                "name": "t",
                "kind": "table",
                "columns": [{"name": "id", "type": "integer", "sql_type": "INTEGER", "x": 1}],
                "primary_key": ["id"],
            }
        ],
        "future_field": True,
    }
    model = Schema.from_dict(data)
    assert model == Schema(
        dialect="sqlite",
        collections=(Collection("t", "table", (Column("id", "integer", "INTEGER"),), ("id",)),),
    )


@pytest.mark.parametrize(
    ("collection", "readonly"),
    [
        pytest.param(Collection("t", "table", (), ("id",)), False, id="table-with-key"),
        pytest.param(Collection("t", "table", (), ()), True, id="table-without-key"),
        pytest.param(Collection("v", "view", (), ("id",)), True, id="view-even-with-key"),
    ],
)
def test_collection_readonly(collection: Collection, readonly: bool) -> None:
    """Views and key-less tables are served read-only."""
    assert collection.readonly is readonly


def test_lookups() -> None:
    """`collection`, `column` and `relations_of` find by exact name and raise KeyError otherwise."""
    model = hand_built()
    assert model.collection("authors").name == "authors"
    assert model.collection("articles").column("price").scale == 2
    assert [r.field for r in model.relations_of("articles")] == ["author_id", "tags"]
    assert model.relations_of("recent") == ()
    with pytest.raises(KeyError):
        model.collection("Articles")
    with pytest.raises(KeyError):
        model.collection("articles").column("missing")


def test_schema_fields_equal_ignores_warnings() -> None:
    """Warnings are prose and may be reworded; equality of what is served ignores them."""
    model = hand_built()
    reworded = Schema(model.dialect, model.collections, model.relations, ("other words",))
    assert schema_fields_equal(model, reworded)
    assert reworded != model
    fewer = Schema(model.dialect, model.collections[:2], model.relations)
    assert not schema_fields_equal(model, fewer)


# --- a small SQLite database ----------------------------------------------------------------

DDL = [
    "CREATE TABLE authors (id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL,"
    " email VARCHAR(255), UNIQUE (email))",
    "CREATE TABLE articles (id INTEGER PRIMARY KEY, title TEXT NOT NULL,"
    " author_id INTEGER REFERENCES authors(id), editor_id INTEGER REFERENCES authors(id),"
    " price DECIMAL(10,2), published BOOLEAN NOT NULL DEFAULT 0, uid UUID, created TIMESTAMP,"
    " extra)",
    "CREATE TABLE comments (id INTEGER PRIMARY KEY, article_id INTEGER NOT NULL, body TEXT,"
    " FOREIGN KEY (article_id) REFERENCES articles(id) ON DELETE CASCADE)",
    "CREATE TABLE a (id INTEGER PRIMARY KEY, name TEXT)",
    "CREATE TABLE b (id INTEGER PRIMARY KEY, name TEXT)",
    "CREATE TABLE a_b (a_id INTEGER NOT NULL REFERENCES a(id),"
    " b_id INTEGER NOT NULL REFERENCES b(id), created_at DATETIME, PRIMARY KEY (a_id, b_id))",
    "CREATE TABLE categories (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES categories(id))",
    "CREATE TABLE tags (id INTEGER PRIMARY KEY, label VARCHAR(50), tag_links TEXT)",
    "CREATE TABLE tag_links (id INTEGER PRIMARY KEY, tag_id INTEGER REFERENCES tags(id), url TEXT)",
    "CREATE TABLE versions (doc TEXT, rev INTEGER, body TEXT, PRIMARY KEY (doc, rev))",
    "CREATE TABLE version_notes (id INTEGER PRIMARY KEY, doc TEXT, rev INTEGER,"
    " FOREIGN KEY (doc, rev) REFERENCES versions (doc, rev))",
    "CREATE TABLE logs (message TEXT, at DATETIME)",
    "CREATE VIEW author_names AS SELECT id, name FROM authors",
    "CREATE TABLE dxgen_users (id INTEGER PRIMARY KEY, email TEXT)",
    "CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)",
]

SERVED = [
    "a",
    "a_b",
    "articles",
    "author_names",
    "authors",
    "b",
    "categories",
    "comments",
    "logs",
    "tag_links",
    "tags",
    "version_notes",
    "versions",
]

INT64 = {"min_value": -(2**63), "max_value": 2**63 - 1}


@pytest.fixture(scope="module")
def db_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    path: Path = tmp_path_factory.mktemp("schema_model") / "model.db"
    url = f"sqlite:///{path}"
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        for statement in DDL:
            conn.exec_driver_sql(statement)
    engine.dispose()
    return url


@pytest.fixture(scope="module")
def model(db_url: str) -> Schema:
    return introspect(db_url)


def names(schema: Schema) -> list[str]:
    return [c.name for c in schema.collections]


def test_collections_served(model: Schema) -> None:
    """Sorted by name; dxgen's own tables and alembic_version are never served."""
    assert model.dialect == "sqlite"
    assert names(model) == SERVED
    assert {c.name: c.kind for c in model.collections if c.kind != "table"} == {
        "author_names": "view"
    }


@pytest.mark.parametrize(
    ("collection", "primary_key", "readonly"),
    [
        pytest.param("articles", ("id",), False, id="single"),
        pytest.param("versions", ("doc", "rev"), False, id="composite"),
        pytest.param("a_b", ("a_id", "b_id"), False, id="junction"),
        pytest.param("logs", (), True, id="none"),
        pytest.param("author_names", (), True, id="view"),
    ],
)
def test_primary_keys(
    model: Schema, collection: str, primary_key: tuple[str, ...], readonly: bool
) -> None:
    assert model.collection(collection).primary_key == primary_key
    assert model.collection(collection).readonly is readonly


def test_warnings(model: Schema) -> None:
    """Sorted, and naming exactly what is limited: view, key-less table, untyped column, and the
    composite foreign key that is not a relation."""
    assert model.warnings == (
        "articles.extra: column without a declared type served as a string",
        "author_names: view served as a read-only collection",
        "logs: no primary key; served read-only and list-only",
        "version_notes(doc, rev): composite foreign key is not exposed as a relation",
    )


@pytest.mark.parametrize(
    ("collection", "column", "expected"),
    [
        pytest.param(
            "articles",
            "id",
            Column(
                "id",
                "integer",
                "INTEGER",
                nullable=False,
                primary_key=True,
                autoincrement=True,
                has_default=True,
                unique=True,
                **INT64,
            ),
            id="rowid-primary-key",
        ),
        pytest.param(
            "articles", "title", Column("title", "text", "TEXT", nullable=False), id="not-null"
        ),
        pytest.param(
            "articles",
            "price",
            Column("price", "decimal", "DECIMAL(10,2)", precision=10, scale=2),
            id="decimal",
        ),
        pytest.param(
            "articles",
            "published",
            Column(
                "published", "boolean", "BOOLEAN", nullable=False, has_default=True, default="0"
            ),
            id="boolean-default",
        ),
        pytest.param("articles", "uid", Column("uid", "uuid", "UUID"), id="declared-uuid"),
        pytest.param(
            "articles", "created", Column("created", "timestamp", "TIMESTAMP"), id="timestamp"
        ),
        pytest.param("articles", "extra", Column("extra", "string", ""), id="untyped"),
        pytest.param(
            "authors",
            "email",
            Column("email", "string", "VARCHAR(255)", max_length=255, unique=True),
            id="unique-constraint",
        ),
        pytest.param(
            "versions",
            "rev",
            Column("rev", "integer", "INTEGER", nullable=False, primary_key=True, **INT64),
            id="composite-key-part-not-auto-not-unique",
        ),
        pytest.param(
            "author_names",
            "name",
            Column("name", "string", "VARCHAR(100)", max_length=100),
            id="view-column",
        ),
        pytest.param(
            "a_b", "created_at", Column("created_at", "dateTime", "DATETIME"), id="datetime"
        ),
    ],
)
def test_columns(model: Schema, collection: str, column: str, expected: Column) -> None:
    """Each reflected column, compared field by field with what the runtime will validate."""
    assert model.collection(collection).column(column) == expected


def test_foreign_keys(model: Schema) -> None:
    """Sorted by column; ON DELETE is kept when the table declares it."""
    assert model.collection("articles").foreign_keys == (
        ForeignKey(("author_id",), "authors", ("id",)),
        ForeignKey(("editor_id",), "authors", ("id",)),
    )
    assert model.collection("comments").foreign_keys == (
        ForeignKey(("article_id",), "articles", ("id",), on_delete="CASCADE"),
    )
    assert model.collection("version_notes").foreign_keys == (
        ForeignKey(("doc", "rev"), "versions", ("doc", "rev")),
    )
    assert model.collection("author_names").foreign_keys == ()


def test_relations(model: Schema) -> None:
    """m2o for every usable FK; o2m named after the child (`_by_<fk>` when ambiguous or
    self-referencing, `_2` when a column has the name); m2m through the `a_b` junction."""
    assert model.relations == (
        Relation("m2m", "a", "b", "a_b", "a_id", "b_id", "b"),
        Relation("m2o", "a_b", "a_id", "a", "id"),
        Relation("m2o", "a_b", "b_id", "b", "id"),
        Relation("m2o", "articles", "author_id", "authors", "id"),
        Relation("m2o", "articles", "editor_id", "authors", "id"),
        Relation("o2m", "articles", "comments", "comments", "article_id"),
        Relation("o2m", "authors", "articles_by_author", "articles", "author_id"),
        Relation("o2m", "authors", "articles_by_editor", "articles", "editor_id"),
        Relation("m2m", "b", "a", "a_b", "b_id", "a_id", "a"),
        Relation("m2o", "categories", "parent_id", "categories", "id"),
        Relation("o2m", "categories", "categories_by_parent", "categories", "parent_id"),
        Relation("m2o", "comments", "article_id", "articles", "id"),
        Relation("m2o", "tag_links", "tag_id", "tags", "id"),
        Relation("o2m", "tags", "tag_links_2", "tag_links", "tag_id"),
    )


def test_introspection_is_deterministic(db_url: str, model: Schema) -> None:
    """The same database gives the same model and the same JSON, byte for byte."""
    again = introspect(db_url)
    assert again == model
    assert again.to_json() == model.to_json()


def test_introspected_round_trip(model: Schema) -> None:
    """A real model (FKs, composite FK, view, composite key, key-less table, m2m, warnings)
    survives JSON."""
    again = Schema.from_json(model.to_json())
    assert again == model
    assert again.collection("version_notes").foreign_keys == (
        ForeignKey(("doc", "rev"), "versions", ("doc", "rev")),
    )


@pytest.mark.parametrize(
    ("include", "exclude", "expected"),
    [
        pytest.param(
            ["a*"], [], ["a", "a_b", "articles", "author_names", "authors"], id="include-glob"
        ),
        pytest.param(
            [],
            ["a*", "*s"],
            ["b"],
            id="exclude-globs",
        ),
        pytest.param(
            ["*s"],
            ["author*", "tag*"],
            ["articles", "categories", "comments", "logs", "version_notes", "versions"],
            id="include-and-exclude",
        ),
        pytest.param(["a?b"], [], ["a_b"], id="single-char-wildcard"),
        pytest.param(["AUTHORS"], [], [], id="case-sensitive"),
        pytest.param(["dxgen_*", "alembic_version"], [], [], id="system-tables-never-served"),
    ],
)
def test_include_exclude(
    db_url: str, include: Sequence[str], exclude: Sequence[str], expected: list[str]
) -> None:
    """Globs narrow what is served; they can never bring back dxgen's own tables."""
    assert names(introspect(db_url, include=include, exclude=exclude)) == expected


def test_excluded_parent_drops_relations_with_a_warning(db_url: str) -> None:
    """A foreign key to a table that is not served is not a relation, and the report says why."""
    schema = introspect(db_url, exclude=["authors", "author_names"])
    assert schema.relations_of("articles") == (
        Relation("o2m", "articles", "comments", "comments", "article_id"),
    )
    assert "articles(author_id): foreign key to 'authors', which is not served" in schema.warnings
    assert "articles(editor_id): foreign key to 'authors', which is not served" in schema.warnings


def test_half_a_junction_is_not_many_to_many(db_url: str) -> None:
    """With one side excluded the junction is an ordinary child table (o2m)."""
    schema = introspect(db_url, include=["a", "a_b"])
    assert schema.relations == (
        Relation("o2m", "a", "a_b", "a_b", "a_id"),
        Relation("m2o", "a_b", "a_id", "a", "id"),
    )
    assert schema.warnings == ("a_b(b_id): foreign key to 'b', which is not served",)


@pytest.mark.parametrize(
    ("alias_names", "collection", "expected"),
    [
        pytest.param(
            {"articles.author_id": "written", "articles.editor_id": "edited"},
            "authors",
            [("o2m", "edited", "editor_id"), ("o2m", "written", "author_id")],
            id="rename-o2m",
        ),
        pytest.param(
            {"articles.editor_id": ""},
            "authors",
            [("o2m", "articles_by_author", "author_id")],
            id="empty-drops-alias",
        ),
        pytest.param({"a_b.a_id": "bees"}, "a", [("m2m", "bees", "a_id")], id="rename-m2m-side"),
        pytest.param({"a_b.b_id": ""}, "b", [], id="drop-m2m-side"),
        pytest.param(
            {"comments.article_id": "title"},
            "articles",
            [
                ("m2o", "author_id", "id"),
                ("m2o", "editor_id", "id"),
                ("o2m", "title_2", "article_id"),
            ],
            id="override-colliding-with-column-is-suffixed",
        ),
        pytest.param(
            {"nope.nothing": "x"},
            "tags",
            [("o2m", "tag_links_2", "tag_id")],
            id="unknown-key-ignored",
        ),
    ],
)
def test_alias_name_overrides(
    db_url: str,
    alias_names: dict[str, str],
    collection: str,
    expected: list[tuple[str, str, str]],
) -> None:
    """`alias_names` keys are `<referencing table>.<fk column>`; `""` leaves the alias out."""
    schema = introspect(db_url, alias_names=alias_names)
    found = [(r.kind, r.field, r.related_field) for r in schema.relations_of(collection)]
    assert sorted(found) == expected


def test_dropping_an_alias_keeps_the_many_to_one(db_url: str) -> None:
    """Only the reverse alias goes; the FK column stays a many-to-one on the child."""
    schema = introspect(db_url, alias_names={"articles.author_id": ""})
    assert Relation("m2o", "articles", "author_id", "authors", "id") in schema.relations


# --- derive_relations on hand-built collections ---------------------------------------------


def col(name: str, kind: str = "integer", pk: bool = False) -> Column:
    return Column(name, kind, kind.upper(), primary_key=pk, nullable=not pk)


def table(name: str, *columns: Column, fks: tuple[ForeignKey, ...] = ()) -> Collection:
    key = tuple(c.name for c in columns if c.primary_key)
    return Collection(name, "table", columns, key, fks)


def fk(column: str, parent: str, parent_column: str = "id") -> ForeignKey:
    return ForeignKey((column,), parent, (parent_column,))


def test_derive_relations_warns_about_unusable_keys() -> None:
    """Composite keys and keys to a non-primary column cannot be relations; both are reported."""
    collections = {
        "users": table("users", col("id", pk=True), col("name", "string")),
        "codes": table("codes", col("a", pk=True), col("b", pk=True)),
        "refs": table(
            "refs",
            col("id", pk=True),
            col("ca"),
            col("cb"),
            col("uname", "string"),
            fks=(
                ForeignKey(("ca", "cb"), "codes", ("a", "b")),
                fk("uname", "users", "name"),
            ),
        ),
    }
    relations, warnings = derive_relations(collections)
    assert relations == ()
    assert warnings == (
        "refs(ca, cb): composite foreign key is not exposed as a relation",
        "refs(uname): foreign key to a non-primary-key column is not a relation",
    )


@pytest.mark.parametrize(
    ("extra", "kind"),
    [
        pytest.param(col("note", "string"), "o2m", id="extra-string-column-not-junction"),
        pytest.param(col("added", "timestamp"), "m2m", id="timestamp-column-still-junction"),
        pytest.param(col("added", "date"), "m2m", id="date-column-still-junction"),
    ],
)
def test_junction_detection(extra: Column, kind: str) -> None:
    """A junction has two links and nothing else but keys and timestamps, here with its own id."""
    collections = {
        "posts": table("posts", col("id", pk=True)),
        "tags": table("tags", col("id", pk=True)),
        "posts_tags": table(
            "posts_tags",
            col("id", pk=True),
            col("posts_id"),
            col("tags_id"),
            extra,
            fks=(fk("posts_id", "posts"), fk("tags_id", "tags")),
        ),
    }
    relations, _ = derive_relations(collections)
    on_posts = [r for r in relations if r.collection == "posts"]
    assert len(on_posts) == 1
    assert on_posts[0].kind == kind
    if kind == "m2m":
        assert on_posts[0] == Relation(
            "m2m", "posts", "tags", "posts_tags", "posts_id", "tags_id", "tags"
        )
    else:
        assert on_posts[0] == Relation("o2m", "posts", "posts_tags", "posts_tags", "posts_id")


def test_self_junction_names_both_sides() -> None:
    """A junction whose two keys point at the same table gets `_by_<fk>` names, one per side."""
    collections = {
        "users": table("users", col("id", pk=True)),
        "follows": table(
            "follows",
            col("follower_id", pk=True),
            col("followed_id", pk=True),
            fks=(fk("follower_id", "users"), fk("followed_id", "users")),
        ),
    }
    relations, warnings = derive_relations(collections)
    assert warnings == ()
    assert [r for r in relations if r.collection == "users"] == [
        Relation(
            "m2m", "users", "follows_by_followed", "follows", "followed_id", "follower_id", "users"
        ),
        Relation(
            "m2m", "users", "follows_by_follower", "follows", "follower_id", "followed_id", "users"
        ),
    ]


def test_alias_overrides_cannot_collide_with_each_other() -> None:
    """Two overrides asking for the same alias name get distinct names, deterministically."""
    collections = {
        "users": table("users", col("id", pk=True)),
        "posts": table("posts", col("id", pk=True), col("user_id"), fks=(fk("user_id", "users"),)),
        "notes": table("notes", col("id", pk=True), col("user_id"), fks=(fk("user_id", "users"),)),
    }
    relations, _ = derive_relations(
        collections, {"posts.user_id": "items", "notes.user_id": "items"}
    )
    aliases = {r.field: r.related for r in relations if r.kind == "o2m"}
    assert aliases == {"items": "notes", "items_2": "posts"}
