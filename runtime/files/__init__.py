"""Files and assets (Directus's `/files` and `/assets`): storage locations, streamed uploads with
sniffed types and limits, and served content with ranges, validators and image transforms.

`install(app)` is called by `dxgen.runtime.web` while the app is built.
"""

from __future__ import annotations

from flask import Flask

from dxgen.runtime.files.routes import blueprint
from dxgen.runtime.files.runtime import EXTENSION_KEY, FilesRuntime


def install(app: Flask) -> None:
    settings = app.extensions["dxgen"].settings
    app.extensions[EXTENSION_KEY] = FilesRuntime.from_settings(settings)
    app.register_blueprint(blueprint)


__all__ = ["install"]
