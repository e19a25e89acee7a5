"""The servers under test: each one a gunicorn process tree started with the same settings.

A target knows how to start (argv, working directory, environment), how to map a benchmark
query to its own URL (or that it cannot answer it), and how much CPU its processes have used
(read from /proc, so the load tool's own CPU is never counted).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BENCH = REPO / "benchmarks"
GUNICORN_CONF = BENCH / "gunicorn_conf.py"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

Mapper = Callable[[str], str | None]
"""Directus path -> this target's path, or None when the target cannot answer the query."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _same_path(path: str) -> str:
    return path


@dataclass
class Target:
    name: str
    python: Path
    app: str
    cwd: Path
    env: dict[str, str]
    ready_path: str
    mapper: Mapper = _same_path
    workers: int = 2
    peer: bool = False
    """A peer may fail a query (recorded as unanswered); the generated app may not."""
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    port: int = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60) -> float:
        """Start gunicorn and wait until the app answers; returns the start-up time in s."""
        self.port = free_port()
        shutil.rmtree(self.stats_dir, ignore_errors=True)
        self.stats_dir.mkdir(parents=True)
        env = {
            **self.env,
            "BENCH_BIND": f"127.0.0.1:{self.port}",
            "BENCH_WORKERS": str(self.workers),
            "BENCH_COUNT_SQL": "1",
            "BENCH_STATS_DIR": str(self.stats_dir),
        }
        argv = [str(self.python), "-m", "gunicorn", "-c", str(GUNICORN_CONF), self.app]
        started = time.perf_counter()
        with self.log_path.open("wb") as log:  # a file, not a pipe: a full pipe blocks workers
            self.process = subprocess.Popen(
                argv, cwd=self.cwd, env=env, stdout=log, stderr=subprocess.STDOUT
            )
        deadline = started + timeout
        while time.perf_counter() < deadline:
            if self.process.poll() is not None:
                output = self.log_path.read_text(errors="replace")[-3000:]
                raise RuntimeError(f"{self.name} exited while starting:\n{output}")
            try:
                urllib.request.urlopen(self.base + self.ready_path, timeout=5).read()
                return time.perf_counter() - started
            except (OSError, urllib.error.HTTPError):
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"{self.name} did not answer {self.ready_path} in {timeout} s")

    def stop(self) -> None:
        shutil.rmtree(self.stats_dir, ignore_errors=True)
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    @property
    def stats_dir(self) -> Path:
        return Path(tempfile.gettempdir()) / f"dxgen-bench-stats-{os.getpid()}-{self.name}"

    @property
    def log_path(self) -> Path:
        """The server's output (kept after the run, next to nothing else of the target's)."""
        return Path(tempfile.gettempdir()) / f"dxgen-bench-{self.name}.log"

    def served(self) -> int:
        """Requests the workers have finished, from the counters gunicorn_conf.py writes."""
        return sum(int(f.read_text() or 0) for f in self.stats_dir.iterdir())

    def settled(self, poll: float = 0.1, limit: float = 30) -> tuple[float, int]:
        """(CPU seconds, requests served) once in-flight requests have finished."""
        deadline = time.perf_counter() + limit
        last = self.served()
        while time.perf_counter() < deadline:
            time.sleep(poll)
            now = self.served()
            if now == last:
                break
            last = now
        return self.cpu_seconds(), last

    def cpu_seconds(self) -> float:
        """User + system CPU of the gunicorn master and its workers so far."""
        assert self.process is not None
        return sum(_cpu_seconds(pid) for pid in _process_tree(self.process.pid))

    def worker_pids(self) -> list[int]:
        assert self.process is not None
        return _process_tree(self.process.pid)[1:]


def _process_tree(pid: int) -> list[int]:
    pids = [pid]
    for parent in pids:
        for task in Path(f"/proc/{parent}/task").glob("*"):
            try:
                pids.extend(int(c) for c in (task / "children").read_text().split())
            except OSError:
                continue
    return pids


def _cpu_seconds(pid: int) -> float:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime


def target_env(db_url: str) -> dict[str, str]:
    """The environment every target gets: the database, a SECRET and no rate limiting."""
    return {
        **os.environ,
        "DB_URL": db_url,
        "SECRET": os.environ.get("SECRET", "dxgen-benchmark-secret-0123456789abcdef0123456789"),
        "RATE_LIMITER_ENABLED": "false",
        "PYTHONPATH": str(REPO),
    }
