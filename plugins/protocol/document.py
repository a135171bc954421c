"""The application as a Word document, for registries that take a file (ΙΡΙΔΑ takes pdf, doc, docx).

A .docx is a zip of XML, so Greek text needs no fonts embedded (a PDF
would); three parts are the least a word processor opens.
"""

from __future__ import annotations

import io
import zipfile
from xml.etree import ElementTree
from xml.sax.saxutils import escape

from gateway.plugin_api import PermanentError
from plugins.protocol.mapping import Application

MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    "</Types>"
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>'
    "</Relationships>"
)


def file_name(app: Application) -> str:
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in app.request_id)
    return f"aitisi-{safe}.docx"


def _paragraph(text: str, bold: bool = False) -> str:
    props = "<w:rPr><w:b/></w:rPr>" if bold else ""
    return f'<w:p><w:r>{props}<w:t xml:space="preserve">{escape(text)}</w:t></w:r></w:p>'


def lines(app: Application) -> list[tuple[str, bool]]:
    """The document's text, line by line (bold or not); also what tests read back."""
    rows = [
        (app.subject, True),
        (f"Αριθμός αίτησης πύλης: {app.request_id}", False),
        (f"Είδος αίτησης: {app.request_type}", False),
        (f"Αιτών/ούσα: {app.sender.get('full_name', '')}", False),
    ]
    if app.sender.get("afm"):
        rows.append((f"ΑΦΜ: {app.sender['afm']}", False))
    if app.sender.get("email"):
        rows.append((f"E-mail: {app.sender['email']}", False))
    if app.received_at:
        rows.append((f"Υποβλήθηκε: {app.received_at}", False))
    rows.append((f"Προς: {app.department}", False))
    if app.description:
        rows += [("Περιγραφή", True), (app.description, False)]
    if app.attachments:
        rows.append(("Συνημμένα στην πύλη", True))
        rows += [(f"- {item.get('file_name', '')}", False) for item in app.attachments]
    rows.append((f"Αναφορά πύλης: {app.reference}", False))
    return rows


def application_docx(app: Application) -> bytes:
    body = "".join(_paragraph(text, bold) for text, bold in lines(app))
    document = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<w:document xmlns:w="{_W}"><w:body>{body}</w:body></w:document>'
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("word/document.xml", document)
    return checked(buffer.getvalue())


def checked(docx: bytes) -> bytes:
    """The document, or PermanentError if a word processor could not open it.

    Escaping makes `<` and `&` safe, but XML 1.0 has no way to write most
    control characters at all: one in a description made a .docx that ΙΡΙΔΑ
    stored and nobody could open. Every part is parsed before it is sent.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(docx)) as archive:
            for name in archive.namelist():
                ElementTree.fromstring(archive.read(name))
    except (zipfile.BadZipFile, ElementTree.ParseError) as exc:
        raise PermanentError(
            f"the application's document would not open ({exc}); the event holds text "
            "a document cannot carry (a control character?): not sent",
            code="invalid_document",
        ) from None
    return docx
