"""Compile a Directus filter to one SQLAlchemy boolean expression. Nothing is filtered in Python.

Many-to-one paths (`author_id.name`) become LEFT JOINs (shared through `Joins`); one-to-many and
many-to-many aliases become `pk IN (SELECT fk FROM child WHERE …)` subqueries (`_some`, the default)
or `NOT IN` (`_none`), so a filter never multiplies the rows it selects.
"""

from __future__ import annotations

import contextlib
import dataclasses
from typing import Any

import sqlalchemy as sa

from dxgen.runtime import operators as ops
from dxgen.runtime.errors import ForbiddenError, InvalidQueryError
from dxgen.runtime.model import Collection, Field
from dxgen.runtime.query.context import Context, Joins
from dxgen.runtime.query.functions import date_part, resolve_call, split_call
from dxgen.runtime.query.values import coerce

_CASE_SENSITIVE = frozenset(op for op in ops.TEXT_OPERATORS if "_i" not in op and "_ni" not in op)
_PRIMITIVE = (str, int, float, bool)
_TEXT_TYPES = frozenset({"string", "text", "csv", "binary"})
_EXACT = frozenset({"_eq", "_neq", "_in", "_nin"})


def _exact_on_mysql(operator: str, column: Any, value: Any) -> sa.ColumnElement[bool]:
    """MySQL collations ignore case (and trailing spaces) in `=`; compare the bytes as the other
    databases do, keeping the plain comparison first so an index still narrows the rows."""
    if value is None:
        return ops.SQL[operator](column, value)
    exact = sa.func.binary(column)
    if operator == "_eq":
        return sa.and_(column == value, exact == sa.func.binary(value))
    if operator == "_neq":
        return sa.not_(exact == sa.func.binary(value))
    values = [sa.func.binary(v) for v in value]
    if operator == "_in":
        return sa.and_(column.in_(value), exact.in_(values))
    return exact.not_in(values)


def compile_filter(
    ctx: Context, joins: Joins, node: dict[str, Any] | None, path: tuple[str, ...] = ()
) -> sa.ColumnElement[bool]:
    """The WHERE expression for `node` on the collection at `path` of `joins`."""
    if not node:
        return sa.true()
    return _Compiler(ctx, joins).node(path, node)


class _Compiler:
    def __init__(self, ctx: Context, joins: Joins) -> None:
        self.ctx = ctx
        self.joins = joins

    def node(self, path: tuple[str, ...], node: Any) -> sa.ColumnElement[bool]:
        if not isinstance(node, dict):
            raise InvalidQueryError("Invalid filter: expected an object")
        clauses = [self.entry(path, key, value) for key, value in node.items()]
        return sa.and_(sa.true(), *clauses) if clauses else sa.true()

    def entry(self, path: tuple[str, ...], key: str, value: Any) -> sa.ColumnElement[bool]:
        if key in ("_and", "_or"):
            if not isinstance(value, list):
                raise InvalidQueryError(f'"{key}" has to be an array')
            parts = [self.node(path, item) for item in value]
            if key == "_or":
                return sa.or_(sa.false(), *parts) if parts else sa.true()
            return sa.and_(sa.true(), *parts)
        collection, table = self.joins.resolve(path)
        call = split_call(key)
        if call:
            self.ctx.check_field(collection, call[1], path)
            return self.function(path, collection, table, call, value)
        self.ctx.check_field(collection, key, path)
        relation = collection.relation_map.get(key)
        if relation is not None and relation.kind != "m2o":
            return self.one_to_many(path, collection, table, key, value)
        field = collection.get(key)
        if field is None:
            raise ForbiddenError.field(key, collection.name, path)
        if relation is not None and isinstance(value, dict) and _is_nested(value):
            return self.node((*path, key), value)
        return self.operators(field, field.type, table.c[key], value)

    def operators(
        self, field: Field, field_type: str, column: Any, value: Any
    ) -> sa.ColumnElement[bool]:
        if not isinstance(value, dict):
            value = {"_eq": value}
        clauses = []
        for operator, operand in value.items():
            if operator in ("_and", "_or"):
                parts = [self.operators(field, field_type, column, item) for item in operand]
                combine = sa.or_ if operator == "_or" else sa.and_
                clauses.append(combine(*parts) if parts else sa.true())
                continue
            clauses.append(self.operator(field, field_type, column, operator, operand))
        return sa.and_(sa.true(), *clauses)

    def operator(
        self, field: Field, field_type: str, column: Any, operator: str, operand: Any
    ) -> sa.ColumnElement[bool]:
        if operator not in field.operators or operator not in ops.SQL:
            raise InvalidQueryError(
                f'"{field_type}" field type does not contain the "{operator}" filter operator'
            )
        value = self.value(field_type, operator, operand)
        if operator in ops.LIST_OPERATORS and operator.endswith("between") and len(value) != 2:
            return sa.true()  # Directus ignores a between without exactly two values
        is_text = field_type in _TEXT_TYPES
        if operator in ("_empty", "_nempty") and not is_text:
            operator = "_null" if operator == "_empty" else "_nnull"  # only text can be ''
        mysql = self.ctx.dialect in ("mysql", "mariadb")
        if operator in ops.TEXT_OPERATORS:
            if not is_text:
                column = sa.cast(column, sa.String)
            if operator in _CASE_SENSITIVE and mysql:
                column = sa.func.binary(column)
        elif mysql and is_text and operator in _EXACT:
            return _exact_on_mysql(operator, column, value)
        return ops.SQL[operator](column, value)

    def value(self, field_type: str, operator: str, operand: Any) -> Any:
        if operator in ops.BOOLEAN_OPERATORS:
            if operand not in (True, False, None, ""):
                raise InvalidQueryError(f'"{operator}" has to be a boolean')
            return operand is not False
        if operator in ops.LIST_OPERATORS:
            if not isinstance(operand, list) or not operand:
                raise InvalidQueryError(f'"{operator}" has to be an array of values')
            return [coerce(field_type, item, self.ctx) for item in operand]
        if operand is not None and not isinstance(operand, _PRIMITIVE):
            raise InvalidQueryError(
                f'The filter value for "{operator}" has to be a string, number, or boolean'
            )
        if operand == "":
            raise InvalidQueryError(
                f'You can\'t filter for an empty string in "{operator}". '
                'Use "_empty" or "_nempty" instead'
            )
        if operator in ops.TEXT_OPERATORS:
            return str(operand)
        return coerce(field_type, operand, self.ctx)

    def function(
        self,
        path: tuple[str, ...],
        collection: Collection,
        table: sa.FromClause,
        call: tuple[str, str],
        value: Any,
    ) -> sa.ColumnElement[bool]:
        name, argument = call
        field = resolve_call(collection, call, path)
        if name == "count":
            expr = count_children(self.ctx, collection, table, argument)
        else:
            assert field is not None
            expr = date_part(name, table.c[argument], self.ctx.dialect)
        integer = Field(argument, "integer", ops.NUMERIC)
        return self.operators(integer, "integer", expr, value)

    def one_to_many(
        self,
        path: tuple[str, ...],
        collection: Collection,
        table: sa.FromClause,
        key: str,
        value: Any,
    ) -> sa.ColumnElement[bool]:
        if not isinstance(value, dict):
            raise InvalidQueryError(f'Invalid filter for relational field "{key}"')
        relation = collection.relation_map[key]
        child = self.ctx.registry[relation.related]
        mode, inner = "_some", value
        if set(value) <= {"_some", "_none"} and len(value) == 1:
            mode, inner = next(iter(value.items()))
        child_table = child.table.alias()
        child_joins = Joins(self.ctx, child, child_table)
        condition = compile_filter(self.ctx, child_joins, inner)
        allowed = row_condition(self.ctx, child, child_table)
        if allowed is not None:  # `_some`/`_none` only see the children the caller may read
            condition = sa.and_(condition, allowed)
        fk = child_table.c[relation.related_field]
        subquery = (
            sa.select(fk).select_from(child_joins.from_clause).where(fk.is_not(None), condition)
        )
        parent_key = table.c[collection.primary_key[0]]
        return parent_key.in_(subquery) if mode == "_some" else parent_key.not_in(subquery)


def _is_nested(value: Any) -> bool:
    """`{"name": {...}}` walks into the related collection; `{"_eq": 3}` compares the key."""
    if isinstance(value, list):
        return any(_is_nested(item) for item in value)
    if not isinstance(value, dict):
        return False
    return any(
        _is_nested(inner) if key in ("_and", "_or") else not key.startswith("_")
        for key, inner in value.items()
    )


def count_children(
    ctx: Context, collection: Collection, table: sa.FromClause, alias: str
) -> sa.ColumnElement[int]:
    """`count(o2m)`: a correlated count of the children of each row."""
    relation = collection.relation_map[alias]
    target = ctx.registry[relation.related]
    child = target.table.alias()
    key = table.c[collection.primary_key[0]]
    condition = child.c[relation.related_field] == key
    allowed = row_condition(ctx, target, child)
    if allowed is not None:  # count only the children the caller may read
        condition = sa.and_(condition, allowed)
    return sa.select(sa.func.count()).select_from(child).where(condition).scalar_subquery()


def row_condition(
    ctx: Context, collection: Collection, table: sa.FromClause, action: str = "read"
) -> sa.ColumnElement[bool] | None:
    """The caller's row filter for `action` on `collection` as a condition on `table` (None: all
    rows). 403 when the action is not granted. The filter is the role's, so it is compiled
    without the caller's own restrictions; one that walks relations becomes an EXISTS over a
    fresh alias, so it never adds joins to the statement it is put into."""
    rule = ctx.rule(collection, action)
    if rule is None or not rule.filter:
        return None
    trusted = dataclasses.replace(ctx, access=None)
    joins = Joins(trusted, collection, table)
    condition = compile_filter(trusted, joins, rule.filter)
    if joins.from_clause is table:
        return condition
    alias = collection.table.alias()
    joins = Joins(trusted, collection, alias)
    condition = compile_filter(trusted, joins, rule.filter)
    keys = collection.primary_key or tuple(f.name for f in collection.fields)
    same_row = [alias.c[name] == table.c[name] for name in keys]
    return sa.exists(sa.select(1).select_from(joins.from_clause).where(*same_row, condition))


def search_condition(
    ctx: Context, collection: Collection, table: sa.FromClause, term: str
) -> sa.ColumnElement[bool]:
    """Directus's `search`: text fields by case-insensitive substring; numeric fields when the
    term is a number; uuid fields when it is a uuid. Nothing searchable matches nothing."""
    clauses = []
    lowered = term.lower()
    for field in collection.fields:
        if not ctx.may_read(collection, field.name):
            continue  # searching a hidden field would reveal its content
        column = table.c[field.name]
        if field.type in ("string", "text"):
            clauses.append(ops.SQL["_icontains"](column, lowered))
        elif field.type in ("integer", "bigInteger", "float", "decimal"):
            number = _search_number(term, field)
            if number is not None:
                clauses.append(column == number)
        elif field.type == "uuid":
            with contextlib.suppress(InvalidQueryError):
                clauses.append(column == coerce("uuid", term, ctx))
    return sa.or_(*clauses) if clauses else sa.false()


def _search_number(term: str, field: Field) -> int | float | None:
    try:
        number = float(term)
    except ValueError:
        return None
    if field.type in ("integer", "bigInteger"):
        if not number.is_integer():
            return None
        value = int(term) if term.lstrip("-").isdigit() else None
        if value is None or str(value) != term:
            return None
        low = field.min_value if field.min_value is not None else -(2**63)
        high = field.max_value if field.max_value is not None else 2**63 - 1
        return value if low <= value <= high else None
    return number
