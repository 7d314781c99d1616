"""Uploaded files: images checked by content, resized, re-encoded, stripped of EXIF."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from core import uploads
from core.uploads import UploadRefused
from tests.web.front_helpers import image_bytes


def test_images_are_resized_re_encoded_and_stripped(tmp_path: Path) -> None:
    stored = uploads.store_image(str(tmp_path), image_bytes((3200, 1600), exif=True))
    assert stored.name.endswith(".jpg") and stored.content_type == "image/jpeg"
    assert uploads.is_stored_name(stored.name)
    with Image.open(tmp_path / stored.name) as image:
        # turned upright by its EXIF orientation, then fitted into 1600 px
        assert image.size == (800, 1600)
        assert not image.getexif()
        assert "exif" not in image.info


def test_images_are_also_stored_narrower_for_srcset(tmp_path: Path) -> None:
    stored = uploads.store_image(str(tmp_path), image_bytes((2400, 1200)))
    widths = {}
    for width in uploads.WIDTHS:
        name = uploads.sized_name(stored.name, width)
        assert uploads.is_stored_name(name)
        with Image.open(tmp_path / name) as image:
            widths[width] = image.size
    assert widths == {400: (400, 200), 800: (800, 400)}
    # A small image is never enlarged.
    small = uploads.store_image(str(tmp_path), image_bytes((300, 100), "PNG", "RGBA"))
    with Image.open(tmp_path / uploads.sized_name(small.name, 800)) as image:
        assert image.size == (300, 100) and image.mode == "RGBA"


def test_an_older_images_size_is_made_when_first_asked_for(tmp_path: Path) -> None:
    stored = uploads.store_image(str(tmp_path), image_bytes((1200, 900)))
    name = uploads.sized_name(stored.name, 400)
    (tmp_path / name).unlink()  # as stored before sizes were made
    assert uploads.stored_path(str(tmp_path), name) is None
    made = uploads.sized_path(str(tmp_path), name)
    assert made == tmp_path / name
    with Image.open(made) as image:
        assert image.size == (400, 300)
    # Only our sizes of our images: no other width, no size of a missing image or a PDF.
    assert uploads.sized_path(str(tmp_path), uploads.sized_name(stored.name, 123)) is None
    assert uploads.sized_path(str(tmp_path), "aaaaaaaaaaaa-w400.jpg") is None
    pdf = uploads.store_file(str(tmp_path), b"%PDF-1.4\n%...")
    assert uploads.sized_path(str(tmp_path), pdf.name.replace(".pdf", "-w400.pdf")) is None
    assert not list(tmp_path.glob(".*.part"))


def test_transparent_images_stay_png(tmp_path: Path) -> None:
    stored = uploads.store_image(str(tmp_path), image_bytes((100, 50), "PNG", "RGBA"))
    assert stored.name.endswith(".png")
    with Image.open(tmp_path / stored.name) as image:
        assert image.mode == "RGBA" and image.size == (100, 50)


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "upload.empty"),
        (b"<svg onload=alert(1)>", "upload.not_an_image"),
        (b"GIF89a" + b"\x00" * 20, "upload.not_an_image"),
        (image_bytes((50, 50))[:200], "upload.not_an_image"),  # truncated
        (b"%PDF-1.7 pretending", "upload.not_an_image"),
        (b"x" * (5 * 1024 * 1024 + 1), "upload.too_large"),
    ],
)
def test_what_is_not_an_image_is_refused(data: bytes, code: str) -> None:
    with pytest.raises(UploadRefused) as refused:
        uploads.process_image(data)
    assert refused.value.code == code


def test_decompression_bombs_are_refused() -> None:
    out = io.BytesIO()
    Image.new("1", (20_000, 20_000)).save(out, "PNG")  # small file, 400 megapixels
    with pytest.raises(UploadRefused) as refused:
        uploads.process_image(out.getvalue())
    assert refused.value.code == "upload.too_large"


def test_documents(tmp_path: Path) -> None:
    stored = uploads.store_file(str(tmp_path), b"%PDF-1.4\n%...")
    assert stored.name.endswith(".pdf")
    assert uploads.stored_path(str(tmp_path), stored.name) == tmp_path / stored.name
    picture = uploads.store_file(str(tmp_path), image_bytes((10, 10)))
    assert picture.name.endswith(".jpg")
    with pytest.raises(UploadRefused) as refused:
        uploads.store_file(str(tmp_path), b"MZ\x90\x00 an executable")
    assert refused.value.code == "upload.unsupported"


@pytest.mark.parametrize(
    "name", ["../etc/passwd", "abc.jpg", ".htaccess", "aaaaaaaaaa.exe", "a/bcdefghij.jpg", ""]
)
def test_only_our_names_are_served(tmp_path: Path, name: str) -> None:
    assert uploads.stored_path(str(tmp_path), name) is None
