"""`/files`: uploads (multipart and JSON), replacement, deletion, limits, MIME sniffing, names,
and the `cover.*` many-to-one from a user table to `directus_files`.

The app is generated from a small database whose `articles.cover` references `dxgen_files`, on
every backend; uploads land in a per-session storage root that the tests inspect directly.
"""

from __future__ import annotations

import io
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from werkzeug.datastructures import MultiDict

from dxgen.introspect import introspect
from dxgen.runtime.files.names import safe_filename
from dxgen.runtime.system import ensure_schema
from dxgen.schema import Relation
from tests.conftest import assert_error, generate_app
from tests.services import BACKENDS, fresh_database

ARTICLES_DDL = {
    "sqlite": "CREATE TABLE articles (id INTEGER PRIMARY KEY, title VARCHAR(100) NOT NULL, "
    "cover VARCHAR(36) REFERENCES dxgen_files(id))",
    "postgresql": "CREATE TABLE articles (id SERIAL PRIMARY KEY, title VARCHAR(100) NOT NULL, "
    "cover UUID REFERENCES dxgen_files(id))",
    "mariadb": "CREATE TABLE articles (id INT AUTO_INCREMENT PRIMARY KEY, "
    "title VARCHAR(100) NOT NULL, cover VARCHAR(36), "
    "FOREIGN KEY (cover) REFERENCES dxgen_files(id))",
}


@dataclass
class FilesApp:
    """A generated app with dxgen's tables, an `articles.cover` file relation and its storage."""

    backend: str
    url: str
    app: Flask
    root: Path
    package: Any

    @property
    def client(self) -> FlaskClient:
        return self.app.test_client()

    def variant(self, **environ: str) -> Flask:
        """Another app on the same database and storage with some variables set."""
        with _environ(STORAGE_LOCAL_ROOT=str(self.root), **environ):
            return self.package.create_app({"DB_URL": self.url})

    def stored(self) -> set[str]:
        """Names in the storage root (temporary upload files excluded)."""
        if not self.root.is_dir():
            return set()
        return {p.name for p in self.root.iterdir() if not p.name.startswith(".upload-")}


class _environ:
    """Set environment variables for the duration of a `with` block."""

    def __init__(self, **values: str) -> None:
        self.values = values
        self.saved: dict[str, str | None] = {}

    def __enter__(self) -> None:
        for name, value in self.values.items():
            self.saved[name] = os.environ.get(name)
            os.environ[name] = value

    def __exit__(self, *exc: object) -> None:
        for name, value in self.saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextmanager
def files_app_on(backend: str, tmp: Path) -> Iterator[FilesApp]:
    """A fresh database on `backend` with dxgen's tables and `articles`, and its generated app."""
    with fresh_database(backend, tmp) as url:
        engine = sa.create_engine(url)
        ensure_schema(engine)
        with engine.begin() as conn:
            conn.exec_driver_sql(ARTICLES_DDL[backend])
        engine.dispose()
        package = generate_app(url, tmp / "app", f"files_{backend}")
        root = tmp / "uploads"
        with _environ(STORAGE_LOCAL_ROOT=str(root)):
            app = package.create_app({"DB_URL": url})
        yield FilesApp(backend, url, app, root, package)
        app.extensions["dxgen"].engine.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def files_app(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[FilesApp]:
    with files_app_on(request.param, tmp_path_factory.mktemp(f"files_{request.param}")) as app:
        yield app


def png_bytes(size: tuple[int, int] = (40, 20), color: str = "red", mode: str = "RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, color).save(out, "PNG")
    return out.getvalue()


def upload(
    client: FlaskClient,
    files: list[tuple[str, bytes]] | tuple[str, bytes],
    fields: dict[str, str] | None = None,
    path: str = "/files",
    method: str = "post",
    content_type: str = "application/octet-stream",
) -> Any:
    """A multipart request: text fields first, then the file parts, as Directus requires."""
    parts: list[tuple[str, Any]] = list((fields or {}).items())
    for name, content in files if isinstance(files, list) else [files]:
        parts.append(("file", (io.BytesIO(content), name, content_type)))
    return getattr(client, method)(path, data=MultiDict(parts), content_type="multipart/form-data")


def uploaded(files_app: FilesApp, name: str, content: bytes, **fields: str) -> dict[str, Any]:
    response = upload(files_app.client, (name, content), fields)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["data"]


# -- uploading ---------------------------------------------------------------------------------


def test_upload_text_file_records_metadata(files_app: FilesApp) -> None:
    data = uploaded(files_app, "release notes.txt", b"hello, files\n")
    assert data["filename_download"] == "release notes.txt"
    assert data["title"] == "Release Notes"
    assert data["type"] == "text/plain"
    assert data["filesize"] == "13"  # bigInteger: a string on the wire
    assert data["storage"] == "local"
    assert data["filename_disk"] == f"{data['id']}.txt"
    assert data["width"] is None and data["height"] is None
    assert uuid.UUID(data["id"])
    assert (files_app.root / data["filename_disk"]).read_bytes() == b"hello, files\n"


def test_upload_image_records_dimensions_and_sniffed_type(files_app: FilesApp) -> None:
    # the client claims a text file; the content is a PNG, and the record says so
    response = upload(files_app.client, ("red.png", png_bytes()), content_type="text/plain")
    data = response.get_json()["data"]
    assert (data["type"], data["width"], data["height"]) == ("image/png", 40, 20)


def test_text_fields_before_the_file_apply_to_it(files_app: FilesApp) -> None:
    fields = {"title": "My red", "description": "null", "filename_download": "x.png"}
    data = uploaded(files_app, "red image.png", png_bytes(), **fields)
    assert data["title"] == "My red"
    assert data["description"] is None
    assert data["filename_download"] == "x.png"


def test_several_files_in_one_request_answer_a_list(files_app: FilesApp) -> None:
    response = upload(files_app.client, [("a.txt", b"first"), ("b.bin", bytes(range(256)))])
    assert response.status_code == 200
    data = response.get_json()["data"]
    assert [d["filename_download"] for d in data] == ["a.txt", "b.bin"]
    assert [d["type"] for d in data] == ["text/plain", "application/octet-stream"]
    assert (files_app.root / data[1]["filename_disk"]).read_bytes() == bytes(range(256))


def test_upload_without_a_file_is_rejected(files_app: FilesApp) -> None:
    response = files_app.client.post(
        "/files", data={"title": "x"}, content_type="multipart/form-data"
    )
    assert_error(
        response, 400, "INVALID_PAYLOAD", "Invalid payload. No files were included in the body."
    )


def test_upload_bigger_than_the_limit_is_413_and_leaves_nothing(files_app: FilesApp) -> None:
    app = files_app.variant(FILES_MAX_UPLOAD_SIZE="1000")
    before_files = app.test_client().get("/files?aggregate[count]=*").get_json()["data"]
    before_objects = files_app.stored()
    response = upload(app.test_client(), ("big.bin", b"x" * 1001))
    assert_error(response, 413, "CONTENT_TOO_LARGE", "Uploaded content is too large.")
    assert app.test_client().get("/files?aggregate[count]=*").get_json()["data"] == before_files
    assert files_app.stored() == before_objects
    assert upload(app.test_client(), ("fits.bin", b"x" * 1000)).status_code == 200


def test_text_fields_are_bounded_by_max_payload_size(files_app: FilesApp) -> None:
    app = files_app.variant(MAX_PAYLOAD_SIZE="1000")
    fields = {f"f{n}": "x" * 100 for n in range(11)}  # each small, together over the limit
    response = upload(app.test_client(), ("a.txt", b"x"), fields)
    assert_error(response, 400, "INVALID_PAYLOAD", "Invalid payload. Form fields are too large.")


def test_upload_larger_than_max_payload_size_streams(files_app: FilesApp) -> None:
    content = os.urandom(3 * 1024 * 1024 + 17)  # MAX_PAYLOAD_SIZE (1 MB) is for JSON bodies
    data = uploaded(files_app, "blob.bin", content)
    assert data["filesize"] == str(len(content))
    assert (files_app.root / data["filename_disk"]).read_bytes() == content


def test_mime_allow_list_rejects_by_content_not_by_claim(files_app: FilesApp) -> None:
    app = files_app.variant(FILES_MIME_TYPE_ALLOW_LIST="image/*")
    objects = files_app.stored()
    response = upload(app.test_client(), ("fake.png", b"just text"), content_type="image/png")
    assert_error(
        response, 400, "INVALID_PAYLOAD", "Invalid payload. File is of invalid content type."
    )
    assert files_app.stored() == objects
    assert upload(app.test_client(), ("real.png", png_bytes())).status_code == 200


@pytest.mark.parametrize(
    ("name", "download"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\app.py", "app.py"),
        ("/absolute/evil.sh", "evil.sh"),
        ("tab\there<>|.txt", "tab_here___.txt"),
    ],
)
def test_path_traversal_in_filenames_is_neutralised(
    files_app: FilesApp, name: str, download: str
) -> None:
    data = uploaded(files_app, name, b"payload")
    assert data["filename_download"] == download
    assert (files_app.root / data["filename_disk"]).read_bytes() == b"payload"
    assert "/" not in data["filename_disk"] and ".." not in data["filename_disk"]


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        ("C:\\Users\\me\\a:b*c?.txt", "a_b_c_.txt"),
        ("..\\..\\app.py", "app.py"),
        ("../", None),
        ('quo"te\x00.txt', "quo_te_.txt"),
        (".hidden", "hidden"),
        ("x" * 300 + ".png", "x" * 251 + ".png"),
    ],
)
def test_safe_filename(raw: str, safe: str | None) -> None:
    assert safe_filename(raw) == safe


def test_a_file_part_without_a_usable_name_is_rejected(files_app: FilesApp) -> None:
    response = upload(files_app.client, ("..", b"payload"))
    assert_error(response, 400, "INVALID_PAYLOAD", "Invalid payload. File is missing filename.")


def test_clients_cannot_choose_where_the_bytes_are_read_from(files_app: FilesApp) -> None:
    data = uploaded(files_app, "a.txt", b"mine")
    body = {"filename_disk": "../../../etc/passwd", "filesize": 1, "title": "renamed"}
    response = files_app.client.patch(f"/files/{data['id']}", json=body)
    assert response.status_code == 200
    after = response.get_json()["data"]
    assert (after["filename_disk"], after["filesize"], after["title"]) == (
        data["filename_disk"],
        "4",
        "renamed",
    )


# -- JSON records, reading, replacing, deleting -------------------------------------------------


def test_json_create_makes_a_metadata_only_record(files_app: FilesApp) -> None:
    body = {"type": "video/mp4", "filename_download": "talk.mp4", "embed": "talk-42"}
    response = files_app.client.post("/files", json=body)
    data = response.get_json()["data"]
    assert (data["type"], data["filename_disk"], data["storage"]) == ("video/mp4", None, "local")
    missing_type = files_app.client.post("/files", json={"filename_download": "x"})
    assert_error(missing_type, 400, "INVALID_PAYLOAD", 'Invalid payload. "type" is required.')


def test_files_are_listed_filtered_and_read_like_items(files_app: FilesApp) -> None:
    data = uploaded(files_app, "findme.txt", b"x")
    listed = files_app.client.get(
        "/files",
        query_string={"filter[filename_download][_eq]": "findme.txt", "fields": "id,title"},
    )
    assert listed.get_json()["data"] == [{"id": data["id"], "title": "Findme"}]
    one = files_app.client.get(f"/files/{data['id']}?fields=filesize").get_json()
    assert one == {"data": {"filesize": "1"}}
    assert_error(files_app.client.get(f"/files/{uuid.uuid4()}"), 403, "FORBIDDEN")


def test_patch_multipart_replaces_the_content(files_app: FilesApp) -> None:
    data = uploaded(files_app, "doc.txt", b"version one")
    old_key = data["filename_disk"]
    response = upload(
        files_app.client,
        ("picture.png", png_bytes((8, 6))),
        {"title": "Now a picture"},
        path=f"/files/{data['id']}",
        method="patch",
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    after = response.get_json()["data"]
    assert (after["id"], after["title"], after["type"]) == (
        data["id"],
        "Now a picture",
        "image/png",
    )
    assert (after["width"], after["height"], after["filename_download"]) == (8, 6, "picture.png")
    assert after["filename_disk"] == f"{data['id']}.png"
    assert not (files_app.root / old_key).exists()
    assert (files_app.root / after["filename_disk"]).read_bytes() == png_bytes((8, 6))


def test_delete_removes_record_and_stored_object(files_app: FilesApp) -> None:
    data = uploaded(files_app, "gone.txt", b"bye")
    path = files_app.root / data["filename_disk"]
    assert path.exists()
    assert files_app.client.delete(f"/files/{data['id']}").status_code == 204
    assert not path.exists()
    assert_error(files_app.client.get(f"/files/{data['id']}"), 403, "FORBIDDEN")


def test_batch_delete_removes_every_object(files_app: FilesApp) -> None:
    keys = [uploaded(files_app, f"{n}.txt", b"n") for n in range(3)]
    response = files_app.client.delete("/files", json=[k["id"] for k in keys])
    assert response.status_code == 204
    assert not any((files_app.root / k["filename_disk"]).exists() for k in keys)


# -- relations ---------------------------------------------------------------------------------


def test_a_foreign_key_to_files_expands_through_cover(files_app: FilesApp) -> None:
    data = uploaded(files_app, "cover.png", png_bytes((30, 10)))
    created = files_app.client.post(
        "/items/articles", json={"title": "With cover", "cover": data["id"]}
    )
    assert created.status_code == 200, created.get_data(as_text=True)
    article = created.get_json()["data"]
    response = files_app.client.get(
        f"/items/articles/{article['id']}", query_string={"fields": "title,cover.*"}
    )
    cover = response.get_json()["data"]["cover"]
    assert (cover["id"], cover["type"], cover["width"]) == (data["id"], "image/png", 30)
    filtered = files_app.client.get(
        "/items/articles", query_string={"filter[cover][type][_eq]": "image/png", "fields": "title"}
    )
    assert {"title": "With cover"} in filtered.get_json()["data"]


def test_introspection_relates_file_foreign_keys_to_directus_files(files_app: FilesApp) -> None:
    model = introspect(files_app.url)
    assert Relation("m2o", "articles", "cover", "directus_files", "id") in model.relations
    assert not [r for r in model.relations if "directus_files" in (r.collection, r.far_collection)]
    assert not [w for w in model.warnings if "dxgen_files" in w]
