"""dxgen: generate a standalone Flask app serving Directus's REST API over an existing database."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("dxgen")
except PackageNotFoundError:  # running from a source tree without installing
    __version__ = "0.0.0"
