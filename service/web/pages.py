"""The two pages (/ to check a text, /status for memory over time) and the files they load, from ./static.

Everything a page needs is served from here: no other host is contacted, and the Content-Security-Policy
says so to the browser, which then refuses inline script and any script, style or request elsewhere.
Only the files found in ./static when the process starts can be asked for, by their exact path.
"""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

STATIC_DIR = Path(__file__).parent / "static"
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
}
# What a page may load: its own files, and requests to this service; nothing inline, nothing framed.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    # Evidence sources are links to other sites: they need not learn which text was being checked.
    "Referrer-Policy": "no-referrer",
    # Revalidated each time (a 304 by ETag when unchanged), so a new release is seen at once.
    "Cache-Control": "no-cache",
}
# Scripts and styles, by their path under /static/ (vendor/ included).
ASSETS = {
    path.relative_to(STATIC_DIR).as_posix(): path
    for path in sorted(STATIC_DIR.rglob("*"))
    if path.suffix in (".js", ".css")
}


def page(name: str) -> web.FileResponse:
    """One of the HTML pages in ./static."""
    return static_file(STATIC_DIR / name)


def asset(path: str) -> web.FileResponse:
    """A script or style sheet by its path under /static/; 404 for anything else."""
    found = ASSETS.get(path)
    if found is None:
        raise web.HTTPNotFound(text=f"no file {path!r} under /static/")
    return static_file(found)


def static_file(path: Path) -> web.FileResponse:
    return web.FileResponse(path, headers={"Content-Type": CONTENT_TYPES[path.suffix], **SECURITY_HEADERS})
