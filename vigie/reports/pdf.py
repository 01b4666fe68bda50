"""HTML to PDF with WeasyPrint, without any network access.

The document is rendered from the same review template as the page, with a print stylesheet.
Its only outside resources are Vigie's own static files: the URL fetcher serves those from the
disk and refuses everything else (no HTTP, no file:// outside the static files, no data: URLs
beyond the document), so a PDF never leaks a request to a third party nor waits for one.
"""

from __future__ import annotations

import logging
import mimetypes
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders

if TYPE_CHECKING:
    from weasyprint import Document

# The document's own base URL: relative and /static/ links resolve against it, then to the disk.
BASE_URL = "https://vigie.invalid/"


class _KnownFontNotice(logging.Filter):
    """Drops WeasyPrint's notice, at every PDF, that fonts are subset with fontTools (no HarfBuzz-Subset library)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Using fontTools instead of HarfBuzz-Subset")


# WeasyPrint narrates every step at INFO, fontTools every subset table; the warnings that matter
# (a refused URL, a bad CSS rule) still show.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
logging.getLogger("fontTools").setLevel(logging.WARNING)
logging.getLogger("weasyprint").addFilter(_KnownFontNotice())


@cache
def _fetcher_class() -> type[Any]:
    # WeasyPrint loads Pango and its stylesheets on import: only when a PDF is made.
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticFilesOnly(URLFetcher):  # type: ignore[misc]
        """Serves ``/static/…`` from Vigie's static files; any other URL is refused."""

        def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
            path = static_path(url)
            if path is None:
                raise ValueError(f"Refused to fetch {url!r}: a PDF only uses Vigie's own static files.")
            content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": content_type})

    return StaticFilesOnly


def static_files_only() -> Any:
    """A WeasyPrint URL fetcher that serves ``/static/…`` from the disk and refuses any other URL."""
    return _fetcher_class()(timeout=1)


def static_path(url: str) -> Path | None:
    """The file behind a static URL of the document, or None if the URL is not one."""
    parts = urlsplit(url)
    if f"{parts.scheme}://{parts.netloc}/" != BASE_URL or not parts.path.startswith(settings.STATIC_URL):
        return None
    relative = unquote(parts.path[len(settings.STATIC_URL) :])
    if not relative or ".." in Path(relative).parts:
        return None
    found = finders.find(relative)
    if isinstance(found, list):
        found = found[0] if found else None
    if found:
        return Path(found)
    collected = Path(settings.STATIC_ROOT) / relative
    return collected if collected.is_file() else None


def render_document(html: str) -> Document:
    """Lay out ``html`` for print (a WeasyPrint document: pages, boxes, text)."""
    from weasyprint import HTML

    return HTML(string=html, base_url=BASE_URL, url_fetcher=static_files_only()).render()


def html_to_pdf(html: str) -> bytes:
    """The PDF of ``html``, tagged (headings, tables and lists readable by a screen reader)."""
    pdf: bytes = render_document(html).write_pdf(pdf_tags=True)
    return pdf


def document_text(document: Document) -> str:
    """All the text laid out in a rendered document, page after page (for checks and tests)."""
    pieces: list[str] = []

    def walk(box: Any) -> None:
        text = getattr(box, "text", None)
        if isinstance(text, str):
            pieces.append(text)
        for child in getattr(box, "children", ()) or ():
            walk(child)

    for page in document.pages:
        walk(page._page_box)
    return " ".join(pieces)
