"""Permission `validation` rules: a Directus filter evaluated against a write payload.

The rows do not exist yet (create) or are about to change (update), so this one filter is
evaluated in Python on the coerced payload; failures are FAILED_VALIDATION errors naming the
field, the operator as `type`, and the expected value, as Directus reports them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from dxgen.runtime.errors import DirectusError, FailedValidationError, InvalidQueryError
from dxgen.runtime.model import Collection
from dxgen.runtime.query.context import Context
from dxgen.runtime.query.values import coerce, resolve_variable

_MISSING = object()


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _ordered(test: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    def check(value: Any, operand: Any) -> bool:
        try:
            return value is not None and test(value, operand)
        except TypeError:
            return False

    return check


# operator -> (test(value, operand), message template, extension name for the operand)
_CHECKS: dict[str, tuple[Callable[[Any, Any], bool], str, str]] = {
    "_eq": (lambda v, o: v == o, 'Value has to be "{0}".', "valid"),
    "_neq": (lambda v, o: v != o, 'Value can\'t be "{0}".', "invalid"),
    "_lt": (_ordered(lambda v, o: v < o), 'Value has to be less than "{0}".', "valid"),
    "_lte": (
        _ordered(lambda v, o: v <= o),
        'Value has to be less than or equal to "{0}".',
        "valid",
    ),
    "_gt": (_ordered(lambda v, o: v > o), 'Value has to be greater than "{0}".', "valid"),
    "_gte": (
        _ordered(lambda v, o: v >= o),
        'Value has to be greater than or equal to "{0}".',
        "valid",
    ),
    "_in": (lambda v, o: v in o, "Value has to be one of {0}.", "valid"),
    "_nin": (lambda v, o: v not in o, "Value can't be one of {0}.", "invalid"),
    "_null": (lambda v, o: (v is None) == o, "Value has to be null.", "valid"),
    "_nnull": (lambda v, o: (v is not None) == o, "Value can't be null.", "invalid"),
    "_empty": (lambda v, o: (v in (None, "")) == o, "Value has to be empty.", "valid"),
    "_nempty": (lambda v, o: (v not in (None, "")) == o, "Value can't be empty.", "invalid"),
    "_contains": (lambda v, o: o in _text(v), 'Value has to contain "{0}".', "substring"),
    "_ncontains": (lambda v, o: o not in _text(v), 'Value can\'t contain "{0}".', "substring"),
    "_icontains": (
        lambda v, o: o.lower() in _text(v).lower(),
        'Value has to contain "{0}".',
        "substring",
    ),
    "_starts_with": (
        lambda v, o: _text(v).startswith(o),
        'Value has to start with "{0}".',
        "substring",
    ),
    "_nstarts_with": (
        lambda v, o: not _text(v).startswith(o),
        'Value can\'t start with "{0}".',
        "substring",
    ),
    "_ends_with": (lambda v, o: _text(v).endswith(o), 'Value has to end with "{0}".', "substring"),
    "_nends_with": (
        lambda v, o: not _text(v).endswith(o),
        'Value can\'t end with "{0}".',
        "substring",
    ),
    "_between": (
        _ordered(lambda v, o: o[0] <= v <= o[1]),
        "Value has to be between {0} and {1}.",
        "valid",
    ),
    "_nbetween": (
        lambda v, o: v is None or not (o[0] <= v <= o[1]),
        "Value can't be between {0} and {1}.",
        "invalid",
    ),
    "_regex": (
        lambda v, o: re.search(o, _text(v)) is not None,
        'Value has to match regex "{0}".',
        "valid",
    ),
}
_FLAGS = {"_null", "_nnull", "_empty", "_nempty"}
_LISTS = {"_in", "_nin", "_between", "_nbetween"}
_STRINGS = {"_contains", "_ncontains", "_icontains", "_starts_with", "_nstarts_with"} | {
    "_ends_with",
    "_nends_with",
    "_regex",
}


def validate(
    ctx: Context,
    collection: Collection,
    rule: dict[str, Any],
    payload: dict[str, Any],
    *,
    partial: bool,
) -> list[DirectusError]:
    """The failures of `payload` against the validation filter `rule`. With `partial` (an
    update), conditions on fields the payload does not change are not checked."""
    return _Evaluator(ctx, collection, partial).node(rule, payload)


class _Evaluator:
    def __init__(self, ctx: Context, collection: Collection, partial: bool) -> None:
        self.ctx = ctx
        self.collection = collection
        self.partial = partial

    def node(self, node: Any, payload: dict[str, Any]) -> list[DirectusError]:
        if not isinstance(node, dict):
            raise InvalidQueryError("Invalid validation rule: expected an object")
        errors: list[DirectusError] = []
        for key, value in node.items():
            if key == "_and":
                for part in value:
                    errors.extend(self.node(part, payload))
            elif key == "_or":
                branches = [self.node(part, payload) for part in value]
                if branches and all(branches):
                    errors.extend(branches[0])
            else:
                errors.extend(self.field(key, value, payload))
        return errors

    def field(self, name: str, condition: Any, payload: dict[str, Any]) -> list[DirectusError]:
        spec = self.collection.get(name)
        value = payload.get(name, _MISSING)
        if value is _MISSING:
            if self.partial or not isinstance(condition, dict):
                return []
            value = None
        if not isinstance(condition, dict):
            condition = {"_eq": condition}
        errors: list[DirectusError] = []
        for operator, operand in condition.items():
            if operator not in _CHECKS:
                raise InvalidQueryError(f'Unknown validation operator "{operator}"')
            test, template, extension = _CHECKS[operator]
            expected = self.operand(spec.type if spec else "string", operator, operand)
            if test(value, expected):
                continue
            shown = expected if isinstance(expected, list) else [expected]
            message = template.format(*[_text(v) for v in shown])
            if operator in ("_in", "_nin"):
                message = template.format(", ".join(_text(v) for v in shown))
            errors.append(
                FailedValidationError(name, operator[1:], message, **{extension: operand})
            )
        return errors

    def operand(self, field_type: str, operator: str, operand: Any) -> Any:
        operand = resolve_variable(operand, self.ctx)
        if operator in _FLAGS:
            return operand is not False
        if operator in _STRINGS:
            return _text(operand)
        if operator in _LISTS:
            items = operand if isinstance(operand, list) else str(operand).split(",")
            return [self.single(field_type, item) for item in items]
        return self.single(field_type, operand)

    def single(self, field_type: str, operand: Any) -> Any:
        if operand is None:
            return None
        try:
            return coerce(field_type, operand, self.ctx)
        except DirectusError:
            return operand
