"""Tests of igan_app.imaging: every file is built inside the test, under tmp_path."""

from __future__ import annotations

import os
import pickle
import stat
import struct
import subprocess
import sys
import time
import warnings
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageFile

from igan_app import imaging
from igan_app.files import write_text_atomic
from igan_app.imaging import (
    DEFAULT_MAX_PIXELS,
    IMAGE_SUFFIXES,
    ImageError,
    decode_rgba,
    image_size,
    max_pixels_default,
    read_image,
    read_label_source,
    read_rgba,
    to_tensor,
    to_uint8,
    write_image,
    write_palette_png,
)

REPO_ROOT = Path(__file__).resolve().parents[1]
RED, BLUE = (220, 20, 30), (20, 40, 200)


def _noise(height: int, width: int, channels: int = 3, seed: int = 0) -> np.ndarray:
    shape = (height, width, channels) if channels else (height, width)
    return np.random.default_rng(seed).integers(0, 256, shape, dtype=np.uint8)


def _png(width: int, height: int, bit_depth: int, color_type: int, raw: bytes) -> bytes:
    """A minimal PNG by hand: signature, IHDR, one IDAT holding `raw` (filtered rows), IEND."""

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    header = struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def _marked(width: int, height: int) -> np.ndarray:
    """Blue, with a red 16x16 marker in the top-left corner (block-aligned, for JPEG)."""
    image = np.empty((height, width, 3), np.uint8)
    image[:] = BLUE
    image[:16, :16] = RED
    return image


def _assert_color(pixel: np.ndarray, color: tuple[int, int, int], tolerance: int = 12) -> None:
    assert np.abs(pixel.astype(int) - color).max() <= tolerance, (pixel, color)


# --- round trips --------------------------------------------------------------------------------


@pytest.mark.parametrize("channels", [3, 0])
def test_png_round_trip_is_exact(tmp_path: Path, channels: int) -> None:
    pixels = _noise(13, 21, channels)
    path = tmp_path / "photo.png"
    write_image(path, pixels)
    back = read_image(str(path))
    assert back.dtype == np.uint8 and back.shape == (13, 21, 3)
    assert back.flags.c_contiguous and back.flags.writeable
    expected = pixels if channels else np.repeat(pixels[..., None], 3, axis=2)
    np.testing.assert_array_equal(back, expected)


def test_rgba_png_is_written_with_its_alpha(tmp_path: Path) -> None:
    pixels = _noise(5, 6, 4)
    write_image(tmp_path / "a.png", pixels)
    with Image.open(tmp_path / "a.png") as im:
        assert im.mode == "RGBA"
        np.testing.assert_array_equal(np.asarray(im), pixels)


def test_jpeg_round_trip_is_close_and_quality_matters(tmp_path: Path) -> None:
    yy, xx = np.mgrid[0:64, 0:96]
    smooth = np.stack([xx * 2, yy * 3, (xx + yy)], axis=-1).astype(np.uint8)
    write_image(tmp_path / "hi.jpg", smooth, quality=95)
    write_image(tmp_path / "lo.JPEG", smooth, quality=20)
    back = read_image(tmp_path / "hi.jpg")
    assert back.shape == smooth.shape
    assert np.abs(back.astype(int) - smooth).mean() < 2.0
    assert (tmp_path / "lo.JPEG").stat().st_size < (tmp_path / "hi.jpg").stat().st_size


@pytest.mark.parametrize(
    ("suffix", "options"),
    [
        (".webp", {"lossless": True}),
        (".bmp", {}),
        (".tif", {}),
        (".tiff", {"compression": "tiff_lzw"}),
    ],
)
def test_webp_bmp_tiff_are_read(tmp_path: Path, suffix: str, options: dict) -> None:
    pixels = _noise(17, 11)
    path = tmp_path / f"image{suffix}"
    Image.fromarray(pixels).save(path, **options)
    np.testing.assert_array_equal(read_image(path), pixels)
    assert suffix in IMAGE_SUFFIXES


# --- modes ---------------------------------------------------------------------------------------


def test_gray_png_gives_three_equal_channels(tmp_path: Path) -> None:
    gray = np.array([[0, 7, 128, 255]], np.uint8)
    Image.fromarray(gray).save(tmp_path / "g.png")
    back = read_image(tmp_path / "g.png")
    assert back.shape == (1, 4, 3)
    for channel in range(3):
        np.testing.assert_array_equal(back[..., channel], gray)


def test_palette_and_bilevel_images_are_read(tmp_path: Path) -> None:
    image = Image.fromarray(np.array([[0, 1, 2]], np.uint8))
    image.putpalette([255, 0, 0, 0, 255, 0, 0, 0, 255])
    image.save(tmp_path / "p.png")
    assert read_image(tmp_path / "p.png")[0].tolist() == [[255, 0, 0], [0, 255, 0], [0, 0, 255]]
    Image.fromarray(np.array([[False, True]])).save(tmp_path / "bits.png")
    assert read_image(tmp_path / "bits.png")[0].tolist() == [[0, 0, 0], [255, 255, 255]]
    assert read_label_source(tmp_path / "bits.png").tolist() == [[0, 1]]


def _over_white(color: np.ndarray, alpha: int) -> np.ndarray:
    a = alpha / 255
    return np.round(color * a + 255 * (1 - a))


def test_rgba_is_composited_over_white(tmp_path: Path) -> None:
    rgba = np.array([[[10, 20, 30, 0], [10, 20, 30, 255], [200, 100, 0, 128]]], np.uint8)
    Image.fromarray(rgba).save(tmp_path / "t.png")
    back = read_image(tmp_path / "t.png").astype(int)
    np.testing.assert_array_equal(back[0, 0], [255, 255, 255])
    np.testing.assert_array_equal(back[0, 1], [10, 20, 30])
    assert np.abs(back[0, 2] - _over_white(np.array([200, 100, 0]), 128)).max() <= 1


def test_gray_alpha_is_composited_over_white(tmp_path: Path) -> None:
    la = np.array([[[0, 0], [0, 255], [100, 64]]], np.uint8)
    Image.fromarray(la).save(tmp_path / "la.png")
    back = read_image(tmp_path / "la.png").astype(int)
    assert back[0, 0].tolist() == [255] * 3
    assert back[0, 1].tolist() == [0] * 3
    assert np.abs(back[0, 2] - _over_white(np.array([100] * 3), 64)).max() <= 1


def test_palette_with_transparency_is_composited_over_white(tmp_path: Path) -> None:
    image = Image.fromarray(np.array([[0, 1, 2, 1]], np.uint8))
    image.putpalette([255, 0, 0, 0, 255, 0, 0, 0, 255])
    assert image.mode == "P"
    image.save(tmp_path / "index.png", transparency=1)
    image.save(tmp_path / "alphas.png", transparency=bytes([255, 128, 0]))

    single = read_image(tmp_path / "index.png")
    assert single[0].tolist() == [[255, 0, 0], [255, 255, 255], [0, 0, 255], [255, 255, 255]]
    per_entry = read_image(tmp_path / "alphas.png").astype(int)
    assert per_entry[0, 0].tolist() == [255, 0, 0]
    assert np.abs(per_entry[0, 1] - _over_white(np.array([0, 255, 0]), 128)).max() <= 1
    assert per_entry[0, 2].tolist() == [255, 255, 255]


def test_rgb_color_key_transparency_becomes_white(tmp_path: Path) -> None:
    pixels = np.array([[[10, 20, 30], [40, 50, 60]]], np.uint8)
    Image.fromarray(pixels).save(tmp_path / "key.png", transparency=(10, 20, 30))
    assert read_image(tmp_path / "key.png")[0].tolist() == [[255, 255, 255], [40, 50, 60]]


def test_rgba_is_read_with_its_alpha_not_composited(tmp_path: Path) -> None:
    pixels = _noise(5, 6, 4)
    pixels[0, 0, 3] = 0  # a transparent pixel keeps its color
    write_image(tmp_path / "a.png", pixels)
    back, has_alpha = read_rgba(tmp_path / "a.png")
    assert has_alpha and back.dtype == np.uint8 and back.shape == (5, 6, 4)
    assert back.flags.c_contiguous and back.flags.writeable
    np.testing.assert_array_equal(back, pixels)
    # The same from the file's bytes in memory.
    again, has_alpha = decode_rgba((tmp_path / "a.png").read_bytes(), "layer")
    assert has_alpha
    np.testing.assert_array_equal(again, pixels)


def test_rgba_of_a_file_without_transparency_is_opaque(tmp_path: Path) -> None:
    pixels = _noise(4, 7)
    write_image(tmp_path / "rgb.png", pixels)
    back, has_alpha = read_rgba(tmp_path / "rgb.png")
    assert not has_alpha
    np.testing.assert_array_equal(back[..., :3], pixels)
    assert (back[..., 3] == 255).all()
    # A transparent color key counts as transparency.
    Image.fromarray(pixels).save(tmp_path / "key.png", transparency=tuple(pixels[0, 0].tolist()))
    back, has_alpha = read_rgba(tmp_path / "key.png")
    assert has_alpha and back[0, 0, 3] == 0


def test_cmyk_jpeg_is_converted_to_rgb(tmp_path: Path) -> None:
    rgb = np.zeros((16, 32, 3), np.uint8)
    rgb[:, :16] = (200, 30, 60)
    rgb[:, 16:] = (40, 160, 220)
    cmyk = Image.fromarray(rgb).convert("CMYK")
    cmyk.save(tmp_path / "print.jpg", quality=95)
    with Image.open(tmp_path / "print.jpg") as im:
        assert im.mode == "CMYK"
    back = read_image(tmp_path / "print.jpg")
    assert back.shape == (16, 32, 3)
    _assert_color(back[8, 4], (200, 30, 60), tolerance=4)
    _assert_color(back[8, 28], (40, 160, 220), tolerance=4)


@pytest.mark.parametrize(("dtype", "fmt"), [("<u2", "PNG"), (">u2", "TIFF"), ("<i4", "TIFF")])
def test_sixteen_bit_gray_is_scaled_not_clipped(tmp_path: Path, dtype: str, fmt: str) -> None:
    values = np.array([[0, 257, 32768, 65535]]).astype(dtype)
    path = tmp_path / f"deep.{fmt.lower()}"
    Image.fromarray(values).save(path, format=fmt)
    with Image.open(path) as im:
        assert im.mode in ("I;16", "I;16B", "I")
    back = read_image(path)
    assert back.shape == (1, 4, 3)
    assert back[0, :, 0].tolist() == [0, 1, 128, 255]
    assert (back[..., 0] == back[..., 2]).all()


def test_sixteen_bit_rgb_png_is_read(tmp_path: Path) -> None:
    pixels = [(65535, 32768, 0), (0, 65535, 4096)]  # Pillow cannot write 16-bit RGB itself
    row = b"\x00" + b"".join(struct.pack(">HHH", *p) for p in pixels)
    path = tmp_path / "deep_rgb.png"
    path.write_bytes(_png(2, 1, 16, 2, row))
    assert read_image(path)[0].tolist() == [[255, 128, 0], [0, 255, 16]]


# --- orientation ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("orientation", "marker_at"), [(6, (8, 24)), (8, (56, 8)), (1, (8, 8))])
@pytest.mark.parametrize("suffix", [".jpg", ".png"])
def test_exif_orientation_is_applied(
    tmp_path: Path, orientation: int, marker_at: tuple[int, int], suffix: str
) -> None:
    stored = _marked(64, 32)  # 64 wide, 32 high, marker at the stored top-left
    exif = Image.Exif()
    exif[0x0112] = orientation
    path = tmp_path / f"camera{suffix}"
    Image.fromarray(stored).save(path, exif=exif.tobytes())

    back = read_image(path)
    upright = orientation == 1
    assert back.shape == ((32, 64, 3) if upright else (64, 32, 3))
    assert image_size(path) == ((64, 32) if upright else (32, 64))
    _assert_color(back[marker_at], RED)
    # The point opposite the marker is blue: the marker was moved there, not copied around.
    row, col = marker_at
    _assert_color(back[back.shape[0] - 1 - row, back.shape[1] - 1 - col], BLUE)
    # Label sources are oriented the same way.
    assert read_label_source(path).shape == back.shape


def test_image_size_reads_the_header_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_image(tmp_path / "wide.png", _noise(3, 7))
    monkeypatch.setattr(ImageFile.ImageFile, "load", _refuse_to_decode)
    assert image_size(tmp_path / "wide.png") == (7, 3)


def _refuse_to_decode(self: ImageFile.ImageFile) -> None:
    raise AssertionError("pixels were decoded")


# --- refusals ------------------------------------------------------------------------------------


def _raises(path: Path, *words: str, reader=read_image, **kwargs) -> ImageError:
    with pytest.raises(ImageError) as info:
        reader(path, **kwargs)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: ")
    for word in words:
        assert word in message, message
    return info.value


def test_image_error_carries_path_and_reason(tmp_path: Path) -> None:
    error = _raises(tmp_path / "nowhere.jpg", "not found")
    assert isinstance(error, ValueError)
    assert error.path == str(tmp_path / "nowhere.jpg")
    assert error.reason == "file not found"
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.path, copy.reason, str(copy)) == (error.path, error.reason, str(error))


@pytest.mark.parametrize("reader", [read_image, read_label_source, image_size, read_rgba])
def test_missing_empty_and_non_image_files(tmp_path: Path, reader) -> None:
    _raises(tmp_path / "missing.png", "missing.png", "not found", reader=reader)
    (tmp_path / "empty.jpg").write_bytes(b"")
    _raises(tmp_path / "empty.jpg", "empty.jpg", "empty", reader=reader)
    (tmp_path / "notes.png").write_text("this is not a picture\n")
    _raises(tmp_path / "notes.png", "notes.png", "not an image", reader=reader)
    (tmp_path / "folder.png").mkdir()
    _raises(tmp_path / "folder.png", "folder", reader=reader)


def test_unsupported_format_is_refused(tmp_path: Path) -> None:
    Image.fromarray(_noise(4, 4)).save(tmp_path / "anim.gif")
    _raises(tmp_path / "anim.gif", "anim.gif", "not an image", "supported format")


def test_truncated_jpeg_is_refused(tmp_path: Path) -> None:
    write_image(tmp_path / "whole.jpg", _noise(64, 64))
    data = (tmp_path / "whole.jpg").read_bytes()
    (tmp_path / "half.jpg").write_bytes(data[: len(data) // 2])
    _raises(tmp_path / "half.jpg", "half.jpg", "truncated")
    # Garbage without 0xFF bytes: libjpeg runs out of data mid-scan. (Garbage that happens to
    # hold a marker makes libjpeg stop the scan and fill the rest with grey, with only a warning
    # that Pillow does not pass on, like every viewer; that case cannot be refused.)
    garbage = np.random.default_rng(1).integers(0, 255, 300, dtype=np.uint8).tobytes()
    (tmp_path / "garbage.jpg").write_bytes(data[:700] + garbage)
    _raises(tmp_path / "garbage.jpg", "garbage.jpg", "truncated or corrupt")
    (tmp_path / "header.jpg").write_bytes(data[:30] + garbage)
    _raises(tmp_path / "header.jpg", "header.jpg", "corrupt JPEG header")
    assert not ImageFile.LOAD_TRUNCATED_IMAGES


def test_truncated_and_corrupt_png_are_refused(tmp_path: Path) -> None:
    write_image(tmp_path / "whole.png", _noise(64, 64))
    data = (tmp_path / "whole.png").read_bytes()
    (tmp_path / "half.png").write_bytes(data[: len(data) // 2])
    _raises(tmp_path / "half.png", "half.png", "truncated")
    broken_crc = bytearray(data)
    broken_crc[29] ^= 0xFF  # inside the IHDR checksum
    (tmp_path / "crc.png").write_bytes(bytes(broken_crc))
    _raises(tmp_path / "crc.png", "crc.png", "corrupt PNG")
    _raises(tmp_path / "half.png", "half.png", "truncated", reader=read_rgba)


def test_corrupt_bytes_raise_an_image_error_naming_them(tmp_path: Path) -> None:
    write_image(tmp_path / "whole.png", _noise(64, 64, 4))
    data = (tmp_path / "whole.png").read_bytes()
    cases = [(data[: len(data) // 2], "truncated"), (data[:40], "corrupt PNG header"),
             (b"", "empty"), (b"not a picture", "not an image")]
    for bad, reason in cases:
        with pytest.raises(ImageError, match=rf'^"png" field: .*{reason}'):
            decode_rgba(bad, '"png" field')
    with pytest.raises(ImageError, match="above the limit of 100 pixels"):
        decode_rgba(data, "layer", max_pixels=100)


@pytest.mark.parametrize("reader", [read_image, read_label_source])
def test_pixel_limit_per_call_and_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, reader
) -> None:
    monkeypatch.delenv("IGAN_MAX_PIXELS", raising=False)
    path = tmp_path / "square.png"
    write_image(path, _noise(20, 20))
    assert reader(path).shape[:2] == (20, 20)
    _raises(path, "square.png", "400 pixels", "limit of 100", reader=reader, max_pixels=100)
    assert reader(path, max_pixels=400).shape[:2] == (20, 20)

    monkeypatch.setenv("IGAN_MAX_PIXELS", "100")
    assert max_pixels_default() == 100
    _raises(path, "square.png", "pixels", "IGAN_MAX_PIXELS", reader=reader)
    assert reader(path, max_pixels=1000).shape[:2] == (20, 20)  # an explicit limit wins


def test_max_pixels_default_and_bad_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("IGAN_MAX_PIXELS", raising=False)
    assert max_pixels_default() == DEFAULT_MAX_PIXELS == 100_000_000
    monkeypatch.setenv("IGAN_MAX_PIXELS", "250_000_000")
    assert max_pixels_default() == 250_000_000
    for bad in ("lots", "-5", "0", "1.5e6"):
        monkeypatch.setenv("IGAN_MAX_PIXELS", bad)
        with pytest.raises(ValueError, match="IGAN_MAX_PIXELS"):
            max_pixels_default()


def test_pixel_limit_is_checked_before_decoding(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The header claims 20000 x 20000 (400 MP, above Pillow's own bomb limit); decoding it would
    # need 400 MB. Only a few hundred bytes are on disk.
    path = tmp_path / "bomb.png"
    path.write_bytes(_png(20_000, 20_000, 8, 0, b"\x00" * 20_001))
    monkeypatch.delenv("IGAN_MAX_PIXELS", raising=False)
    monkeypatch.setattr(ImageFile.ImageFile, "load", _refuse_to_decode)
    start = time.perf_counter()
    _raises(path, "bomb.png", "20000x20000", "400,000,000 pixels", "limit of 100,000,000")
    _raises(path, "bomb.png", "pixels", reader=read_label_source)
    assert time.perf_counter() - start < 2.0
    # Our limit, not Pillow's decompression-bomb guard, decides: the size is still readable.
    assert image_size(path) == (20_000, 20_000)


# --- writing -------------------------------------------------------------------------------------


def _failing_save(self: Image.Image, fp, *args, **kwargs) -> None:
    fp.write(b"half of an image")
    raise OSError("disk full")


@pytest.mark.parametrize("existing", [True, False])
def test_failed_write_leaves_target_untouched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, existing: bool
) -> None:
    target = tmp_path / "keep.png"
    if existing:
        write_image(target, _noise(4, 4))
    before = target.read_bytes() if existing else None
    monkeypatch.setattr(Image.Image, "save", _failing_save)
    with pytest.raises(OSError, match="disk full"):
        write_image(target, _noise(8, 8, seed=3))
    with pytest.raises(OSError, match="disk full"):
        write_palette_png(target, np.zeros((2, 2), np.uint8), np.zeros((1, 3), np.uint8))
    monkeypatch.undo()
    with pytest.raises(ValueError, match="uint8"):
        write_image(target, np.zeros((4, 4, 3), np.float32))
    assert os.listdir(tmp_path) == (["keep.png"] if existing else [])
    if existing:
        assert target.read_bytes() == before


def test_write_creates_folders_and_replaces_with_normal_permissions(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "out.png"
    write_image(target, _noise(3, 3))
    write_image(target, _noise(3, 3, seed=5))
    np.testing.assert_array_equal(read_image(target), _noise(3, 3, seed=5))
    assert os.listdir(target.parent) == ["out.png"]
    if os.name == "posix":
        plain = tmp_path / "plain"
        plain.write_bytes(b"")
        assert stat.S_IMODE(target.stat().st_mode) == stat.S_IMODE(plain.stat().st_mode)


def test_text_is_written_atomically(tmp_path: Path) -> None:
    target = tmp_path / "edit" / "strokes.json"
    write_text_atomic(target, "{}\n")
    write_text_atomic(target, '{"name": "Zoë"}\n')  # replaces the file in place
    assert target.read_text(encoding="utf-8") == '{"name": "Zoë"}\n'
    assert os.listdir(target.parent) == ["strokes.json"]  # no temporary file left


def test_write_refuses_bad_suffixes_and_arrays(tmp_path: Path) -> None:
    with pytest.raises(ImageError, match=r"\.gif"):
        write_image(tmp_path / "x.gif", _noise(2, 2))
    with pytest.raises(ValueError, match=r"uint8.*\(H, W, 3\).*float64"):
        write_image(tmp_path / "x.png", np.zeros((2, 2, 3)))
    with pytest.raises(ValueError, match="JPEG.*uint8 array of shape"):
        write_image(tmp_path / "x.jpg", _noise(2, 2, 4))
    with pytest.raises(ValueError, match="shape"):
        write_image(tmp_path / "x.png", _noise(2, 2, 2))
    with pytest.raises(ValueError, match="quality"):
        write_image(tmp_path / "x.jpg", _noise(2, 2), quality=0)
    assert os.listdir(tmp_path) == []


# --- label maps ----------------------------------------------------------------------------------


def test_palette_png_round_trip(tmp_path: Path) -> None:
    palette = np.array([[0, 0, 0], [135, 206, 235], [34, 139, 34], [128, 128, 128]], np.uint8)
    indices = np.random.default_rng(2).integers(0, 4, (9, 14), dtype=np.uint8)
    path = tmp_path / "labels.png"
    write_palette_png(path, indices, palette)
    with Image.open(path) as im:
        assert im.mode == "P"
        np.testing.assert_array_equal(np.asarray(im), indices)
        stored = np.array(im.getpalette(), np.uint8).reshape(-1, 3)
    assert len(stored) == 256 and not stored[4:].any()
    back = read_label_source(path)
    assert back.shape == (9, 14, 3)
    np.testing.assert_array_equal(back, palette[indices])


def test_palette_png_refuses_bad_input(tmp_path: Path) -> None:
    palette = np.zeros((3, 3), np.uint8)
    with pytest.raises(ValueError, match="index 3 is beyond the 3"):
        write_palette_png(tmp_path / "p.png", np.full((2, 2), 3, np.uint8), palette)
    with pytest.raises(ValueError, match=r"indices.*\(H, W\)"):
        write_palette_png(tmp_path / "p.png", np.zeros((2, 2, 3), np.uint8), palette)
    with pytest.raises(ValueError, match=r"palette.*\(N, 3\)"):
        write_palette_png(
            tmp_path / "p.png", np.zeros((2, 2), np.uint8), np.zeros((300, 3), np.uint8)
        )
    assert os.listdir(tmp_path) == []


def test_label_sources_of_every_kind(tmp_path: Path) -> None:
    ids = np.array([[0, 1, 2], [7, 8, 255]], np.uint8)
    Image.fromarray(ids).save(tmp_path / "ids.png")
    back = read_label_source(tmp_path / "ids.png")
    assert back.shape == (2, 3) and back.dtype == np.uint8
    np.testing.assert_array_equal(back, ids)

    Image.fromarray(ids.astype(np.uint16)).save(tmp_path / "ids16.png")
    np.testing.assert_array_equal(read_label_source(tmp_path / "ids16.png"), ids)
    Image.fromarray(np.array([[0, 300]], np.uint16)).save(tmp_path / "deep.png")
    _raises(tmp_path / "deep.png", "300", reader=read_label_source)

    gray_alpha = np.stack([ids, np.zeros_like(ids)], axis=-1)
    Image.fromarray(gray_alpha).save(tmp_path / "la.png")
    np.testing.assert_array_equal(read_label_source(tmp_path / "la.png"), ids)

    colors = _noise(2, 3, 4)
    colors[..., 3] = 0  # fully transparent: colors are kept, not turned white
    Image.fromarray(colors).save(tmp_path / "rgba.png")
    np.testing.assert_array_equal(read_label_source(tmp_path / "rgba.png"), colors[..., :3])


# --- tensors -------------------------------------------------------------------------------------


def test_to_tensor_shapes_and_range() -> None:
    torch = pytest.importorskip("torch")
    image = _noise(5, 7)
    single = to_tensor(image)
    assert single.shape == (1, 3, 5, 7) and single.dtype == torch.float32
    assert single.min() >= -1 and single.max() <= 1
    assert to_tensor(np.zeros((2, 2, 3), np.uint8)).eq(-1).all()
    assert to_tensor(np.full((2, 2, 3), 255, np.uint8)).eq(1).all()
    assert single[0, 1, 2, 3].item() == pytest.approx(image[2, 3, 1] / 127.5 - 1)

    batch = to_tensor([image, _noise(5, 7, seed=1), _noise(5, 7, seed=2)], device="cpu")
    assert batch.shape == (3, 3, 5, 7) and batch.device.type == "cpu"
    with pytest.raises(ValueError, match="uint8"):
        to_tensor(np.zeros((5, 7, 3), np.float32))
    with pytest.raises(ValueError, match=r"\(H, W, 3\)"):
        to_tensor(np.zeros((5, 7), np.uint8))


def test_to_tensor_accepts_read_only_arrays_without_warning(tmp_path: Path) -> None:
    pytest.importorskip("torch")
    read_only = np.asarray(Image.fromarray(_noise(4, 4)))
    assert not read_only.flags.writeable
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(to_uint8(to_tensor(read_only))[0], read_only)


def test_to_uint8_inverts_to_tensor_exactly() -> None:
    pytest.importorskip("torch")
    every_value = np.arange(256, dtype=np.uint8).reshape(16, 16, 1).repeat(3, axis=2)
    batch = np.stack([every_value, _noise(16, 16)])
    back = to_uint8(to_tensor(batch))
    assert back.shape == (2, 16, 16, 3) and back.dtype == np.uint8 and back.flags.c_contiguous
    np.testing.assert_array_equal(back, batch)


def test_to_uint8_rounds_clamps_and_detaches() -> None:
    torch = pytest.importorskip("torch")
    step = 1 / 127.5
    values = torch.tensor([-3.0, -1.0, -1 + 0.4 * step, -1 + 0.6 * step, 0.0, 1.0, 5.0])
    chw = values.reshape(1, 1, 7).expand(3, 1, 7).clone().requires_grad_(True)
    out = to_uint8(chw)
    assert out.shape == (1, 7, 3)
    assert out[0, :, 0].tolist() == [0, 0, 0, 1, 128, 255, 255]
    gray = to_uint8(torch.zeros(2, 1, 3, 4))
    assert gray.shape == (2, 3, 4, 3) and (gray == 128).all()
    with pytest.raises(ValueError, match="C 1 or 3"):
        to_uint8(torch.zeros(1, 2, 3, 4))


def test_tensors_on_cuda() -> None:
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device here")
    image = _noise(8, 9)
    tensor = to_tensor(image, device="cuda")
    assert tensor.device.type == "cuda" and tensor.dtype == torch.float32
    np.testing.assert_array_equal(to_uint8(tensor)[0], image)


def test_import_does_not_pull_in_torch() -> None:
    code = "import sys, igan_app.imaging; assert 'torch' not in sys.modules, 'torch imported'"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO_ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    result = subprocess.run(
        [sys.executable, "-c", code],
        check=False,
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert Image.MAX_IMAGE_PIXELS is None


# --- animations -------------------------------------------------------------------------------

def _animation_frames(n: int = 4, side: int = 32) -> list[np.ndarray]:
    return [np.full((side, side, 3), 40 * i + 20, np.uint8) for i in range(n)]


def test_write_animation_gif_has_every_frame_and_loops(tmp_path):
    from PIL import Image, ImageSequence

    frames = _animation_frames()
    written = imaging.write_animation(tmp_path / "m.gif", frames, fps=5)
    assert written == [tmp_path / "m.gif"]
    with Image.open(written[0]) as gif:
        read = [np.array(f.convert("RGB")) for f in ImageSequence.Iterator(gif)]
        assert gif.info["loop"] == 0 and gif.info["duration"] == 200
    assert len(read) == 4
    for got, want in zip(read, frames):
        assert np.abs(got.astype(int) - want).max() <= 4  # GIF palette


def test_write_animation_mp4_decodes_to_the_frames(tmp_path):
    import cv2

    frames = _animation_frames(6, 64)
    path = imaging.write_animation(tmp_path / "m.mp4", frames, fps=10)[0]
    video = cv2.VideoCapture(str(path))
    decoded = []
    while True:
        ok, frame = video.read()
        if not ok:
            break
        decoded.append(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB))
    video.release()
    assert len(decoded) == 6
    assert abs(float(decoded[3].mean()) - float(frames[3].mean())) < 4
    assert not list(tmp_path.glob(".*"))  # no temporary left behind


def test_write_animation_folder_of_pngs(tmp_path):
    frames = _animation_frames(3)
    written = imaging.write_animation(tmp_path / "frames", frames)
    assert [p.name for p in written] == ["frame_000.png", "frame_001.png", "frame_002.png"]
    np.testing.assert_array_equal(imaging.read_image(written[2]), frames[2])


def test_write_animation_rejects_bad_input(tmp_path):
    with pytest.raises(ValueError, match="at least one frame"):
        imaging.write_animation(tmp_path / "m.gif", [])
    with pytest.raises(ValueError, match="one size"):
        imaging.write_animation(tmp_path / "m.gif", [np.zeros((8, 8, 3), np.uint8),
                                                     np.zeros((9, 8, 3), np.uint8)])
    with pytest.raises(imaging.ImageError, match="unsupported animation suffix '.avi'"):
        imaging.write_animation(tmp_path / "m.avi", _animation_frames())
