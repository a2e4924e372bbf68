"""What an uploaded PDF looks like: signed electronically, scanned, or neither.

A signed copy is either a scan (each page an image, with or without an OCR text layer) or a PDF
signed electronically (a signature field, a ``/ByteRange``, a signature annotation). A PDF that is
neither is most likely the unsigned document itself, printed to PDF again: it is accepted, with
``UNSIGNED_WARNING``. Pure functions on bytes (pypdf), no database.
"""

from __future__ import annotations

import contextlib
import io
import warnings
from dataclasses import dataclass

UNSIGNED_WARNING = (
    "Ce fichier ne porte ni signature électronique ni l'aspect d'un scan : vérifiez qu'il "
    "s'agit bien de l'exemplaire signé."
)
#: An image covering at least this share of its page is "a full-page image" (a scanned page).
FULL_PAGE_SHARE = 0.5


@dataclass(frozen=True)
class PdfTraits:
    has_signature: bool  # a /Sig field, a /ByteRange, a signature annotation
    has_text: bool  # some page has an extractable text layer
    has_full_page_image: bool  # some page is (mostly) one image, as a scanner makes them

    @property
    def looks_scanned(self) -> bool:
        return self.has_full_page_image or not self.has_text


def _is_signature(obj) -> bool:
    """A field or annotation dictionary that is (or holds) a signature."""
    try:
        obj = obj.get_object()
        if obj.get("/FT") == "/Sig" or obj.get("/Type") == "/Sig" or "/ByteRange" in obj:
            return True
        value = obj.get("/V")
        if value is not None:
            value = value.get_object()
            return hasattr(value, "get") and (value.get("/Type") == "/Sig" or "/ByteRange" in value)
    except (AttributeError, KeyError, TypeError, ValueError):
        return False
    return False


def _has_signature(reader, content: bytes) -> bool:
    if b"/ByteRange" in content:
        return True
    root = reader.trailer["/Root"]
    form = root.get("/AcroForm")
    if form is not None:
        fields = list(form.get_object().get("/Fields", []) or [])
        while fields:
            field = fields.pop().get_object()
            if _is_signature(field):
                return True
            fields.extend(field.get("/Kids", []) or [])
    for page in reader.pages:
        for annotation in page.get("/Annots", []) or []:
            if _is_signature(annotation):
                return True
    return False


def _multiply(m1: list[float], m2: list[float]) -> list[float]:
    a, b, c, d, e, f = m1
    a2, b2, c2, d2, e2, f2 = m2
    return [
        a * a2 + b * c2,
        a * b2 + b * d2,
        c * a2 + d * c2,
        c * b2 + d * d2,
        e * a2 + f * c2 + e2,
        e * b2 + f * d2 + f2,
    ]


def _largest_image_share(page) -> float:
    """The share of the page's area that its largest drawn image covers (0 without images)."""
    from pypdf.generic import ContentStream

    resources = page.get("/Resources")
    resources = resources.get_object() if resources is not None else {}
    xobjects = resources.get("/XObject")
    xobjects = xobjects.get_object() if xobjects is not None else {}
    images = {
        name for name, ref in xobjects.items() if ref.get_object().get("/Subtype") == "/Image"
    }
    if not images:
        return 0.0
    box = page.mediabox
    area = abs(float(box.width) * float(box.height)) or 1.0
    contents = page.get_contents()
    if contents is None:
        return 0.0
    matrix, stack, largest = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0], [], 0.0
    for operands, operator in ContentStream(contents, page.pdf).operations:
        if operator == b"q":
            stack.append(matrix)
        elif operator == b"Q" and stack:
            matrix = stack.pop()
        elif operator == b"cm" and len(operands) == 6:
            matrix = _multiply([float(x) for x in operands], matrix)
        elif operator == b"Do" and operands and operands[0] in images:
            a, b, c, d = matrix[:4]
            largest = max(largest, abs(a * d - b * c) / area)
    return largest


def inspect_pdf(content: bytes) -> PdfTraits:
    """The traits of a readable PDF (``check_pdf`` has already accepted it)."""
    from pypdf import PdfReader

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reader = PdfReader(io.BytesIO(content))
        signature = False
        with contextlib.suppress(Exception):  # a malformed form or annotation: none found
            signature = _has_signature(reader, content)
        has_text, full_page = False, False
        for page in reader.pages:
            # An unreadable text layer counts as none; a malformed content stream, as no image.
            with contextlib.suppress(Exception):
                has_text = has_text or bool(page.extract_text().strip())
            with contextlib.suppress(Exception):
                full_page = full_page or _largest_image_share(page) >= FULL_PAGE_SHARE
    return PdfTraits(has_signature=signature, has_text=has_text, has_full_page_image=full_page)


def signed_copy_warning(traits: PdfTraits) -> str:
    """The warning kept with a signed copy that shows no sign of having been signed ("")."""
    if traits.has_signature or traits.looks_scanned:
        return ""
    return UNSIGNED_WARNING
