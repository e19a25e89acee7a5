"""Image transformations of `/assets`: Directus's query parameters, validated, applied by Pillow.

`width`, `height`, `fit` (cover|contain|inside|outside), `format` (jpg|jpeg|png|webp|tiff|avif|
auto), `quality`, `withoutEnlargement`, `focal_point_x`/`focal_point_y` (the pixel a cover crop
keeps in view; the file's own focal point by default), the system presets
(`key=system-small-cover`…) and a small `transforms` list (`[["rotate",90],["flip"]]`) of the
sharp operations that have a direct Pillow counterpart. Anything else is 400
ILLEGAL_ASSET_TRANSFORMATION naming the offending parameters.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any, BinaryIO

import orjson
from PIL import Image, ImageFilter, ImageOps, features

from dxgen.runtime.errors import DirectusError

FITS = ("cover", "contain", "inside", "outside")
# format parameter -> (Pillow format, MIME type, extension)
FORMATS = {
    "jpg": ("JPEG", "image/jpeg", ".jpg"),
    "jpeg": ("JPEG", "image/jpeg", ".jpg"),
    "png": ("PNG", "image/png", ".png"),
    "webp": ("WEBP", "image/webp", ".webp"),
    "tiff": ("TIFF", "image/tiff", ".tiff"),
    "avif": ("AVIF", "image/avif", ".avif"),
}
FORMAT_OF_TYPE = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}
FORMAT_OF_TYPE.update({"image/tiff": "tiff", "image/avif": "avif"})
TRANSFORMABLE_TYPES = frozenset(FORMAT_OF_TYPE)  # Directus's SUPPORTED_IMAGE_TRANSFORM_FORMATS
PRESETS = {  # Directus's system presets
    "system-small-cover": {"width": 64, "height": 64, "fit": "cover"},
    "system-small-contain": {"width": 64, "fit": "contain"},
    "system-medium-cover": {"width": 300, "height": 300, "fit": "cover"},
    "system-medium-contain": {"width": 300, "fit": "contain"},
    "system-large-cover": {"width": 800, "height": 800, "fit": "cover"},
    "system-large-contain": {"width": 800, "fit": "contain"},
}
PARAMETERS = (
    "width",
    "height",
    "fit",
    "format",
    "quality",
    "withoutEnlargement",
    "focal_point_x",
    "focal_point_y",
    "key",
)


class IllegalAssetTransformationError(DirectusError):
    status = 400
    code = "ILLEGAL_ASSET_TRANSFORMATION"

    def __init__(self, invalid: list[str]) -> None:
        super().__init__("Illegal asset transformation.", invalidTransformations=invalid)


def avif_supported() -> bool:
    return bool(features.check("avif"))


@dataclass(frozen=True)
class Transform:
    """A validated request for a transformed image; `format` None keeps the source format."""

    width: int | None = None
    height: int | None = None
    fit: str = "cover"
    format: str | None = None
    quality: int | None = None
    without_enlargement: bool = False
    operations: tuple[tuple[Any, ...], ...] = ()
    focal_point_x: int | None = None
    focal_point_y: int | None = None

    def focused(self, x: int | None, y: int | None) -> Transform:
        """This transform with the file's focal point where the request named none."""
        if self.focal_point_x is not None or self.focal_point_y is not None:
            return self
        return replace(self, focal_point_x=x, focal_point_y=y)

    def digest(self, source_version: str) -> str:
        """Names the cached variant: the same request on the same content, the same name."""
        text = orjson.dumps([repr(self), source_version])
        return hashlib.sha256(text).hexdigest()[:20]


def parse_transform(
    args: Mapping[str, str], accept: str, max_dimension: int, max_operations: int
) -> Transform | None:
    """The transform `args` ask for, or None when they ask for none."""
    values = dict(PRESETS.get(args["key"], {})) if "key" in args else {}
    values.update({k: args[k] for k in PARAMETERS if k in args and k != "key"})
    invalid = [] if "key" not in args or args["key"] in PRESETS else ["key"]
    if "key" in args and args["key"] in PRESETS:
        values.setdefault("format", "auto")
    parsed: dict[str, Any] = {}
    for name, parse in _PARSERS.items():
        if name in values:
            try:
                parsed[name] = parse(str(values[name]), max_dimension)
            except ValueError:
                invalid.append(name)
    if "transforms" in args:
        try:
            parsed["operations"] = _operations(args["transforms"], max_operations)
        except ValueError:
            invalid.append("transforms")
    if invalid:
        raise IllegalAssetTransformationError(invalid)
    if not parsed:
        return None
    if parsed.get("format") == "auto":
        parsed["format"] = _format_for(accept)
    return Transform(**{_ATTRIBUTES.get(k, k): v for k, v in parsed.items()})


def _dimension(raw: str, maximum: int) -> int:
    value = int(raw)
    if not 0 < value <= maximum:
        raise ValueError(raw)
    return value


def _quality(raw: str, maximum: int) -> int:
    value = int(raw)
    if not 1 <= value <= 100:
        raise ValueError(raw)
    return value


def _coordinate(raw: str, maximum: int) -> int:
    value = int(raw)
    if value < 0:
        raise ValueError(raw)
    return value


def _choice(options: tuple[str, ...]) -> Callable[[str, int], str]:
    def parse(raw: str, maximum: int) -> str:
        if raw not in options:
            raise ValueError(raw)
        return raw

    return parse


def _flag(raw: str, maximum: int) -> bool:
    if raw.lower() not in ("", "true", "false", "1", "0"):
        raise ValueError(raw)
    return raw.lower() in ("", "true", "1")


def _format_choice(raw: str, maximum: int) -> str:
    if raw == "auto" or (raw in FORMATS and (raw != "avif" or avif_supported())):
        return raw
    raise ValueError(raw)


_PARSERS: dict[str, Callable[[str, int], Any]] = {
    "width": _dimension,
    "height": _dimension,
    "fit": _choice(FITS),
    "format": _format_choice,
    "quality": _quality,
    "withoutEnlargement": _flag,
    "focal_point_x": _coordinate,
    "focal_point_y": _coordinate,
}
_ATTRIBUTES = {"withoutEnlargement": "without_enlargement"}


def _format_for(accept: str) -> str | None:
    """`format=auto`: AVIF, then WebP when the client accepts them, else the source format."""
    if "image/avif" in accept and avif_supported():
        return "avif"
    if "image/webp" in accept:
        return "webp"
    return None


# -- operations (`transforms`) -----------------------------------------------------------------


def _rotate(image: Image.Image, degrees: Any = 0) -> Image.Image:
    if isinstance(degrees, bool) or not isinstance(degrees, int | float):
        raise ValueError(degrees)
    return image.rotate(-degrees, expand=True)  # sharp rotates clockwise, Pillow anticlockwise


def _blur(image: Image.Image, sigma: Any = 1) -> Image.Image:
    if isinstance(sigma, bool) or not isinstance(sigma, int | float) or not 0.3 <= sigma <= 100:
        raise ValueError(sigma)
    return image.filter(ImageFilter.GaussianBlur(sigma))


def _grayscale(image: Image.Image) -> Image.Image:
    return ImageOps.grayscale(image)


def _negate(image: Image.Image) -> Image.Image:
    return ImageOps.invert(image.convert("RGB"))


OPERATIONS: dict[str, Callable[..., Image.Image]] = {
    "rotate": _rotate,
    "flip": ImageOps.flip,  # sharp: vertical
    "flop": ImageOps.mirror,  # sharp: horizontal
    "grayscale": _grayscale,
    "greyscale": _grayscale,
    "blur": _blur,
    "negate": _negate,
}
_ARITY = {"rotate": 1, "blur": 1}


def _operations(raw: str, maximum: int) -> tuple[tuple[Any, ...], ...]:
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise ValueError(raw) from None
    if not isinstance(value, list) or len(value) > maximum:
        raise ValueError(raw)
    result = []
    for operation in value:
        if not isinstance(operation, list) or not operation or operation[0] not in OPERATIONS:
            raise ValueError(raw)
        if len(operation) - 1 > _ARITY.get(operation[0], 0):
            raise ValueError(raw)
        result.append(tuple(operation))
    return tuple(result)


# -- applying ----------------------------------------------------------------------------------


def output_format(transform: Transform, source_type: str) -> str:
    return transform.format or FORMAT_OF_TYPE[source_type]


def _target_size(transform: Transform, size: tuple[int, int]) -> tuple[int, int] | None:
    """The size the fit asks for, or None when nothing is to be resized."""
    width, height = size
    if transform.width is None and transform.height is None:
        return None
    if transform.width is None or transform.height is None:
        scale = (transform.width / width) if transform.width else (transform.height or 0) / height
        target = (max(1, round(width * scale)), max(1, round(height * scale)))
    else:
        target = (transform.width, transform.height)
    if transform.without_enlargement and (target[0] > width or target[1] > height):
        return None
    return target


def _resize(image: Image.Image, transform: Transform) -> Image.Image:
    target = _target_size(transform, image.size)
    if target is None:
        return image
    if transform.width is None or transform.height is None:
        return image.resize(target, Image.Resampling.LANCZOS)
    if transform.fit == "cover":
        return ImageOps.fit(
            image, target, Image.Resampling.LANCZOS, centering=_centering(transform, image.size)
        )
    if transform.fit == "contain":
        background = (0, 0, 0, 0) if "A" in image.getbands() else (0, 0, 0)
        return ImageOps.pad(image, target, Image.Resampling.LANCZOS, color=background)
    if transform.fit == "inside":
        return ImageOps.contain(image, target, Image.Resampling.LANCZOS)
    scale = max(target[0] / image.width, target[1] / image.height)  # outside
    size = (math.ceil(image.width * scale), math.ceil(image.height * scale))
    return image.resize(size, Image.Resampling.LANCZOS)


def _centering(transform: Transform, size: tuple[int, int]) -> tuple[float, float]:
    """Where a cover crop is centred, as fractions of the source: the focal point, else the
    middle."""
    x, y = transform.focal_point_x, transform.focal_point_y
    return (
        0.5 if x is None else min(1.0, x / size[0]),
        0.5 if y is None else min(1.0, y / size[1]),
    )


def render(
    source: BinaryIO, transform: Transform, source_type: str, max_dimension: int, out: BinaryIO
) -> str:
    """Write the transformed image to `out`; returns its MIME type. Sources larger than
    `max_dimension` either way are refused before any pixel is decoded."""
    try:
        with Image.open(source) as opened:
            if max(opened.size) > max_dimension:
                raise IllegalAssetTransformationError(["width", "height"])
            image = ImageOps.exif_transpose(opened)
            image = _resize(image, transform)
            for name, *args in transform.operations:
                image = OPERATIONS[name](image, *args)
            pillow_format, mime_type, _ = FORMATS[output_format(transform, source_type)]
            image = _for_format(image, pillow_format)
            options = {} if transform.quality is None else {"quality": transform.quality}
            image.save(out, pillow_format, **options)
    except (OSError, ValueError, Image.DecompressionBombError) as error:
        raise IllegalAssetTransformationError(["format"]) from error
    return mime_type


def _for_format(image: Image.Image, pillow_format: str) -> Image.Image:
    """JPEG has no alpha or palette: flatten onto white like sharp's default for jpeg output."""
    if pillow_format == "JPEG" and image.mode not in ("RGB", "L", "CMYK"):
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    if image.mode == "P":
        return image.convert("RGBA")
    return image
