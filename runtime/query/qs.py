"""A `qs`-style query-string parser: `filter[title][_eq]=x` -> `{"filter":{"title":{"_eq":"x"}}}`.

Directus parses with `qs` (depth 10, array limit 500). Where `qs` silently degrades past a limit
(keeping the rest of a key as a literal, turning a list into an object), this parser refuses with a
clear 400, because a half-parsed filter matches the wrong rows.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from dxgen.runtime.errors import InvalidQueryError

_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")
_SEGMENT = re.compile(r"\[([^\[\]]*)\]")


class _Indexed(dict[int, Any]):
    """A list under construction from `a[0]=…&a[3]=…`: sparse until compacted."""


def parse(
    pairs: Iterable[tuple[str, str]], *, max_depth: int = 10, array_limit: int = 500
) -> dict[str, Any]:
    """Nested dicts and lists from decoded `(key, value)` pairs in order."""
    root: dict[str, Any] = {}
    for key, value in pairs:
        match = _KEY.match(key)
        if not match:
            _assign(root, key, value)
            continue
        segments = [match.group(1), *_SEGMENT.findall(match.group(2))]
        if len(segments) - 1 > max_depth:
            raise InvalidQueryError(f'"{match.group(1)}" is nested deeper than {max_depth} levels')
        _insert(root, segments, value, array_limit)
    return {k: _compact(v) for k, v in root.items()}


def _insert(node: Any, segments: list[str], value: str, array_limit: int) -> None:
    for position, segment in enumerate(segments):
        last = position == len(segments) - 1
        following = None if last else segments[position + 1]
        key = _key_for(node, segment, array_limit)
        if last:
            _assign(node, key, value)
            return
        child = node.get(key)
        if not isinstance(child, dict):
            if key in node and _is_index(following):  # `a=1&a[]=2`: qs makes one list
                existing = node[key] if isinstance(node[key], list) else [node[key]]
                child = _Indexed(enumerate(existing))
            elif key in node:
                raise InvalidQueryError(f'"{segments[0]}" mixes a value and nested keys')
            else:
                child = _Indexed() if _is_index(following) else {}
            node[key] = child
        node = child


def _is_index(segment: str | None) -> bool:
    return segment is not None and (segment == "" or segment.isdigit())


def _key_for(node: Any, segment: str, array_limit: int) -> Any:
    if isinstance(node, _Indexed):
        if segment == "":
            key = _next_index(node)
        elif segment.isdigit():
            key = int(segment)
        else:
            raise InvalidQueryError(f'"{segment}" mixes array and object syntax')
        if key >= array_limit:
            raise InvalidQueryError(f"Array has more than {array_limit} items")
        return key
    return segment


def _assign(node: dict[Any, Any], key: Any, value: str) -> None:
    if isinstance(node, _Indexed) and key in node:
        key = _next_index(node)
    if key not in node:
        node[key] = value
    elif isinstance(node[key], _Indexed):  # `a[]=1&a=2`
        node[key][_next_index(node[key])] = value
    elif isinstance(node[key], list):
        node[key].append(value)
    elif isinstance(node[key], dict):
        raise InvalidQueryError(f'"{key}" mixes a value and nested keys')
    else:
        node[key] = [node[key], value]


def _next_index(node: _Indexed) -> int:
    return max(node, default=-1) + 1


def _compact(value: Any) -> Any:
    if isinstance(value, _Indexed):
        return [_compact(value[k]) for k in sorted(value)]
    if isinstance(value, dict):
        return {k: _compact(v) for k, v in value.items()}
    return value
