"""`/assets/<id>`: byte-exact downloads, Directus's headers, ranges, revalidation, image
transforms (checked by decoding the result), their limits and cache, and read permissions."""

from __future__ import annotations

import io
import os
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any

import pytest
from PIL import Image, features

from tests.auth_helpers import anonymous, grant, revoke_all
from tests.conftest import assert_error
from tests.test_files import FilesApp, files_app, png_bytes, upload, uploaded

__all__ = ["files_app"]  # the fixture, shared with test_files

TEXT = "Grüße, assets!\n".encode()
BINARY = os.urandom(70_001)


@pytest.fixture
def image(files_app: FilesApp) -> dict[str, Any]:
    return uploaded(files_app, "red image.png", png_bytes((40, 20)))


def decoded(response: Any) -> Image.Image:
    assert response.status_code == 200, response.get_data(as_text=True)
    return Image.open(io.BytesIO(response.get_data()))


# -- serving ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("notes.txt", TEXT, "text/plain"),
        ("blob.bin", BINARY, "application/octet-stream"),
        ("red.png", png_bytes((40, 20)), "image/png"),
    ],
)
def test_round_trip_is_byte_exact(
    files_app: FilesApp, name: str, content: bytes, content_type: str
) -> None:
    data = uploaded(files_app, name, content)
    response = files_app.client.get(f"/assets/{data['id']}")
    assert response.status_code == 200
    assert response.get_data() == content
    assert response.headers["Content-Type"] == content_type
    assert response.headers["Content-Length"] == str(len(content))
    also = files_app.client.get(f"/assets/{data['id']}/any-name-for-seo.{name.split('.')[-1]}")
    assert also.get_data() == content


def test_headers_follow_directus(files_app: FilesApp, image: dict[str, Any]) -> None:
    response = files_app.client.get(f"/assets/{image['id']}")
    headers = response.headers
    assert headers["Content-Disposition"] == 'inline; filename="red image.png"'
    assert headers["Accept-Ranges"] == "bytes"
    assert headers["Cache-Control"] == "private, max-age=2592000"
    assert headers["Vary"] == "Origin, Cache-Control"
    modified = parsedate_to_datetime(headers["Last-Modified"])
    assert headers["ETag"] == f'"{int(modified.timestamp())}"'
    response.close()  # a streamed body left unread is closed before the next request
    download = files_app.client.get(f"/assets/{image['id']}?download")
    assert download.headers["Content-Disposition"] == 'attachment; filename="red image.png"'
    download.close()


def test_non_ascii_names_get_an_rfc5987_filename(files_app: FilesApp) -> None:
    data = uploaded(files_app, "Grüße.txt", TEXT)
    with files_app.client.get(f"/assets/{data['id']}") as response:
        disposition = response.headers["Content-Disposition"]
    assert disposition == "inline; filename=\"Gr__e.txt\"; filename*=UTF-8''Gr%C3%BC%C3%9Fe.txt"


def test_revalidation_answers_304(files_app: FilesApp, image: dict[str, Any]) -> None:
    with files_app.client.get(f"/assets/{image['id']}") as first:
        etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    by_etag = files_app.client.get(f"/assets/{image['id']}", headers={"If-None-Match": etag})
    assert by_etag.status_code == 304 and by_etag.get_data() == b""
    by_date = files_app.client.get(
        f"/assets/{image['id']}", headers={"If-Modified-Since": modified}
    )
    assert by_date.status_code == 304
    stale = files_app.client.get(f"/assets/{image['id']}", headers={"If-None-Match": '"1"'})
    assert stale.status_code == 200
    stale.close()


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [("bytes=0-9", 0, 10), ("bytes=100-", 100, 70_001), ("bytes=-5", 69_996, 70_001)],
)
def test_range_requests(files_app: FilesApp, header: str, start: int, end: int) -> None:
    data = uploaded(files_app, "ranged.bin", BINARY)
    response = files_app.client.get(f"/assets/{data['id']}", headers={"Range": header})
    assert response.status_code == 206
    assert response.headers["Content-Range"] == f"bytes {start}-{end - 1}/70001"
    assert response.get_data() == BINARY[start:end]


def test_unsatisfiable_range_is_416(files_app: FilesApp) -> None:
    data = uploaded(files_app, "short.txt", b"0123456789")
    response = files_app.client.get(f"/assets/{data['id']}", headers={"Range": "bytes=20-30"})
    assert_error(response, 416, "RANGE_NOT_SATISFIABLE")
    assert response.headers["Content-Range"] == "bytes */10"


def test_several_ranges_or_a_stale_if_range_get_the_whole_file(files_app: FilesApp) -> None:
    data = uploaded(files_app, "whole.txt", b"0123456789")
    several = files_app.client.get(f"/assets/{data['id']}", headers={"Range": "bytes=0-1,4-5"})
    assert (several.status_code, several.get_data()) == (200, b"0123456789")
    stale = files_app.client.get(
        f"/assets/{data['id']}", headers={"Range": "bytes=0-1", "If-Range": '"1"'}
    )
    assert (stale.status_code, stale.get_data()) == (200, b"0123456789")


@pytest.mark.parametrize("key", ["not-a-uuid", "00000000-0000-4000-8000-000000000000"])
def test_unknown_or_malformed_ids_are_403(files_app: FilesApp, key: str) -> None:
    assert_error(
        files_app.client.get(f"/assets/{key}"),
        403,
        "FORBIDDEN",
        "You don't have permission to access this.",
    )


def test_a_record_without_content_has_no_asset(files_app: FilesApp) -> None:
    record = files_app.client.post("/files", json={"type": "image/png", "filename_download": "x"})
    assert_error(
        files_app.client.get(f"/assets/{record.get_json()['data']['id']}"), 403, "FORBIDDEN"
    )


# -- transforms -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "size"),
    [
        ("width=10&height=10&fit=cover", (10, 10)),
        ("width=20&height=20&fit=contain", (20, 20)),
        ("width=20&height=20&fit=inside", (20, 10)),
        ("width=20&height=20&fit=outside", (40, 20)),
        ("width=20", (20, 10)),
        ("height=5", (10, 5)),
        ("width=80&withoutEnlargement=true", (40, 20)),
        ("width=80", (80, 40)),
        ("key=system-small-cover", (64, 64)),
        ('transforms=[["rotate",90],["flop"]]', (20, 40)),
    ],
)
def test_resizing(files_app: FilesApp, image: dict[str, Any], query: str, size: tuple) -> None:
    response = files_app.client.get(f"/assets/{image['id']}?{query}")
    assert decoded(response).size == size


def test_the_contract_example_gives_a_small_red_jpeg(
    files_app: FilesApp, image: dict[str, Any]
) -> None:
    query = "width=10&height=10&fit=cover&format=jpg&quality=50"
    response = files_app.client.get(f"/assets/{image['id']}?{query}")
    assert response.headers["Content-Type"] == "image/jpeg"
    result = decoded(response)
    assert (result.format, result.size) == ("JPEG", (10, 10))
    red, green, blue = result.convert("RGB").getpixel((5, 5))
    assert red > 200 and green < 60 and blue < 60


def halves_png() -> bytes:
    """40x20: the left half red, the right half blue."""
    image = Image.new("RGB", (40, 20), "red")
    image.paste((0, 0, 255), (20, 0, 40, 20))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


@pytest.mark.parametrize(
    ("record_focus", "query", "color"),
    [
        (None, "focal_point_x=2&focal_point_y=10", (255, 0, 0)),
        (None, "focal_point_x=38&focal_point_y=10", (0, 0, 255)),
        ({"focal_point_x": 38, "focal_point_y": 10}, "", (0, 0, 255)),
        (
            {"focal_point_x": 38, "focal_point_y": 10},
            "focal_point_x=2&focal_point_y=10",
            (255, 0, 0),
        ),
    ],
)
def test_cover_crops_keep_the_focal_point(
    files_app: FilesApp, record_focus: dict | None, query: str, color: tuple
) -> None:
    data = uploaded(files_app, "halves.png", halves_png())
    if record_focus:
        files_app.client.patch(f"/files/{data['id']}", json=record_focus)
    url = f"/assets/{data['id']}?width=10&height=10&fit=cover&format=png&{query}"
    assert decoded(files_app.client.get(url)).convert("RGB").getpixel((5, 5)) == color


@pytest.mark.parametrize(
    ("fmt", "pillow_format", "content_type"),
    [
        ("png", "PNG", "image/png"),
        ("webp", "WEBP", "image/webp"),
        ("tiff", "TIFF", "image/tiff"),
        pytest.param(
            "avif",
            "AVIF",
            "image/avif",
            marks=pytest.mark.skipif(not features.check("avif"), reason="Pillow without AVIF"),
        ),
    ],
)
def test_output_formats(
    files_app: FilesApp, image: dict[str, Any], fmt: str, pillow_format: str, content_type: str
) -> None:
    response = files_app.client.get(f"/assets/{image['id']}?width=8&format={fmt}")
    assert response.headers["Content-Type"] == content_type
    assert decoded(response).format == pillow_format


def test_format_auto_follows_accept(files_app: FilesApp, image: dict[str, Any]) -> None:
    url = f"/assets/{image['id']}?width=8&format=auto"
    webp = files_app.client.get(url, headers={"Accept": "image/webp,*/*"})
    assert (decoded(webp).format, webp.headers["Vary"]) == ("WEBP", "Origin, Cache-Control, Accept")
    plain = files_app.client.get(url, headers={"Accept": "*/*"})
    assert decoded(plain).format == "PNG"  # the source's own format


@pytest.mark.parametrize(
    ("query", "invalid"),
    [
        ("width=0", ["width"]),
        ("width=abc&height=-1", ["width", "height"]),
        ("width=6001", ["width"]),
        ("fit=stretch", ["fit"]),
        ("format=gif", ["format"]),
        ("quality=101", ["quality"]),
        ("focal_point_x=-1", ["focal_point_x"]),
        ("key=no-such-preset", ["key"]),
        ('transforms=[["sharpen"]]', ["transforms"]),
        ('transforms=[["flip"],["flip"],["flip"],["flip"],["flip"],["flip"]]', ["transforms"]),
        ("transforms=not-json", ["transforms"]),
    ],
)
def test_illegal_transformations_are_400(
    files_app: FilesApp, image: dict[str, Any], query: str, invalid: list[str]
) -> None:
    response = files_app.client.get(f"/assets/{image['id']}?{query}")
    assert_error(response, 400, "ILLEGAL_ASSET_TRANSFORMATION", "Illegal asset transformation.")
    assert response.get_json()["errors"][0]["extensions"]["invalidTransformations"] == invalid


def test_sources_over_the_dimension_limit_are_not_transformed(files_app: FilesApp) -> None:
    app = files_app.variant(ASSETS_TRANSFORM_IMAGE_MAX_DIMENSION="30")
    data = uploaded(files_app, "wide.png", png_bytes((40, 20)))
    response = app.test_client().get(f"/assets/{data['id']}?width=10")
    assert_error(response, 400, "ILLEGAL_ASSET_TRANSFORMATION")
    assert app.test_client().get(f"/assets/{data['id']}").status_code == 200


def test_transforms_of_non_images_serve_the_original(files_app: FilesApp) -> None:
    data = uploaded(files_app, "notes.txt", TEXT)
    response = files_app.client.get(f"/assets/{data['id']}?width=10&format=png")
    assert (response.headers["Content-Type"], response.get_data()) == ("text/plain", TEXT)


def test_variants_are_cached_on_storage_and_deleted_with_the_file(files_app: FilesApp) -> None:
    data = uploaded(files_app, "cached.png", png_bytes((40, 20)))
    url = f"/assets/{data['id']}?width=12&format=webp"
    first = files_app.client.get(url)
    variants = {n for n in files_app.stored() if n.startswith(f"{data['id']}__")}
    assert len(variants) == 1 and variants.pop().endswith(".webp")
    second = files_app.client.get(url)
    assert second.get_data() == first.get_data()
    assert second.headers["ETag"] == first.headers["ETag"] != f'"{data["id"]}"'
    assert (
        files_app.client.get(url, headers={"If-None-Match": first.headers["ETag"]}).status_code
        == 304
    )
    assert files_app.client.delete(f"/files/{data['id']}").status_code == 204
    assert not any(n.startswith(data["id"]) for n in files_app.stored())


def test_replacing_content_drops_stale_variants(files_app: FilesApp) -> None:
    data = uploaded(files_app, "swap.png", png_bytes((40, 20), "red"))
    url = f"/assets/{data['id']}?width=4&height=4&format=png"
    assert decoded(files_app.client.get(url)).convert("RGB").getpixel((2, 2)) == (255, 0, 0)
    replaced = upload(
        files_app.client,
        ("swap.png", png_bytes((40, 20), "blue")),
        path=f"/files/{data['id']}",
        method="patch",
    )
    assert replaced.status_code == 200
    assert decoded(files_app.client.get(url)).convert("RGB").getpixel((2, 2)) == (0, 0, 255)


# -- permissions ------------------------------------------------------------------------------


def test_public_reads_assets_only_when_granted(files_app: FilesApp, image: dict[str, Any]) -> None:
    app = files_app.app
    public = anonymous(app)
    url = f"/assets/{image['id']}"
    message = (
        'You don\'t have permission to access collection "directus_files" or it does not exist. '
        "Queried in root."
    )
    assert_error(public.get(url), 403, "FORBIDDEN", message)
    try:
        grant(app, None, "directus_files", "read", permissions={"type": {"_eq": "image/png"}})
        assert public.get(url).get_data() == png_bytes((40, 20))
        text = uploaded(files_app, "secret.txt", b"not for you")
        assert_error(public.get(f"/assets/{text['id']}"), 403, "FORBIDDEN")
        assert (
            public.post("/files", json={"type": "text/plain", "filename_download": "x"}).status_code
            == 403
        )
    finally:
        revoke_all(app, None)
    assert_error(public.get(url), 403, "FORBIDDEN")


def test_last_modified_is_an_http_date(files_app: FilesApp, image: dict[str, Any]) -> None:
    header = files_app.client.get(f"/assets/{image['id']}").headers["Last-Modified"]
    parsed = parsedate_to_datetime(header)
    assert format_datetime(parsed, usegmt=True) == header
