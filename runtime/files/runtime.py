"""The files feature's per-app state: storage locations and limits, built once at start-up."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from dxgen.runtime.config import Settings
from dxgen.runtime.errors import InvalidPayloadError
from dxgen.runtime.files.storage import Storage, open_locations

EXTENSION_KEY = "dxgen_files"


@dataclass(frozen=True)
class FilesRuntime:
    settings: Settings
    locations: dict[str, Storage]

    @classmethod
    def from_settings(cls, settings: Settings) -> FilesRuntime:
        return cls(settings, open_locations(settings))

    @property
    def default_location(self) -> str:
        return next(iter(self.locations))

    def location(self, name: str) -> Storage:
        """The storage called `name`; an unknown one is the client's mistake (a 400)."""
        try:
            return self.locations[name]
        except KeyError:
            raise InvalidPayloadError(f'Storage location "{name}" does not exist') from None


def files_runtime() -> FilesRuntime:
    return current_app.extensions[EXTENSION_KEY]
