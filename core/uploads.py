"""Files citizens upload: checked, images re-encoded, stored under ``upload_dir``.

An image is judged by its content, never by its name or its declared type: Pillow must
recognise a JPEG, PNG, WebP or GIF that decodes in full. It is then turned upright,
reduced to fit ``MAX_SIDE`` pixels and re-encoded, which drops its EXIF (GPS position,
camera serial number) and anything appended to it. Other files (a PDF in a ``file``
field) are kept as sent once their first bytes say what they are.

Stored names are random (``secrets.token_urlsafe``) with the extension of the real
type: a name is unguessable, so a confidential field's file is only found by those
who are shown its name.

An image is also stored narrower, at each of ``WIDTHS`` (``{stem}-w400.jpg``), for the
pages to offer in a ``srcset``: a phone loads a card's 400 pixels, not 1600. An image
stored before those sizes were made gets them the first time one is asked for
(:func:`sized_path`).
"""

from __future__ import annotations

import io
import os
import re
import secrets
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from core.errors import ValidationFailed

MAX_BYTES = 5 * 1024 * 1024
MAX_SIDE = 1600
#: Refuse images whose decoded size would be absurd (decompression bombs).
MAX_PIXELS = 40_000_000
#: The narrower widths an image is also stored at (pixels), for ``srcset``.
WIDTHS = (400, 800)
IMAGE_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
#: Documents a ``file`` field accepts, by their first bytes.
DOCUMENT_SIGNATURES = {b"%PDF-": "pdf"}
CONTENT_TYPES = {
    "jpg": "image/jpeg",
    "png": "image/png",
    "pdf": "application/pdf",
}


@dataclass(frozen=True)
class StoredFile:
    name: str
    content_type: str


class UploadRefused(ValidationFailed):
    code = "upload.refused"


def _too_big() -> UploadRefused:
    return UploadRefused("Le fichier dépasse 5 Mo.", code="upload.too_large")


def process_image(data: bytes) -> tuple[bytes, str]:
    """Checks that ``data`` is a real image and returns it re-encoded (JPEG, or PNG when
    it has transparency), upright, at most ``MAX_SIDE`` pixels wide and high, without
    metadata; and its extension."""
    if len(data) > MAX_BYTES:
        raise _too_big()
    if not data:
        raise UploadRefused("Le fichier est vide.", code="upload.empty")
    not_an_image = UploadRefused(
        "Ce fichier n'est pas une image (JPEG, PNG, WebP ou GIF).", code="upload.not_an_image"
    )
    with warnings.catch_warnings():
        # Pillow warns (and with our settings, raises) on huge images: refuse them.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as probe:
                if probe.format not in IMAGE_FORMATS:
                    raise not_an_image
                if probe.width * probe.height > MAX_PIXELS:
                    raise UploadRefused("Cette image est trop grande.", code="upload.too_large")
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:
                image.seek(0)
                image.load()
                upright = ImageOps.exif_transpose(image)
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
            raise not_an_image from None
        except (Image.DecompressionBombWarning, Image.DecompressionBombError):
            raise UploadRefused("Cette image est trop grande.", code="upload.too_large") from None
    transparent = upright.mode in ("RGBA", "LA", "PA") or (
        upright.mode == "P" and "transparency" in upright.info
    )
    converted = upright.convert("RGBA" if transparent else "RGB")
    converted.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    return _encoded(converted), "png" if transparent else "jpg"


def _encoded(image: Image.Image) -> bytes:
    """``image`` as PNG where it has transparency, else as JPEG."""
    output = io.BytesIO()
    if image.mode == "RGBA":
        image.save(output, "PNG", optimize=True)
    else:
        image.save(output, "JPEG", quality=85, optimize=True, progressive=True)
    return output.getvalue()


def sized_name(name: str, width: int) -> str:
    """The stored name of image ``name`` at ``width`` pixels (one of ``WIDTHS``)."""
    stem, extension = name.rsplit(".", 1)
    return f"{stem}-w{width}.{extension}"


def _decoded(data: bytes) -> Image.Image:
    """An image we encoded, decoded."""
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        return image.copy()


def _write_sized(folder: Path, name: str, image: Image.Image, width: int) -> Path:
    """Stores ``image`` (one we encoded) reduced to ``width`` pixels wide, never
    enlarged, under ``name``'s sized name; written whole or not at all."""
    reduced = image.copy()
    reduced.thumbnail((width, MAX_SIDE), Image.Resampling.LANCZOS)
    target = folder / sized_name(name, width)
    partial = folder / f".{secrets.token_hex(8)}.part"
    partial.write_bytes(_encoded(reduced))
    os.replace(partial, target)  # two requests making it at once: the last one stays
    return target


def check_document(data: bytes) -> str:
    """The extension of an accepted document (PDF), or a refusal."""
    if len(data) > MAX_BYTES:
        raise _too_big()
    for signature, extension in DOCUMENT_SIGNATURES.items():
        if data.startswith(signature):
            return extension
    raise UploadRefused(
        "Format non accepté : envoyez une image ou un PDF.", code="upload.unsupported"
    )


def _store(upload_dir: str, data: bytes, extension: str) -> StoredFile:
    folder = Path(upload_dir)
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{secrets.token_urlsafe(24)}.{extension}"
    (folder / name).write_bytes(data)
    return StoredFile(name, CONTENT_TYPES[extension])


def store_image(upload_dir: str, data: bytes) -> StoredFile:
    """Checks, re-encodes and stores an image, with its narrower sizes; returns its
    stored name."""
    encoded, extension = process_image(data)
    stored = _store(upload_dir, encoded, extension)
    image = _decoded(encoded)  # decoded once for every size
    for width in WIDTHS:
        _write_sized(Path(upload_dir), stored.name, image, width)
    return stored


def store_file(upload_dir: str, data: bytes) -> StoredFile:
    """Stores an image (re-encoded) or a PDF; returns its stored name."""
    try:
        extension = check_document(data)
    except UploadRefused as refusal:
        if refusal.code != "upload.unsupported":
            raise
        try:
            return store_image(upload_dir, data)
        except UploadRefused as not_image:
            if not_image.code == "upload.not_an_image":
                raise refusal from None
            raise
    return _store(upload_dir, data, extension)


def is_stored_name(name: str) -> bool:
    """Whether ``name`` has the shape of a name this module gives (no path, our types)."""
    if not name or not _NAME_CHARS.issuperset(name) or name.count(".") != 1:
        return False
    stem, extension = name.split(".")
    return len(stem) >= 8 and extension in CONTENT_TYPES


def stored_path(upload_dir: str, name: str) -> Path | None:
    """The path of a stored file, or ``None`` when ``name`` is not one of ours."""
    if not is_stored_name(name):
        return None
    path = Path(upload_dir) / name
    return path if path.is_file() else None


_SIZED = re.compile(r"^(?P<stem>.+)-w(?P<width>[0-9]+)\.(?P<extension>jpg|png)$")


def sized_path(upload_dir: str, name: str) -> Path | None:
    """The path of a stored file, as :func:`stored_path`; for the sized name of a stored
    image (``{stem}-w400.jpg``) that is missing, the size is made from the image first."""
    found = stored_path(upload_dir, name)
    sized = _SIZED.match(name)
    if found is not None or sized is None or int(sized["width"]) not in WIDTHS:
        return found
    original = stored_path(upload_dir, f"{sized['stem']}.{sized['extension']}")
    if original is None:
        return None
    image = _decoded(original.read_bytes())
    return _write_sized(Path(upload_dir), original.name, image, int(sized["width"]))


_NAME_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")
