"""Reading HTML pages in tests: their elements, what a strict CSP would block, and the
QR codes they draw."""

import re
from html.parser import HTMLParser

import segno


class Page(HTMLParser):
    """The elements of an HTML page, with their attributes and text, for assertions."""

    def __init__(self, html: str):
        super().__init__()
        self.elements: list[dict] = []
        self.open: list[dict] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        element = {"tag": tag, "attrs": dict(attrs), "text": ""}
        self.elements.append(element)
        if tag not in {"meta", "link", "input", "br", "img", "source", "hr"}:
            self.open.append(element)

    def handle_endtag(self, tag):
        while self.open:
            if self.open.pop()["tag"] == tag:
                break

    def handle_data(self, data):
        for element in self.open:
            element["text"] += data

    def find(self, tag: str | None = None, **attrs) -> list[dict]:
        """Elements with this tag (any when None) whose attributes have these values
        (True: present with any value)."""
        found = []
        for element in self.elements:
            if tag and element["tag"] != tag:
                continue
            have = element["attrs"]
            wanted = {key.rstrip("_").replace("_", "-"): value for key, value in attrs.items()}
            if all(
                (key in have) if value is True else have.get(key) == value
                for key, value in wanted.items()
            ):
                found.append(element)
        return found

    def one(self, tag: str | None = None, **attrs) -> dict:
        found = self.find(tag, **attrs)
        assert len(found) == 1, (tag, attrs, found)
        return found[0]

    @property
    def tags(self) -> list[tuple[str, dict]]:
        """Every start tag of the page as (tag, attributes)."""
        return [(element["tag"], element["attrs"]) for element in self.elements]

    @property
    def scripts(self) -> list[tuple[dict, str]]:
        """Each <script> as (attributes, text)."""
        return [(e["attrs"], e["text"]) for e in self.elements if e["tag"] == "script"]

    def by_id(self, element_id: str) -> tuple[str, dict]:
        """The one element with this id, as (tag, attributes)."""
        [found] = [(tag, attrs) for tag, attrs in self.tags if attrs.get("id") == element_id]
        return found


# Script elements of these types hold data, not code: the browser never runs them.
DATA_BLOCK_TYPES = {"application/json", "application/ld+json"}


def csp_problems(html: str) -> list[str]:
    """What the strict Content Security Policy would block: inline scripts (data blocks,
    json_script's and JSON-LD, are not code), style elements and attributes, and inline
    event handlers."""
    problems = []
    for element in Page(html).elements:
        attrs = element["attrs"]
        is_data = attrs.get("type") in DATA_BLOCK_TYPES
        if element["tag"] == "script" and "src" not in attrs and not is_data:
            problems.append(f"inline script: {element['text'][:60]!r}")
        if element["tag"] == "style":
            problems.append("style element")
        for name in attrs:
            if name == "style" or name.startswith("on"):
                problems.append(f"{name} attribute on <{element['tag']}>")
    return problems


def text(element: dict) -> str:
    """An element's text, with each run of whitespace made one space."""
    return " ".join(element["text"].split())


def squashed(response) -> str:
    """A response's HTML, with each run of whitespace made one space."""
    return " ".join(response.content.decode().split())


# QR codes.


def qr_modules(svg: str) -> set[tuple[int, int]]:
    """The dark modules (row, column) that an SVG written by qr_svg draws.

    segno draws each run of dark modules as a horizontal line: "M4 4.5h7" starts at
    column 4 of row 4 (the line's centre is half a module down), "m1 0h1" moves on
    relative to the end of the previous line.
    """
    [path] = re.findall(r'<path stroke="#000" d="([^"]+)"', svg)
    x = y = 0.0
    dark = set()
    for move, dx, dy, length in re.findall(r"([Mm])(-?[\d.]+) (-?[\d.]+)h(\d+)", path):
        x, y = (float(dx), float(dy)) if move == "M" else (x + float(dx), y + float(dy))
        for column in range(int(x), int(x) + int(length)):
            dark.add((int(y - 0.5), column))
        x += int(length)
    return dark


def expected_modules(data: str, border: int = 4) -> set[tuple[int, int]]:
    """The dark modules of segno's QR code for `data`, placed inside the quiet zone."""
    matrix = segno.make_qr(data, error="m").matrix
    return {
        (row + border, column + border)
        for row, line in enumerate(matrix)
        for column, module in enumerate(line)
        if module
    }


def encodes(html: str, data: str) -> bool:
    """The page's (first) QR code is segno's code for `data`, module for module."""
    svg = re.search(r"<svg[^>]*class=\"qr-code\".*?</svg>", html, re.S).group(0)
    return qr_modules(svg) == expected_modules(data)
