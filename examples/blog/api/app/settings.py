"""Settings of this app on top of the environment and `.env`.

This file is yours: dxgen created it once and never overwrites it. Keys are the environment
variable names (`QUERY_LIMIT_DEFAULT`, `MAX_BATCH_MUTATION`, …) with already-typed values; the
environment still wins for anything not set here. Keep secrets in the environment, not here.
"""

from typing import Any

SETTINGS: dict[str, Any] = {}
