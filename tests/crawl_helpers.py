"""Walking what a visitor can reach: every GET route of the app with real ids in its path,
in a few query variants, then the links of the pages that came back (same host only, up
to a bound). For tests that look at everything a visitor sees (leaks, escaping)."""

from __future__ import annotations

import io
import itertools
import re
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urljoin, urlsplit

import httpx
from litestar import Litestar
from litestar.routes import HTTPRoute
from litestar.testing import AsyncTestClient

PARAMETER = re.compile(r"\{(\w+):(\w+)\}")
#: Query strings tried on lists (pages, searches, filters, views) and on exports.
LIST_QUERIES = ("?page=2&per_page=1", "?q=e", "?status=refused", "?sort=title", "?view=map")
EXPORT_QUERIES = (
    "?format=csv",
    "?format=xlsx",
    "?what=proposals&format=csv",
    "?what=comments&format=xlsx",
    "?what=responses&format=csv",
    "?what=ballots&format=csv",
)
LISTS = (
    "/",
    "/dialogues",
    "/proposals",
    "/proposals.geojson",
    "/comments",
    "/people",
    "/moderation",
)
EXPORTS = ("/export", "/pabulib", "/report", "/results")
#: What a crawl never fetches: assets that hold no data of the organisation.
SKIPPED_PREFIXES = ("/static/",)
LOCAL_HOSTS = ("127.0.0.1", "localhost", "")
#: GET routes whose parameters a walk does not fill, and why that is safe.
UNFILLED: dict[str, str] = {
    "/static/{file_path:path}": "the app's own assets: no data of any organisation",
    "/static/vendor/leaflet/{file_path:path}": "a vendored library's files",
    "/static/vendor/leaflet-markercluster/{file_path:path}": "a vendored library's files",
}
#: Static routes that plugins add: their own assets, like the app's.
PLUGIN_STATIC = "/static/plugins/"


def get_route_paths(app: Litestar) -> list[str]:
    """The path templates of every GET route of ``app``."""
    return sorted(
        route.path
        for route in app.routes
        if isinstance(route, HTTPRoute) and "GET" in route.methods
    )


def queries(path: str) -> tuple[str, ...]:
    """The query strings to try on ``path``: none, and those of lists or exports."""
    found = ("",)
    if path.endswith(LISTS):
        found += LIST_QUERIES
    if path.endswith(EXPORTS):
        found += EXPORT_QUERIES
    return found


def parameters(path: str) -> list[str]:
    return [name for name, _ in PARAMETER.findall(path)]


def fill(path: str, values: Mapping[str, Sequence[str]]) -> list[str]:
    """Every concrete path of ``path`` with ``values`` (each parameter's candidates)."""
    names = parameters(path)
    combinations = itertools.product(*(values[name] for name in names))
    paths = []
    for combination in combinations:
        chosen = dict(zip(names, combination, strict=True))
        paths.append(PARAMETER.sub(lambda match: chosen[match.group(1)], path))  # noqa: B023
    return paths


def walk_urls(app: Litestar, values: Mapping[str, Sequence[str]]) -> list[str]:
    """Every GET route of ``app``, filled with ``values``, in its query variants. Fails,
    naming them, on routes with a parameter that ``values`` lacks and
    :data:`UNFILLED` does not excuse: a new route is walked or explained."""
    urls = []
    unhandled = []
    for path in get_route_paths(app):
        if path in UNFILLED or path.startswith(PLUGIN_STATIC):
            continue
        missing = [name for name in parameters(path) if name not in values]
        if missing:
            unhandled.append(f"{path}: no value for {', '.join(missing)}")
            continue
        for concrete in fill(path, values):
            urls += [concrete + query for query in queries(path)]
    assert unhandled == [], "GET routes the walk cannot fill (give values or a reason)"
    return urls


class _Links(HTMLParser):
    """The addresses a page links to or loads (``href``, ``src``, ``action`` of GET forms)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        for name in ("href", "src"):
            if found.get(name):
                self.links.append(found[name] or "")
        if tag == "form" and (found.get("method") or "get").lower() == "get":
            self.links.append(found.get("action") or "")


def links_of(html: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    return parser.links


def readable(response: httpx.Response) -> str:
    """A response's body as text; the sheets of an ``.xlsx`` (a zip) unpacked."""
    content = response.content
    if content.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return "\n".join(
                archive.read(name).decode("utf-8", "replace") for name in archive.namelist()
            )
    return content.decode("utf-8", "replace")


def headers_text(response: httpx.Response) -> str:
    return "\n".join(f"{name}: {value}" for name, value in response.headers.multi_items())


@dataclass
class Crawl:
    """What a crawl fetched: each address with its response."""

    responses: dict[str, httpx.Response] = field(default_factory=dict)

    def containing(self, needle: str) -> list[str]:
        """``"address (where)"`` of each response whose body or headers hold ``needle``."""
        found = []
        for url, response in self.responses.items():
            if needle in readable(response):
                found.append(f"{url} (body, {response.status_code})")
            if needle in headers_text(response):
                found.append(f"{url} (headers, {response.status_code})")
        return found


def _shape(url: str) -> tuple[str, frozenset[str]]:
    """A link's path and the names of its query parameters: links that differ only by
    their values (pages, ``?next=``) lead to the same page with other data."""
    parts = urlsplit(url)
    return parts.path, frozenset(name for name, _ in parse_qsl(parts.query))


def _local(base: str, link: str) -> str | None:
    """``link`` as a path and query on this host, or ``None`` (elsewhere, assets, js:)."""
    if not link or link.startswith(("#", "mailto:", "tel:", "data:", "javascript:")):
        return None
    parts = urlsplit(urljoin("http://127.0.0.1" + base, link))
    if parts.scheme not in ("http", "https") or parts.hostname not in LOCAL_HOSTS:
        return None
    if parts.path.startswith(SKIPPED_PREFIXES):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


async def crawl(
    client: AsyncTestClient[Litestar],
    start: Iterable[str],
    *,
    headers: Mapping[str, str] | None = None,
    links: int = 200,
) -> Crawl:
    """Fetches ``start`` and then the same-host links of the pages (and redirects) that
    came back, breadth first, ``links`` more addresses at most."""
    result = Crawl()
    queue = list(dict.fromkeys(start))
    seen = set(queue)
    shapes = {_shape(url) for url in queue}
    limit = len(queue) + links
    while queue and len(result.responses) < limit:
        url = queue.pop(0)
        response = await client.get(url, headers=dict(headers or {}), follow_redirects=False)
        result.responses[url] = response
        found = []
        if "location" in response.headers:
            found.append(response.headers["location"])
        if response.headers.get("content-type", "").startswith("text/html"):
            found += links_of(response.text)
        for link in found:
            local = _local(url, link)
            if local is not None and local not in seen and _shape(local) not in shapes:
                seen.add(local)
                shapes.add(_shape(local))
                queue.append(local)
    return result
