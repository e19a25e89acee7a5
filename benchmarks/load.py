"""Bounded HTTP load with wrk: a fixed duration and connection count, parsed into numbers.

wrk is Debian's package (`apt-get install -y wrk`). Writes go through a generated Lua script:
PATCH sends a fixed body, POST a body whose unique column differs on every request.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

from benchmarks.queries import UNIQUE, Query

INSTALL_HINT = "wrk is not installed: run `apt-get install -y wrk` (Debian/Ubuntu) and retry"
_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}
_LATENCY = re.compile(r"^\s*(50|99)%\s+([\d.]+)(us|ms|s|m)\s*$", re.MULTILINE)

_WRITE_SCRIPT = """
local counter = 1
function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
end
local n = 0
request = function()
  n = n + 1
  local unique = "{prefix}-" .. (tid or 0) .. "-" .. n
  local body = string.gsub({template}, "{marker}", unique)
  return wrk.format("{method}", nil, {{["Content-Type"] = "application/json"}}, body)
end
"""


@dataclass(frozen=True)
class LoadResult:
    requests: int
    errors: int
    seconds: float
    p50_ms: float
    p99_ms: float

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def require_wrk() -> str:
    path = shutil.which("wrk")
    if path is None:
        raise SystemExit(INSTALL_HINT)
    return path


def _script(query: Query, directory: Path) -> Path:
    template = json.dumps(json.dumps(query.body))  # a Lua string literal of the JSON body
    text = _WRITE_SCRIPT.format(
        prefix=uuid.uuid4().hex[:10],
        template=template,
        marker=UNIQUE,
        method=query.method,
    )
    path = directory / f"{query.name}.lua"
    path.write_text(text)
    return path


def run_wrk(
    url: str, query: Query, duration: float, connections: int, threads: int = 1
) -> LoadResult:
    """Load `url` for `duration` seconds with `connections` keep-alive connections."""
    argv = [
        require_wrk(),
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(duration))}s",
        "--latency",
    ]
    with tempfile.TemporaryDirectory() as directory:
        if query.writes:
            argv += ["-s", str(_script(query, Path(directory)))]
        output = subprocess.run(
            [*argv, url], check=True, capture_output=True, text=True, timeout=duration + 60
        ).stdout
    return parse(output)


def parse(output: str) -> LoadResult:
    done = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m)", output)
    if done is None:
        raise RuntimeError(f"unexpected wrk output:\n{output}")
    latency = {p: float(v) * _UNITS[u] for p, v, u in _LATENCY.findall(output)}
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: (.*)", output)
    failed = int(errors.group(1)) if errors else 0
    if socket_errors:
        failed += sum(int(n) for n in re.findall(r"\d+", socket_errors.group(1)))
    return LoadResult(
        requests=int(done.group(1)),
        errors=failed,
        seconds=float(done.group(2)) * _UNITS[done.group(3)] / 1000,
        p50_ms=latency.get("50", float("nan")),
        p99_ms=latency.get("99", float("nan")),
    )
