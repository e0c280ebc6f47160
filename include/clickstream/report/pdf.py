"""The report as a PDF: ``report.pdf`` from the day's ``report.html``, by WeasyPrint (with Debian's Pango).

One source of truth: the PDF is the HTML page printed, through the page's own print styles (``@media print``
and ``@page`` in ``templates/report.html.j2``: A4, each section from a new page, table rows kept whole, the
partition and the run in every page's top margin). WeasyPrint lays out CSS paged media itself (margin boxes,
``string-set``, page counters), draws the charts' SVG as vector paths and embeds subsets of the fonts; it is a
Python package on top of Pango, so the Docker image needs two Debian libraries rather than a browser
(docs/pipeline.md, "The PDF"). It is imported on use: it costs 1.5 s to import and 3 to 8 s a report.
"""

from __future__ import annotations

from pathlib import Path

from clickstream.atomic import replace_with

PDF_NAME = "report.pdf"


class PdfRendererMissingError(RuntimeError):
    """WeasyPrint or the Pango library it loads is not installed on this machine."""


def render_pdf(html_path: Path, pdf_path: Path | None = None) -> Path:
    """Print ``html_path`` to ``pdf_path`` (default: report.pdf beside it), replaced whole or not at all."""
    pdf_path = pdf_path or html_path.with_name(PDF_NAME)
    try:
        import weasyprint
    except (ImportError, OSError) as error:  # OSError: WeasyPrint found, Pango (libpango-1.0-0) not
        raise PdfRendererMissingError(
            f"cannot render {pdf_path}: WeasyPrint needs the Pango library (Debian: libpango-1.0-0 "
            f"libpangoft2-1.0-0, see docs/pipeline.md, 'The PDF'): {error}") from error
    document = weasyprint.HTML(filename=str(html_path), base_url=str(html_path.parent), media_type="print")
    replace_with(pdf_path, lambda beside: document.write_pdf(str(beside)))
    return pdf_path
