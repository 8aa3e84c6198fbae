"""Reading HTML pages in tests: their elements, and what a strict CSP would block."""

from html.parser import HTMLParser


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


def csp_problems(html: str) -> list[str]:
    """What the strict Content Security Policy would block: inline scripts (other than
    json_script data), style attributes and inline event handlers."""
    problems = []
    for element in Page(html).elements:
        attrs = element["attrs"]
        is_data = attrs.get("type") == "application/json"
        if element["tag"] == "script" and "src" not in attrs and not is_data:
            problems.append(f"inline script: {element['text'][:60]!r}")
        if element["tag"] == "style":
            problems.append("style element")
        for name in attrs:
            if name == "style" or name.startswith("on"):
                problems.append(f"{name} attribute on <{element['tag']}>")
    return problems


def text(element: dict) -> str:
    return " ".join(element["text"].split())
