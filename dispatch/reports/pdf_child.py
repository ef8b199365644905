"""Builds one report PDF in a child process: HTML on stdin, the PDF on stdout.

    python dispatch/reports/pdf_child.py STATIC_FOLDER < page.html > report.pdf

The server hands each PDF to a child (waited for on a real thread,
`run_off_loop`): the layout and font subsetting take a second or two of CPU,
which in the server's own process would hold the interpreter's lock against the
event loop, and WeasyPrint's and fontTools' logging would take the server's
green locks from a foreign thread. Run as a file, it imports nothing of the
application (only WeasyPrint), so it starts quickly. The addresses the page
named and were refused go to stderr, one a line.
"""
from __future__ import annotations

import mimetypes
import sys
from pathlib import Path

# The URL the PDF's page is rendered at: only its /static/ files resolve (from disk), nothing else.
PDF_BASE = "https://report.invalid/"


def own_static_fetcher(static_folder: str, refused: list[str]):
    """A WeasyPrint URL fetcher that serves this site's /static/ files from disk and refuses every other URL
    (a report's texts may name any address: nothing is fetched from the network or the file system)."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    root = Path(static_folder).resolve()
    prefix = PDF_BASE + "static/"

    class OwnStatic(URLFetcher):
        def fetch(self, url, headers=None):
            path = (root / url[len(prefix):].split("?", 1)[0]).resolve() if url.startswith(prefix) else None
            if path is None or root not in path.parents or not path.is_file():
                refused.append(url[:80])
                raise ValueError(f"not fetched: {url[:80]}")
            return URLFetcherResponse(url, path.read_bytes(),
                                      {"Content-Type": mimetypes.guess_type(path.name)[0] or "text/plain"})

    return OwnStatic(allowed_protocols=("https",))


def write_pdf(html: str, static_folder: str, refused: list[str]) -> bytes:
    import weasyprint

    return weasyprint.HTML(string=html, base_url=PDF_BASE,
                           url_fetcher=own_static_fetcher(static_folder, refused)).write_pdf()


def main() -> None:
    refused: list[str] = []
    html = sys.stdin.buffer.read().decode("utf-8")
    pdf = write_pdf(html, sys.argv[1], refused)
    sys.stdout.buffer.write(pdf)
    sys.stdout.buffer.flush()
    for url in refused:
        print(url, file=sys.stderr)


if __name__ == "__main__":
    main()
