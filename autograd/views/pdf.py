"""A one-page PDF holding a PNG image, for renderers that write PNG but not PDF.

graphviz-pure (the pip-installable ``dot``) has no PDF output. So that a
pip-only install can still save ``graph.pdf`` for slides, the drawing is
rendered as a high-resolution PNG and wrapped in a PDF page of the same
proportions. The pixels are decoded here (PNG's row filters undone) and
stored losslessly: colour as one image, transparency as its soft mask.
``pngs_to_pdf`` puts several pictures in one PDF, a page each (the frames
of a lesson, for slides).
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence

__all__ = ["png_pixels", "png_to_pdf", "pngs_to_pdf"]

_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_CHANNELS = {2: 3, 6: 4}  # colour type -> bytes per pixel (8-bit RGB, RGBA)


def png_pixels(data: bytes) -> tuple[int, int, int, bytes]:
    """Decode an 8-bit RGB or RGBA, non-interlaced PNG: (width, height, channels, pixels)."""
    if not data.startswith(_SIGNATURE):
        raise ValueError("not a PNG file (wrong signature)")
    pos, chunks, header = 8, [], None
    while pos + 8 <= len(data):
        (size,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + size]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            chunks.append(body)
        elif kind == b"IEND":
            break
        pos += 12 + size
    if header is None:
        raise ValueError("PNG without an IHDR header")
    width, height, depth, colour, _, _, interlace = header
    if depth != 8 or colour not in _CHANNELS or interlace:
        raise ValueError(
            f"unsupported PNG (bit depth {depth}, colour type {colour}, interlace {interlace}); "
            "expected 8-bit RGB or RGBA without interlacing"
        )
    bpp = _CHANNELS[colour]
    stride = width * bpp
    raw = zlib.decompress(b"".join(chunks))
    if len(raw) != height * (stride + 1):
        raise ValueError("PNG image data has the wrong size")
    out = bytearray(height * stride)
    previous = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind = raw[start]
        line = bytearray(raw[start + 1 : start + 1 + stride])
        _unfilter(kind, line, previous, bpp)
        out[y * stride : (y + 1) * stride] = line
        previous = line
    return width, height, bpp, bytes(out)


def _unfilter(kind: int, line: bytearray, previous: bytearray, bpp: int) -> None:
    """Undo one of PNG's five row filters, in place (each byte predicted from its neighbours)."""
    if kind == 0:
        return
    if kind == 1:  # Sub: from the pixel on the left
        for x in range(bpp, len(line)):
            line[x] = (line[x] + line[x - bpp]) & 0xFF
    elif kind == 2:  # Up: from the pixel above
        for x in range(len(line)):
            line[x] = (line[x] + previous[x]) & 0xFF
    elif kind == 3:  # Average of left and above
        for x in range(len(line)):
            left = line[x - bpp] if x >= bpp else 0
            line[x] = (line[x] + ((left + previous[x]) >> 1)) & 0xFF
    elif kind == 4:  # Paeth: whichever of left, above, upper-left is nearest to left + above - upper-left
        for x in range(len(line)):
            a = line[x - bpp] if x >= bpp else 0
            b = previous[x]
            c = previous[x - bpp] if x >= bpp else 0
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
    else:
        raise ValueError(f"PNG row filter {kind} does not exist (0 to 4)")


def png_to_pdf(data: bytes, dpi: float = 72.0) -> bytes:
    """Wrap a PNG image in a one-page PDF; ``dpi`` sets the page size (pixels * 72 / dpi points)."""
    return pngs_to_pdf([data], dpi)


def pngs_to_pdf(pages: Sequence[bytes], dpi: float = 72.0) -> bytes:
    """One PDF with a page per PNG image, in order; each page the size of its picture at ``dpi``."""
    if not pages:
        raise ValueError("pngs_to_pdf: expected at least one PNG image, got none")
    # Objects 1 and 2 are the catalogue and the page tree; each page then takes
    # four objects (page, contents, image, mask; the mask left empty when opaque).
    objects: list[tuple[str, bytes | None]] = [("<< /Type /Catalog /Pages 2 0 R >>", None), ("", None)]
    kids = []
    for data in pages:
        width, height, channels, pixels = png_pixels(data)
        if channels == 4:
            rgb = bytearray(width * height * 3)
            rgb[0::3], rgb[1::3], rgb[2::3] = pixels[0::4], pixels[1::4], pixels[2::4]
            alpha = pixels[3::4]
        else:
            rgb, alpha = pixels, b""
        first = len(objects) + 1
        page, contents, image, mask = first, first + 1, first + 2, first + 3
        kids.append(f"{page} 0 R")
        w_pt, h_pt = width * 72.0 / dpi, height * 72.0 / dpi
        content = f"q {w_pt:.3f} 0 0 {h_pt:.3f} 0 0 cm /Im1 Do Q".encode("ascii")
        smask = f" /SMask {mask} 0 R" if alpha else ""
        objects.append((
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {w_pt:.3f} {h_pt:.3f}] "
            f"/Resources << /XObject << /Im1 {image} 0 R >> >> /Contents {contents} 0 R >>",
            None,
        ))
        objects.append(("<< /Length {length} >>", content))
        objects.append((
            f"<< /Type /XObject /Subtype /Image /Width {width} /Height {height} /ColorSpace /DeviceRGB "
            f"/BitsPerComponent 8 /Filter /FlateDecode{smask} /Length {{length}} >>",
            zlib.compress(bytes(rgb), 9),
        ))
        if alpha:
            objects.append((
                f"<< /Type /XObject /Subtype /Image /Width {width} /Height {height} /ColorSpace /DeviceGray "
                "/BitsPerComponent 8 /Filter /FlateDecode /Length {length} >>",
                zlib.compress(bytes(alpha), 9),
            ))
        else:
            objects.append(("null", None))  # keeps four objects per page
    objects[1] = (f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {len(kids)} >>", None)
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, (head, stream) in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode("ascii")
        if stream is None:
            out += head.encode("ascii")
        else:
            out += head.replace("{length}", str(len(stream))).encode("ascii")
            out += b"\nstream\n" + stream + b"\nendstream"
        out += b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode("ascii")
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode("ascii")
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode("ascii")
    return bytes(out)
