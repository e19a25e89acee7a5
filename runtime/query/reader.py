"""Run a read: one statement for the root (many-to-one relations joined into it, key lists
folded in) and one per level of one-to-many / many-to-many relations below it: every relation
of a level is read by the same UNION ALL statement, batched with `IN` over all parents at once.

So a page of 1,000 articles with authors, comments and tags costs two statements, not 3,001.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dxgen.runtime.query.context import Context, Joins
from dxgen.runtime.query.fields import Node
from dxgen.runtime.query.levels import load_children
from dxgen.runtime.query.selection import Assembler, Page, Selection, order_clauses


def _root(
    ctx: Context,
    node: Node,
    where: sa.ColumnElement[bool],
    joins: Joins,
    sort: list[str] | None,
    page: Page,
) -> tuple[Selection, Assembler, sa.Select[Any]]:
    """The root statement of a list, and how to build objects from its rows."""
    selection = Selection(ctx, joins)
    assemble = selection.add(node, joins.root)
    order = order_clauses(ctx, joins, sort, node.collection)
    statement = sa.select(*selection.columns).select_from(joins.from_clause).where(where)
    statement = statement.order_by(*order)
    if page.limit is not None:
        statement = statement.limit(page.limit)
    if page.offset:
        statement = statement.offset(page.offset)
    return selection, assemble, statement


def read_rows(
    conn: Connection,
    ctx: Context,
    node: Node,
    where: sa.ColumnElement[bool],
    joins: Joins,
    sort: list[str] | None,
    page: Page,
) -> list[dict[str, Any]]:
    """The objects of one list request (root statement plus one per o2m relation)."""
    selection, assemble, statement = _root(ctx, node, where, joins, sort, page)
    rows = [assemble(row) for row in conn.execute(statement)]
    load_children(conn, ctx, selection.children)
    return rows  # type: ignore[return-value]


def stream_rows(
    conn: Connection,
    ctx: Context,
    node: Node,
    where: sa.ColumnElement[bool],
    joins: Joins,
    sort: list[str] | None,
    page: Page,
    batch: int = 1000,
    first: int = 50,
) -> Iterator[list[dict[str, Any]]]:
    """Like `read_rows` but batch by batch from a server-side cursor: memory stays flat. The
    first batch is small so the first bytes of an export leave at once."""
    selection, assemble, statement = _root(ctx, node, where, joins, sort, page)
    result = conn.execution_options(stream_results=True, yield_per=batch).execute(statement)
    # Children are read on a second connection: a MySQL connection with an unbuffered result
    # open would silently drop that result's remaining rows to run another statement.
    with ExitStack() as stack:
        side = stack.enter_context(conn.engine.connect()) if selection.children else conn
        size = first
        while chunk := result.fetchmany(size):
            size = batch
            objects = [assemble(row) for row in chunk]
            load_children(side, ctx, selection.children)
            for children in selection.children:
                children.waiting.clear()
            yield objects  # type: ignore[misc]
