"""Turn database names into safe, unique Python identifiers.

URLs and JSON keep the real names; only the generated Python source needs identifiers. One function
decides them so that every template agrees, and the result is stable for a given set of names.
"""

from __future__ import annotations

import keyword
import re
import unicodedata
from collections.abc import Iterable

# Fixed rather than `keyword.softkwlist`, which grows between Python versions (`type` in 3.12):
# the same database must give the same file names whatever Python runs dxgen.
_SOFT_KEYWORDS = frozenset({"_", "case", "match", "type"})
_INVALID = re.compile(r"[^0-9a-zA-Z_]+")
# Names that would shadow what generated modules import or define.
_RESERVED = frozenset(
    {"sa", "app", "schema", "metadata", "blueprint", "hooks", "collection", "types"}
)


def identifier(name: str) -> str:
    """A lower-case Python identifier close to `name`: `Order Lines` -> `order_lines`,
    `2fa-codes` -> `t_2fa_codes`, `class` -> `class_`."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    text = _INVALID.sub("_", ascii_name).strip("_").lower() or "t"
    if text[0].isdigit():
        text = f"t_{text}"
    if keyword.iskeyword(text) or text in _SOFT_KEYWORDS or text in _RESERVED:
        text = f"{text}_"
    return text


def unique_identifiers(names: Iterable[str]) -> dict[str, str]:
    """Map each name to an identifier unique among them. Collisions (`Users` and `users`,
    `a-b` and `a_b`) get numeric suffixes, decided on the sorted names so the result is stable."""
    taken: set[str] = set()
    result: dict[str, str] = {}
    for name in sorted(set(names)):
        base = identifier(name)
        candidate, n = base, 2
        while candidate in taken:
            candidate, n = f"{base}_{n}", n + 1
        taken.add(candidate)
        result[name] = candidate
    return result


def class_name(name: str) -> str:
    """PascalCase for schema component names: `article_tags` -> `ArticleTags`."""
    return "".join(part.capitalize() for part in identifier(name).rstrip("_").split("_") if part)
