"""The issue's acceptance check: a file uploaded with `@directus/sdk`'s `uploadFiles` reads back
through `/assets/:id` with a transform, over real HTTP, as a Directus client would do it."""

from __future__ import annotations

import base64
import io
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from tests.auth_helpers import ADMIN_TOKEN
from tests.httpserver import serving
from tests.test_files import files_app_on, png_bytes

NODE_DIR = Path(__file__).parent / "node"
nodeenv = pytest.importorskip(
    "tests.nodeenv", reason="tests/nodeenv.py (the @directus/sdk install) is not in this checkout"
)


@pytest.fixture
def base_url(tmp_path: Path) -> Iterator[str]:
    """A files app (SQLite: what the SDK sees is the same on every backend, and /files is
    tested per backend elsewhere) served over HTTP on a free port for the duration of a test."""
    with files_app_on("sqlite", tmp_path) as served, serving(served.app) as base:
        yield base


def test_sdk_upload_reads_back_transformed(base_url: str, tmp_path: Path) -> None:
    nodeenv.node_modules()
    source = tmp_path / "source.png"
    source.write_bytes(png_bytes((40, 20), "red"))
    result = subprocess.run(
        ["node", str(NODE_DIR / "files_sdk.mjs"), base_url, ADMIN_TOKEN, str(source)],
        cwd=NODE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout.strip().splitlines()[-1])
    record = output["record"]
    assert (record["title"], record["filename_download"]) == ("From the SDK", "sdk upload.png")
    assert (record["type"], record["width"], record["height"]) == ("image/png", 40, 20)
    image = Image.open(io.BytesIO(base64.b64decode(output["asset"])))
    assert (image.format, image.size) == ("JPEG", (10, 10))
    red, green, blue = image.convert("RGB").getpixel((5, 5))
    assert red > 200 and green < 60 and blue < 60
