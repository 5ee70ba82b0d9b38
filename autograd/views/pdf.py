"""PDF pages holding PNG pictures, for renderers that write PNG but not PDF, and for frames.pdf.

graphviz-pure (the pip-installable ``dot``) has no PDF output. So that a
pip-only install can still save ``graph.pdf`` for slides, the drawing is
rendered as a high-resolution PNG and put on a PDF page of the same
proportions. Pillow decodes the PNG (in C: a slide-sized picture takes
milliseconds, where undoing PNG's row filters in Python took seconds); the
pixels are stored losslessly, colour as one image and transparency as its
soft mask. ``PdfPages`` writes one page at a time into a file, so that the
frames of a long lesson never wait in memory together; ``pngs_to_pdf`` puts
several pictures in one PDF in memory. ``PdfMerger`` (pypdf) puts the pages of
several PDFs in one, as they are: frames.pdf, from the frames' own PDFs.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Iterable
from typing import IO, Any

__all__ = [
    "png_pixels", "png_to_pdf", "pngs_to_pdf", "PdfPages", "PdfMerger", "PILLOW_MISSING", "PYPDF_MISSING",
]

PILLOW_MISSING = (
    "writing a PDF of pictures needs Pillow, which decodes the PNG images: "
    "pip install 'chainrule[draw]' (or pip install pillow)"
)
PYPDF_MISSING = (
    "putting the frames' PDFs together in frames.pdf needs pypdf: "
    "pip install 'chainrule[draw]' (or pip install pypdf)"
)
# Lossless either way; level 6 is zlib's default, several times faster than 9 for a few percent.
_COMPRESSION = 6


def _pillow() -> Any:
    try:
        from PIL import Image
    except ImportError:
        raise ImportError(PILLOW_MISSING) from None
    return Image


def _pypdf() -> Any:
    try:
        import pypdf
    except ImportError:
        raise ImportError(PYPDF_MISSING) from None
    return pypdf


class PdfMerger:
    """One PDF made of the pages of several PDFs, in order (pypdf copies them as they are).

    The frames of a lesson drawn by ``dot`` stay vector drawings; those of
    graphviz-pure are its pictures, already on their pages.
    """

    def __init__(self) -> None:
        self._pypdf = _pypdf()
        self._writer = self._pypdf.PdfWriter()

    def add(self, data: bytes) -> None:
        """Append every page of the PDF ``data``."""
        for page in self._pypdf.PdfReader(io.BytesIO(data)).pages:
            self._writer.add_page(page)

    def __len__(self) -> int:
        return len(self._writer.pages)

    def write(self, file: IO[bytes]) -> None:
        if not len(self):
            raise ValueError("a PDF needs at least one page; none was added")
        self._writer.write(file)


def png_pixels(data: bytes) -> tuple[int, int, int, bytes]:
    """Decode a PNG: (width, height, channels, pixels), 3 channels (RGB) or 4 (RGBA), 8 bits each."""
    image_module = _pillow()
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        raise ValueError("not a PNG file (wrong signature)")
    try:
        image = image_module.open(io.BytesIO(data), formats=["PNG"])
        image.load()
    except (OSError, SyntaxError, ValueError) as error:
        raise ValueError(f"cannot decode the PNG image: {error}") from None
    has_alpha = "A" in image.getbands() or "transparency" in image.info
    mode = "RGBA" if has_alpha else "RGB"
    if image.mode != mode:
        image = image.convert(mode)
    return image.width, image.height, len(mode), image.tobytes()


class PdfPages:
    """A PDF written into ``file`` one page at a time; ``close()`` writes its table of contents.

    Each page is the size of its picture at ``dpi`` (pixels · 72 / dpi points).
    """

    def __init__(self, file: IO[bytes], dpi: float = 72.0) -> None:
        self._file = file
        self._dpi = dpi
        self._start = file.tell()
        # Objects 1 and 2 (the catalogue and the page tree) are written last, when the pages are known.
        self._offsets: dict[int, int] = {}
        self._next = 3
        self._kids: list[int] = []
        self._closed = False
        self._write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")

    def __len__(self) -> int:
        return len(self._kids)

    def _write(self, data: bytes) -> None:
        self._file.write(data)

    def _object(self, number: int, head: str, stream: bytes | None = None) -> None:
        self._offsets[number] = self._file.tell() - self._start
        out = f"{number} 0 obj\n".encode("ascii")
        if stream is None:
            out += head.encode("ascii")
        else:
            out += head.replace("{length}", str(len(stream))).encode("ascii")
            out += b"\nstream\n" + stream + b"\nendstream"
        self._write(out + b"\nendobj\n")

    def add_png(self, data: bytes) -> None:
        """Add a page showing the PNG image ``data``."""
        if self._closed:
            raise ValueError("PdfPages.add_png: the PDF is already closed")
        width, height, channels, pixels = png_pixels(data)
        if channels == 4:
            rgb = bytearray(width * height * 3)
            rgb[0::3], rgb[1::3], rgb[2::3] = pixels[0::4], pixels[1::4], pixels[2::4]
            alpha = pixels[3::4]
            if alpha.count(255) == len(alpha):
                alpha = b""  # opaque after all: no mask
        else:
            rgb, alpha = bytearray(pixels), b""
        page, contents, image, mask = self._next, self._next + 1, self._next + 2, self._next + 3
        self._next += 4 if alpha else 3
        w_pt, h_pt = width * 72.0 / self._dpi, height * 72.0 / self._dpi
        smask = f" /SMask {mask} 0 R" if alpha else ""
        self._object(page, (
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {w_pt:.3f} {h_pt:.3f}] "
            f"/Resources << /XObject << /Im1 {image} 0 R >> >> /Contents {contents} 0 R >>"
        ))
        self._object(contents, "<< /Length {length} >>",
                     f"q {w_pt:.3f} 0 0 {h_pt:.3f} 0 0 cm /Im1 Do Q".encode("ascii"))
        self._object(image, (
            f"<< /Type /XObject /Subtype /Image /Width {width} /Height {height} /ColorSpace /DeviceRGB "
            f"/BitsPerComponent 8 /Filter /FlateDecode{smask} /Length {{length}} >>"
        ), zlib.compress(bytes(rgb), _COMPRESSION))
        if alpha:
            self._object(mask, (
                f"<< /Type /XObject /Subtype /Image /Width {width} /Height {height} /ColorSpace /DeviceGray "
                "/BitsPerComponent 8 /Filter /FlateDecode /Length {length} >>"
            ), zlib.compress(alpha, _COMPRESSION))
        self._kids.append(page)

    def close(self) -> None:
        """Write the page tree, the cross-reference table and the trailer."""
        if self._closed:
            return
        if not self._kids:
            raise ValueError("a PDF needs at least one page; no picture was added")
        self._closed = True
        self._object(1, "<< /Type /Catalog /Pages 2 0 R >>")
        kids = " ".join(f"{k} 0 R" for k in self._kids)
        self._object(2, f"<< /Type /Pages /Kids [{kids}] /Count {len(self._kids)} >>")
        xref = self._file.tell() - self._start
        size = self._next
        rows = [f"xref\n0 {size}\n", "0000000000 65535 f \n"]
        for number in range(1, size):
            offset = self._offsets.get(number)
            # A number left unused (no mask on an opaque page) is a free entry.
            rows.append(f"{offset:010d} 00000 n \n" if offset is not None else "0000000000 65535 f \n")
        rows.append(f"trailer\n<< /Size {size} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n")
        self._write("".join(rows).encode("ascii"))


def png_to_pdf(data: bytes, dpi: float = 72.0) -> bytes:
    """Put a PNG image on a one-page PDF; ``dpi`` sets the page size (pixels · 72 / dpi points)."""
    return pngs_to_pdf([data], dpi)


def pngs_to_pdf(pages: Iterable[bytes], dpi: float = 72.0) -> bytes:
    """One PDF with a page per PNG image, in order; each page the size of its picture at ``dpi``."""
    out = io.BytesIO()
    pdf = PdfPages(out, dpi)
    for data in pages:
        pdf.add_png(data)
    if not len(pdf):
        raise ValueError("pngs_to_pdf: expected at least one PNG image, got none")
    pdf.close()
    return out.getvalue()
