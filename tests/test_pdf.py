"""PNG decoding and the one-page PDF used when the renderer has no PDF output."""

import re
import struct
import zlib

import pytest

from autograd.views.pdf import png_pixels, png_to_pdf


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else b if pb <= pc else c


def encode_png(width, height, channels, pixels, filters):
    """A minimal PNG encoder applying the given row filter to each row (the forward direction)."""
    stride = width * channels
    raw = bytearray()
    previous = bytes(stride)
    for y in range(height):
        row = pixels[y * stride : (y + 1) * stride]
        kind = filters[y % len(filters)]
        out = bytearray()
        for x in range(stride):
            a = row[x - channels] if x >= channels else 0
            b = previous[x]
            c = previous[x - channels] if x >= channels else 0
            predictor = [0, a, b, (a + b) // 2, paeth(a, b, c)][kind]
            out.append((row[x] - predictor) & 0xFF)
        raw += bytes([kind]) + out
        previous = row

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    colour = {3: 2, 4: 6}[channels]
    header = struct.pack(">IIBBBBB", width, height, 8, colour, 0, 0, 0)
    body = chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(bytes(raw))) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + body


def pattern(width, height, channels):
    return bytes((x * 37 + y * 101 + c * 53 + (x * y) % 7) & 0xFF
                 for y in range(height) for x in range(width) for c in range(channels))


@pytest.mark.parametrize("channels", [3, 4])
@pytest.mark.parametrize("filters", [[0], [1], [2], [3], [4], [0, 1, 2, 3, 4]])
def test_png_pixels_undoes_every_row_filter(channels, filters):
    width, height = 13, 7
    pixels = pattern(width, height, channels)
    png = encode_png(width, height, channels, pixels, filters)
    assert png_pixels(png) == (width, height, channels, pixels)


def test_png_pixels_refuses_what_is_not_a_png():
    with pytest.raises(ValueError, match="not a PNG"):
        png_pixels(b"GIF89a")


def pdf_objects(pdf):
    """{number: bytes of the object}, checking that the xref table points at each object."""
    start = int(re.search(rb"startxref\n(\d+)\n%%EOF", pdf).group(1))
    assert pdf[start : start + 4] == b"xref"
    entries = re.findall(rb"(\d{10}) 00000 n ", pdf[start:])
    objects = {}
    for number, offset in enumerate((int(e) for e in entries), start=1):
        assert pdf[offset:].startswith(f"{number} 0 obj".encode())
        objects[number] = pdf[offset : pdf.index(b"endobj", offset)]
    return objects


def stream(obj):
    length = int(re.search(rb"/Length (\d+)", obj).group(1))
    start = obj.index(b"stream\n") + len(b"stream\n")
    return zlib.decompress(obj[start : start + length])


def test_pdf_holds_the_colour_and_the_transparency():
    width, height = 9, 5
    pixels = pattern(width, height, 4)
    pdf = png_to_pdf(encode_png(width, height, 4, pixels, [4, 1]), dpi=144)
    assert pdf.startswith(b"%PDF-1.4") and pdf.rstrip().endswith(b"%%EOF")
    objects = pdf_objects(pdf)
    image = next(o for o in objects.values() if b"/DeviceRGB" in o)
    mask = next(o for o in objects.values() if b"/DeviceGray" in o)
    rgb = bytes(b for i, b in enumerate(pixels) if i % 4 != 3)
    assert stream(image) == rgb
    assert stream(mask) == pixels[3::4]
    # 9 x 5 pixels at 144 dpi: 4.5 x 2.5 points.
    assert b"/MediaBox [0 0 4.500 2.500]" in objects[3]


def test_pdf_of_an_opaque_png_has_no_mask():
    pdf = png_to_pdf(encode_png(4, 4, 3, pattern(4, 4, 3), [0]))
    assert b"/SMask" not in pdf and b"/DeviceGray" not in pdf


def test_a_pdf_of_several_pictures_opens_with_pypdf_a_page_each_of_the_pictures_size():
    pypdf = pytest.importorskip("pypdf")
    import io

    from autograd.views.pdf import pngs_to_pdf

    sizes = [(9, 5, 4), (16, 3, 3), (2, 7, 4)]
    pngs = [encode_png(w, h, c, pattern(w, h, c), [k % 5]) for k, (w, h, c) in enumerate(sizes)]
    reader = pypdf.PdfReader(io.BytesIO(pngs_to_pdf(pngs, dpi=144)))
    assert len(reader.pages) == 3
    # Each page is its picture at 144 dpi: width · 72 / 144 points.
    assert [(float(p.mediabox.width), float(p.mediabox.height)) for p in reader.pages] == [
        (w / 2, h / 2) for w, h, _ in sizes
    ]
    image = reader.pages[1].images[0]
    assert image.image.size == (16, 3) and image.image.tobytes() == pattern(16, 3, 3)


def test_pdf_pages_written_one_at_a_time_into_a_file(tmp_path):
    pypdf = pytest.importorskip("pypdf")
    from autograd.views.pdf import PdfPages

    path = tmp_path / "pages.pdf"
    with open(path, "wb") as file:
        pages = PdfPages(file, dpi=72)
        for k in range(5):
            pages.add_png(encode_png(k + 1, 2, 3, pattern(k + 1, 2, 3), [0]))
        pages.close()
    reader = pypdf.PdfReader(path)
    assert [float(p.mediabox.width) for p in reader.pages] == [1, 2, 3, 4, 5]


def test_without_pillow_the_error_names_the_extra_to_install(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "PIL", None)  # import PIL now raises ImportError
    with pytest.raises(ImportError, match=r"chainrule\[draw\]"):
        png_to_pdf(encode_png(2, 2, 3, pattern(2, 2, 3), [0]))
