#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Writes a one-page PDF of the size a scanned letter has: the lines of a text file (Latin-1
text, Helvetica) over an incompressible grey image that brings the file to about SIZE bytes.

  make_pdf.py TEXT_FILE SIZE OUT.pdf

The corpus letters are a few KiB; a document people send weighs more, and a larger file makes
the upload-size match as discriminating as it is in real use.
"""
import os
import sys


def escape(s):
    return s.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def main():
    text_file, size, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    with open(text_file, encoding="utf-8") as f:
        lines = [l.rstrip("\r\n") for l in f]
    content = ["BT /F1 9 Tf 40 800 Td 11 TL"]
    for line in lines:
        enc = line.encode("latin-1", "replace").decode("latin-1")
        content.append("(%s) '" % escape(enc))
    content.append("ET")
    text = "\n".join(content).encode("latin-1")
    side = max(16, int(max(size - 2000 - len(text), 256) ** 0.5))
    image = os.urandom(side * side)
    draw = b"q 200 0 0 200 380 40 cm /Im1 Do Q\n"
    stream = draw + text
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> /XObject << /Im1 6 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray "
        b"/BitsPerComponent 8 /Length %d >>\nstream\n" % (side, side, len(image)) + image +
        b"\nendstream",
    ]
    pdf = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objects, 1):
        offsets.append(len(pdf))
        pdf += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(pdf)
    pdf += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for off in offsets:
        pdf += b"%010d 00000 n \n" % off
    pdf += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    with open(out, "wb") as f:
        f.write(pdf)


if __name__ == "__main__":
    main()
