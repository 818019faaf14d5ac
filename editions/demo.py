"""Files made in code for the demo and the tests: a one-page PDF and a plain cover."""

import io

from PIL import Image, ImageDraw

NAVY = "#1d4e89"


def pdf_bytes(text: str = "Docteur Imago") -> bytes:
    """A small, valid one-page PDF saying `text` (Latin-1), its offsets computed."""
    escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    stream = f"BT /F1 24 Tf 72 720 Td ({escaped}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\n" % (len(objects) + 1))
    out.write(b"startxref\n%d\n%%%%EOF\n" % xref)
    return out.getvalue()


def cover_bytes(
    text: str = "",
    *,
    color: str = NAVY,
    size: tuple[int, int] = (60, 80),
    image_format: str = "PNG",
) -> bytes:
    """A plain cover of `color`, with `text` written on it when given."""
    image = Image.new("RGB", size, color)
    if text:
        draw = ImageDraw.Draw(image)
        draw.multiline_text((24, 24), text, fill="white", font_size=max(12, size[0] // 14))
    out = io.BytesIO()
    image.save(out, format=image_format)
    return out.getvalue()
