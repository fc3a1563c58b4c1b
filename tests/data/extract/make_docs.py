#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Writes the synthetic documents of tests/data/extract/ and tests/data/hostile/.

Every document is built here byte by byte (zip, XML, PDF, CFB, RTF, MIME) from synthetic data,
so the tests do not depend on an office suite. Run from anywhere; the outputs are committed:

    python3 tests/data/extract/make_docs.py

Synthetic identifiers used (no real person): CIN BK734021 and JA501287, RIB
007 780 0001234567890123 96 (key valid, ../shared/spec/moroccan-pii.md section 6), CNSS
795440022, phone 0612345678. Encrypted samples whose encryption needs a real tool were made
once with: `zip -e -P secret` (encrypted.zip), `7z a -psecret [-mhe=on]` (encrypted.7z,
encrypted-names.7z), `qpdf --encrypt secret owner 256 --`
(encrypted.pdf), and `bsdtar --format 7zip -cf archive.7z latin1.txt cp1256.txt` (archive.7z,
Python writes no 7z).
"""

import bz2
import io
import os
import struct
import zipfile
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
DOCS = HERE
HOSTILE = os.path.join(os.path.dirname(HERE), "hostile")

W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
MC = 'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"'
XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


def write(path, data):
    if isinstance(data, str):
        data = data.encode("utf-8")
    with open(path, "wb") as f:
        f.write(data)


def zip_bytes(members, compression=zipfile.ZIP_DEFLATED):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as z:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            info.compress_type = compression
            z.writestr(info, data)
    return out.getvalue()


# ---- OOXML ----

def docx(body, headers=(), footers=()):
    members = [("[Content_Types].xml", XML + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'),
               ("word/document.xml", XML + f'<w:document {W} {MC}><w:body>{body}</w:body></w:document>')]
    for i, h in enumerate(headers, 1):
        members.append((f"word/header{i}.xml", XML + f'<w:hdr {W}>{h}</w:hdr>'))
    for i, f in enumerate(footers, 1):
        members.append((f"word/footer{i}.xml", XML + f'<w:ftr {W}>{f}</w:ftr>'))
    return zip_bytes(members)


def p(*runs, ppr=""):
    return "<w:p>" + ppr + "".join(f'<w:r><w:rPr><w:b/></w:rPr><w:t xml:space="preserve">{r}</w:t></w:r>' for r in runs) + "</w:p>"


def tbl(rows):
    out = "<w:tbl><w:tblPr/><w:tblGrid/>"
    for row in rows:
        out += "<w:tr>" + "".join(f"<w:tc><w:tcPr/>{p(c)}</w:tc>" for c in row) + "</w:tr>"
    return out + "</w:tbl>"


def make_docx():
    body = (p("المملكة المغربية")
            + p("وزارة الداخلية")
            + p("Le titulaire de la CIN ", "BK7", "34021", " est convoqué.")
            + '<w:p><w:r><w:t>Avant</w:t></w:r><w:r><w:tab/><w:t>tab</w:t></w:r><w:r><w:br/><w:t>après</w:t></w:r></w:p>'
            + '<w:p><w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:t>boite</w:t></mc:Choice>'
              '<mc:Fallback><w:t>DOUBLON</w:t></mc:Fallback></mc:AlternateContent></w:r></w:p>'
            + '<w:p><w:pPr><w:tabs><w:tab w:val="left" w:pos="720"/></w:tabs></w:pPr><w:r><w:instrText>PAGE</w:instrText><w:t>fin</w:t></w:r></w:p>'
            + tbl([["Nom", "CIN", "RIB"],
                   ["Amal Idrissi", "JA501287", "007 780 0001234567890123 96"]])
            + p("Après le tableau"))
    write(os.path.join(DOCS, "letter.docx"),
          docx(body, headers=[p("Confidentiel") + p("N° 125/DGSN")], footers=[p("Diffusion restreinte")]))


def xlsx(sheets, shared):
    sst = XML + '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">' + "".join(
        f"<si><t>{s}</t></si>" if not s.startswith("RUNS:") else
        "<si>" + "".join(f"<r><t>{x}</t></r>" for x in s[5:].split("|")) + '<rPh><t>PHONETIC</t></rPh></si>'
        for s in shared) + "</sst>"
    wb = XML + ('<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
                + "".join(f'<sheet name="S{i}" sheetId="{i}" r:id="rId{i}"/>' for i in range(len(sheets), 0, -1))
                + "</sheets></workbook>")
    rels = XML + ('<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                  + "".join(f'<Relationship Id="rId{i}" Target="worksheets/sheet{i}.xml"/>' for i in range(1, len(sheets) + 1))
                  + "</Relationships>")
    members = [("[Content_Types].xml", XML + "<Types/>"), ("xl/workbook.xml", wb),
               ("xl/_rels/workbook.xml.rels", rels), ("xl/sharedStrings.xml", sst)]
    for i, rows in enumerate(sheets, 1):
        xml = XML + '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        for r, cells in enumerate(rows, 1):
            xml += f'<row r="{r}">' + "".join(cells) + "</row>"
        members.append((f"xl/worksheets/sheet{i}.xml", xml + "</sheetData></worksheet>"))
    return zip_bytes(members)


def make_xlsx():
    shared = ["Nom", "CIN", "CNSS", "Téléphone", "Amal Idrissi", "RUNS:BK73|4021"]
    # listed in reverse order in the workbook: sheet2 comes first
    sheet1 = [['<c r="A1" t="s"><v>0</v></c>', '<c r="B1" t="s"><v>1</v></c>', '<c r="C1" t="s"><v>2</v></c>', '<c r="D1" t="s"><v>3</v></c>'],
              ['<c r="A2" t="s"><v>4</v></c>', '<c r="B2" t="s"><v>5</v></c>', '<c r="C2"><v>7.95440022E8</v></c>', '<c r="D2" t="inlineStr"><is><t>0612345678</t></is></c>'],
              ['<c r="A3" t="inlineStr"><is><t>Saad</t></is></c>', '<c r="C3"><v>795440023.0</v></c>', '<c r="D3"><v>3.5</v></c>']]
    sheet2 = [['<c r="A1" t="inlineStr"><is><t>Second</t></is></c>', '<c r="XFD1" t="inlineStr"><is><t>FAR</t></is></c>'],
              ['<c r="A2" t="b"><v>1</v></c>', '<c r="B2" t="e"><v>#DIV/0!</v></c>', '<c r="C2" t="s"><v>99</v></c>', '<c r="D2" t="str"><v>formule</v></c>']]
    write(os.path.join(DOCS, "list.xlsx"), xlsx([sheet1, sheet2], shared))


def make_pptx():
    A = 'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main"'
    def slide(inner):
        return XML + f'<p:sld {A}><p:cSld><p:spTree><p:sp><p:txBody><a:bodyPr/><a:lstStyle/>{inner}</p:txBody></p:sp></p:spTree></p:cSld></p:sld>'
    s1 = slide('<a:p><a:r><a:rPr lang="fr"/><a:t>Réunion du comité</a:t></a:r></a:p>')
    s2 = slide('<a:p><a:r><a:t>CIN JA50</a:t></a:r><a:r><a:t>1287</a:t></a:r><a:br/><a:r><a:t>ligne 2</a:t></a:r></a:p>'
               '<a:tbl><a:tr><a:tc><a:txBody><a:p><a:r><a:t>Nom</a:t></a:r></a:p></a:txBody></a:tc><a:tc><a:txBody><a:p><a:r><a:t>CIN</a:t></a:r></a:p></a:txBody></a:tc></a:tr>'
               '<a:tr><a:tc><a:txBody><a:p><a:r><a:t>Amal</a:t></a:r></a:p></a:txBody></a:tc><a:tc><a:txBody><a:p><a:r><a:t>BK734021</a:t></a:r></a:p></a:txBody></a:tc></a:tr></a:tbl>')
    notes = XML + f'<p:notes {A}><p:cSld><p:spTree><p:sp><p:txBody><a:p><a:r><a:t>Note orale</a:t></a:r></a:p></p:txBody></p:sp></p:spTree></p:cSld></p:notes>'
    write(os.path.join(DOCS, "slides.pptx"), zip_bytes([
        ("[Content_Types].xml", XML + "<Types/>"), ("ppt/presentation.xml", XML + f"<p:presentation {A}/>"),
        ("ppt/slides/slide10.xml", s2), ("ppt/slides/slide2.xml", s1),
        ("ppt/notesSlides/notesSlide1.xml", notes)]))


# ---- OpenDocument ----

ODF_NS = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
          'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
          'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
          'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"')


def odf(mimetype, body, styles_inner="", manifest_extra=""):
    content = XML + f'<office:document-content {ODF_NS}><office:body>{body}</office:body></office:document-content>'
    styles = XML + f'<office:document-styles {ODF_NS}><office:master-styles>{styles_inner}</office:master-styles></office:document-styles>'
    manifest = XML + ('<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
                      f'<manifest:file-entry manifest:full-path="/" manifest:media-type="{mimetype}"/>'
                      f'<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml">{manifest_extra}</manifest:file-entry>'
                      '</manifest:manifest>')
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), mimetype)  # stored, first: the ODF rule
        for name, data in (("content.xml", content), ("styles.xml", styles), ("META-INF/manifest.xml", manifest)):
            z.writestr(zipfile.ZipInfo(name), data, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def make_odt():
    body = ('<office:text><text:h>Royaume du Maroc</text:h>'
            '<text:p>CIN <text:span>BK7</text:span><text:span>34021</text:span><text:s text:c="3"/>fin<text:tab/>x<text:line-break/>suite</text:p>'
            '<table:table><table:table-row><table:table-cell><text:p>Nom</text:p></table:table-cell><table:table-cell><text:p>RIB</text:p></table:table-cell></table:table-row>'
            '<table:table-row><table:table-cell><text:p>Amal</text:p><text:p>Idrissi</text:p></table:table-cell><table:table-cell><text:p>007 780 0001234567890123 96</text:p></table:table-cell></table:table-row></table:table>'
            '<text:p>Fin du document</text:p></office:text>')
    styles = ('<style:master-page style:name="Standard"><style:header><text:p>Très secret</text:p></style:header>'
              '<style:footer><text:p>Pied de page</text:p></style:footer></style:master-page>')
    write(os.path.join(DOCS, "letter.odt"), odf("application/vnd.oasis.opendocument.text", body, styles))
    write(os.path.join(HOSTILE, "encrypted.odt"), odf(
        "application/vnd.oasis.opendocument.text", "<office:text><text:p>x</text:p></office:text>", "",
        '<manifest:encryption-data manifest:checksum-type="SHA1/1K" manifest:checksum="AAAA"/>'))


def make_ods():
    body = ('<office:spreadsheet><table:table table:name="A">'
            '<table:table-row><table:table-cell office:value-type="string"><text:p>Nom</text:p></table:table-cell>'
            '<table:table-cell table:number-columns-repeated="2"/><table:table-cell><text:p>CNSS</text:p></table:table-cell></table:table-row>'
            '<table:table-row><table:table-cell><text:p>Amal</text:p></table:table-cell><table:table-cell table:number-columns-repeated="2"/>'
            '<table:table-cell office:value-type="float" office:value="795440022"><text:p>7.95E+08</text:p></table:table-cell>'
            '<table:table-cell table:number-columns-repeated="16000"/></table:table-row>'
            '<table:table-row table:number-rows-repeated="1048000"><table:table-cell table:number-columns-repeated="1024"/></table:table-row>'
            '</table:table><table:table table:name="B"><table:table-row><table:table-cell><text:p>Feuille B</text:p></table:table-cell></table:table-row></table:table>'
            '</office:spreadsheet>')
    write(os.path.join(DOCS, "list.ods"), odf("application/vnd.oasis.opendocument.spreadsheet", body))


# ---- RTF, HTML, mail, archives, encodings ----

def make_rtf():
    arabic = "رقم البطاقة".encode("cp1256")
    hexed = "".join("\\'%02x" % b for b in arabic)
    rtf = ("{\\rtf1\\ansi\\ansicpg1256\\deff0{\\fonttbl{\\f0\\fnil\\fcharset178 Arial;}{\\f1\\fnil\\fcharset0 Times;}}"
           "{\\colortbl;\\red0\\green0\\blue0;}{\\*\\generator Synthetic;}{\\info{\\author SECRET-AUTHOR}}"
           "{\\header \\pard Confidentiel\\par}{\\footer \\pard Page\\par}"
           "\\pard\\f0 " + hexed + " BK734021\\par"
           "\\f1 Caf\\'e9 \\u1605?\\u1608? \\uc2\\u1604\\'e1\\'e1 fin\\par"
           "{\\*\\unknowndest ignored text}"
           "\\trowd\\cellx1000\\cellx2000\\pard\\intbl Nom\\cell CIN\\cell\\row"
           "\\trowd\\cellx1000\\cellx2000\\pard\\intbl Amal\\cell JA501287\\cell\\row"
           "\\pard Apr\\'e8s\\par{\\pict\\pngblip 89504e47}}")
    write(os.path.join(DOCS, "letter.rtf"), rtf.encode("latin-1"))


def make_html():
    html = ("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Liste</title>"
            "<style>p{color:red}</style><script>var cin='XX999999';</script></head><body>"
            "<h1>Royaume du Maroc</h1><p>CIN <b>BK7</b>34021 &eacute;t&eacute;</p>"
            "<table><tr><th>Nom</th><th>CIN</th></tr><tr><td>Amal<br>Idrissi</td><td>JA501287</td></tr></table>"
            "<div>Fin</div></body></html>")
    write(os.path.join(DOCS, "page.html"), html)
    page_cp1256 = ("<html><body><p>" + "رقم البطاقة الوطنية BK734021" + "</p></body></html>").encode("cp1256")
    write(os.path.join(DOCS, "page-cp1256.html"), page_cp1256)


def make_mail():
    import base64
    import quopri
    attach = zip_bytes([("inner.txt", "Liste: CIN JA501287\n")])
    b64 = base64.encodebytes(attach).decode()
    qp = quopri.encodestring("Bonjour, la CIN de Mme Idrissi est BK734021 ; merci.\n".encode("utf-8")).decode()
    csv_qp = quopri.encodestring("الاسم;رقم البطاقة\r\nأمل;BK734021\r\nسعد;JA501287\r\n".encode("cp1256")).decode()
    msg = ("From: Agent <agent@commune.example.ma>\r\nTo: chef@commune.example.ma\r\n"
           "Subject: =?UTF-8?B?" + base64.b64encode("Dossier confidentiel".encode()).decode() + "?=\r\n"
           "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"XYZ\"\r\n\r\n"
           "--XYZ\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
           + qp + "\r\n--XYZ\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>Tableau <b>HTML</b></p>\r\n"
           "--XYZ\r\nContent-Type: application/octet-stream; name=\"liste.jpg\"\r\n"
           "Content-Disposition: attachment; filename=\"liste.jpg\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
           + b64 + "\r\n--XYZ\r\nContent-Type: text/csv; charset=windows-1256; name=\"liste.csv\"\r\n"
           "Content-Disposition: attachment; filename=\"liste.csv\"\r\n"
           "Content-Transfer-Encoding: quoted-printable\r\n\r\n" + csv_qp + "\r\n--XYZ--\r\n")
    write(os.path.join(DOCS, "message.eml"), msg)


def make_archives():
    import tarfile
    import gzip
    data = "Bénéficiaire: CIN BK734021\n".encode("utf-8")
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as t:
        info = tarfile.TarInfo("docs/liste.txt")
        info.size = len(data)
        info.mtime = 0
        t.addfile(info, io.BytesIO(data))
    write(os.path.join(DOCS, "archive.tar.gz"), gzip.compress(out.getvalue(), mtime=0))
    write(os.path.join(DOCS, "plain.txt.bz2"), bz2.compress("CIN JA501287\n".encode()))


def make_encodings():
    text = "الاسم: أمل الإدريسي، رقم البطاقة الوطنية BK734021، الهاتف 0612345678\nFin de la liste.\n"
    write(os.path.join(DOCS, "utf16le-bom.txt"), b"\xff\xfe" + text.encode("utf-16-le"))
    write(os.path.join(DOCS, "utf16be-nobom.txt"), text.encode("utf-16-be"))
    write(os.path.join(DOCS, "cp1256.txt"), text.encode("cp1256"))
    write(os.path.join(DOCS, "iso8859-6.txt"), "الاسم: أمل الإدريسي، رقم البطاقة BK734021\n".encode("iso-8859-6"))
    write(os.path.join(DOCS, "latin1.txt"), "Élève: Amélie Dupré, née à Fès, CIN BK734021, Égalité.\n".encode("latin-1"))
    write(os.path.join(DOCS, "utf8-bom.txt"), b"\xef\xbb\xbf" + text.encode("utf-8"))
    csv_text = 'Nom;CIN;Adresse\r\n"Idrissi; Amal";BK734021;"12 rue\r\nTanger"\r\nSaad;JA501287;Fès\r\n'
    write(os.path.join(DOCS, "list-cp1256.csv"), csv_text.encode("cp1256"))


# ---- PDF ----

def pdf(pages, compress=False, extra_objects=None, trailer_extra="", repeat=1, media="0 0 595 842"):
    """pages: list of content stream bytes, Helvetica text; repeat: pages drawn again, sharing
    the objects of the last one."""
    objs = {}
    n_pages = len(pages)
    kids = " ".join(f"{4 + 2 * i} 0 R" for i in range(n_pages))
    first_extra = 4 + 2 * n_pages
    kids += "".join(f" {first_extra + i} 0 R" for i in range(repeat - 1))
    objs[1] = b"<< /Type /Catalog /Pages 2 0 R >>"
    objs[2] = f"<< /Type /Pages /Kids [{kids}] /Count {n_pages + repeat - 1} >>".encode()
    objs[3] = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
    for i, content in enumerate(pages):
        page, stream = 4 + 2 * i, 5 + 2 * i
        objs[page] = (f"<< /Type /Page /Parent 2 0 R /MediaBox [{media}] /Resources << /Font << /F1 3 0 R >> >> "
                      f"/Contents {stream} 0 R >>").encode()
        data = zlib.compress(content, 9) if compress else content
        filt = b" /Filter /FlateDecode" if compress else b""
        objs[stream] = b"<< /Length " + str(len(data)).encode() + filt + b" >>\nstream\n" + data + b"\nendstream"
    for i in range(repeat - 1):
        objs[first_extra + i] = objs[4 + 2 * (n_pages - 1)]
    for k, v in (extra_objects or {}).items():
        objs[k] = v
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for k in sorted(objs):
        offsets[k] = len(out)
        out += f"{k} 0 obj\n".encode() + objs[k] + b"\nendobj\n"
    xref = len(out)
    size = max(objs) + 1
    out += f"xref\n0 {size}\n0000000000 65535 f \n".encode()
    for k in range(1, size):
        out += (f"{offsets[k]:010d} 00000 n \n" if k in offsets else "0000000000 65535 f \n").encode()
    out += f"trailer\n<< /Size {size} /Root 1 0 R {trailer_extra}>>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def text_ops(lines, y=800):
    ops = b"BT /F1 11 Tf 14 TL 50 %d Td\n" % y
    for line in lines:
        ops += b"(" + line.encode("cp1252").replace(b"(", b"\\(").replace(b")", b"\\)") + b") Tj T*\n"
    return ops + b"ET\n"


def table_pdf():
    """A table drawn cell by cell, row after row, each cell its own text object at its column's
    x, as office suites export tables: poppler's reading order takes it column by column."""
    rows = [("Nom", "CIN", "Telephone"), ("Alaoui", "BK734021", "0612345678"),
            ("Bennani", "JA501287", "0661234567")]
    ops = b"BT /F1 12 Tf 50 800 Td (Liste des beneficiaires) Tj ET\n"
    for r, row in enumerate(rows):
        for c, cell in enumerate(row):
            ops += b"BT /F1 11 Tf %d %d Td (%s) Tj ET\n" % (50 + 150 * c, 760 - 16 * r, cell.encode())
    return pdf([ops])


def make_pdfs():
    letter = pdf([text_ops(["ROYAUME DU MAROC", "Ministere de l'Interieur", "CIN : BK734021",
                            "RIB : 007 780 0001234567890123 96"]),
                  # an identifier split over text operators with kerning (TJ)
                  b"BT /F1 11 Tf 50 800 Td [(CIN JA5) -20 (01) 10 (287)] TJ ET\n"])
    write(os.path.join(DOCS, "letter.pdf"), letter)
    write(os.path.join(DOCS, "table.pdf"), table_pdf())
    # content type comes from the bytes: a PDF named like a picture
    write(os.path.join(DOCS, "scan.jpg"), letter)
    write(os.path.join(HOSTILE, "truncated.pdf"), letter[: len(letter) // 2])
    write(os.path.join(HOSTILE, "garbage.pdf"), b"%PDF-1.7\n" + bytes((i * 7919) & 0xff for i in range(3000)))
    # a page tree whose Kids point back to the tree itself
    loop = pdf([text_ops(["boucle"])], extra_objects={2: b"<< /Type /Pages /Kids [2 0 R 4 0 R] /Count 2 >>"})
    write(os.path.join(HOSTILE, "page-loop.pdf"), loop)
    # a content stream of 32 million glyphs, all on the page, compressed to some tens of KB:
    # poppler's text layout needs more memory and time for it than the parser is allowed
    glyphs = b"BT /F1 1 Tf 1.2 TL 10 800 Td " + (b"(" + b"A" * 800 + b") Tj T* ") * 650 + b"ET\n"
    write(os.path.join(HOSTILE, "glyph-bomb.pdf"), pdf([glyphs], compress=True, repeat=200))


# ---- hostile containers ----

def make_hostile():
    # zip bomb: 10 MiB of zeros in ~10 KB (deflate tops out near 1:1030)
    write(os.path.join(HOSTILE, "zip-bomb.zip"), zip_bytes([("zeros.txt", b"\0" * (10 << 20))]))
    # bzip2 bomb: 1 GiB of one letter in under 1 KB (zeros would read as an empty tar)
    comp = bz2.BZ2Compressor(9)
    chunks = [comp.compress(b"A" * (1 << 20)) for _ in range(1024)]
    write(os.path.join(HOSTILE, "bzip2-bomb.bz2"), b"".join(chunks) + comp.flush())
    # archives nested 12 deep, a text at the bottom
    inner = zip_bytes([("bottom.txt", "CIN BK734021\n")])
    for i in range(12):
        inner = zip_bytes([(f"level{i}.zip", inner)])
    write(os.path.join(HOSTILE, "nested.zip"), inner)
    # XML entity expansion ("billion laughs") inside a DOCX body
    lol = '<!DOCTYPE lolz [<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 if i > 1 else "")) * 10}">' for i in range(1, 10)) + "]>"
    lol = lol.replace("&lol0;", "&lol;")
    doc = f'<?xml version="1.0"?>{lol}<w:document {W}><w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:body></w:document>'
    write(os.path.join(HOSTILE, "billion-laughs.docx"), zip_bytes([("[Content_Types].xml", "<Types/>"), ("word/document.xml", doc)]))
    # elements nested 100000 deep
    deep = f'<w:document {W}><w:body>' + "<w:p>" * 30000 + "</w:p>" * 30000 + "</w:body></w:document>"
    write(os.path.join(HOSTILE, "deep-xml.docx"), zip_bytes([("[Content_Types].xml", "<Types/>"), ("word/document.xml", deep)]))
    # invalid UTF-16: BOM, text, lone surrogates, an odd trailing byte
    bad = b"\xff\xfe" + "CIN BK734021 ".encode("utf-16-le") + b"\x00\xd8\x41\x00\x00\xdc" + "fin".encode("utf-16-le") + b"\x41"
    write(os.path.join(HOSTILE, "invalid-utf16.txt"), bad)
    # RTF groups nested 100000 deep
    write(os.path.join(HOSTILE, "deep.rtf"), b"{\\rtf1 " + b"{" * 10000 + b"x" + b"}" * 10000 + b"}")
    # MIME multiparts nested 200 deep
    msg = "From: a@example.ma\r\nMIME-Version: 1.0\r\n"
    for i in range(200):
        msg += f'Content-Type: multipart/mixed; boundary="b{i}"\r\n\r\n--b{i}\r\n'
    msg += "Content-Type: text/plain\r\n\r\nfond\r\n"
    write(os.path.join(HOSTILE, "deep-mime.eml"), msg)
    write(os.path.join(HOSTILE, "encrypted-ooxml.docx"), cfb_encrypted())
    # a real PNG: 1x1 pixel
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)) + \
        chunk(b"IDAT", zlib.compress(b"\0\0\0\0")) + chunk(b"IEND", b"")
    write(os.path.join(HOSTILE, "image.png"), png)


def cfb_encrypted():
    """A Compound File (MS-CFB v3) holding EncryptionInfo and EncryptedPackage, the container
    Office writes for a password-protected OOXML file (MS-OFFCRYPTO 2.3.4.10). Content is
    dummy bytes: what matters is the container."""
    SECT, FREE, END, FATSECT, NOSTREAM = 512, 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
    info = (struct.pack("<HHI", 4, 4, 0x40) + b'<?xml version="1.0"?><encryption/>').ljust(4096, b"\0")
    package = struct.pack("<Q", 4000) + bytes(4088)
    fat = [FATSECT, END] + [3, 4, 5, 6, 7, 8, 9, END] + [11, 12, 13, 14, 15, 16, 17, END]
    fat += [FREE] * (128 - len(fat))

    def entry(name, kind, child=NOSTREAM, right=NOSTREAM, start=END, size=0):
        raw = name.encode("utf-16-le") + b"\0\0"
        return (raw.ljust(64, b"\0") + struct.pack("<HBB", len(raw) if name else 0, kind, 1)
                + struct.pack("<III", NOSTREAM, right, child) + bytes(16) + struct.pack("<I", 0)
                + bytes(16) + struct.pack("<IQ", start, size))
    dirs = (entry("Root Entry", 5, child=1) + entry("EncryptionInfo", 2, right=2, start=2, size=4096)
            + entry("EncryptedPackage", 2, start=10, size=4096) + entry("", 0))
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(16) + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
              + bytes(6) + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, END, 0, END, 0)
              + struct.pack("<I", 0) + struct.pack("<I", FREE) * 108)
    assert len(header) == SECT
    return header + struct.pack("<128I", *fat) + dirs + info + package


if __name__ == "__main__":
    os.makedirs(HOSTILE, exist_ok=True)
    make_docx()
    make_xlsx()
    make_pptx()
    make_odt()
    make_ods()
    make_rtf()
    make_html()
    make_mail()
    make_archives()
    make_encodings()
    make_pdfs()
    make_hostile()
