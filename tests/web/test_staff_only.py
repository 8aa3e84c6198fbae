"""Staff-only data never leaves the admin.

Every staff-only field gets a marker string; then every public URL is fetched, in both
languages: the pages a visitor can reach by following links from the home pages and the
sitemap, the API (each endpoint in its OpenAPI schema), the exports (the HSDS archive
file by file), robots.txt and the sitemaps. No response may hold a marker.
"""

import io
import re
import zipfile
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.conf import settings
from django.utils import timezone

from locations.models import Location, ProblemReport, Suggestion
from locations.services.listings import save_listing
from tests.factories import make_location, make_user, make_zipcodes

pytestmark = pytest.mark.django_db

MARKER = "zq7staffonly"
# Fetched whatever the links say: the API and exports are not linked from every page.
SEEDS = [
    "/",
    "/es/",
    "/robots.txt",
    "/sitemap.xml",
    "/search?near=10001",
    "/es/search?near=10001",
    "/api/v1/openapi.json",
    "/api/v1/docs",
    "/api/v1/export/locations.csv",
    "/api/v1/export/hsds.zip",
    "/api/v1/states",
    "/api/v1/states/NY/cities",
    "/api/v1/locations?near=10001",
    "/api/v1/locations.geojson?near=10001",
]
# Enough for every page of a small directory; a crawl that grows past it is a bug.
MAX_PAGES = 400


class Links(HTMLParser):
    """The href and src values of a page."""

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in {"href", "src", "action"} and value:
                self.urls.append(value)


def markers_in(content: bytes) -> list[str]:
    """Where a marker appears in a response body (HSDS zips are read file by file)."""
    if content[:4] == b"PK\x03\x04":
        found = []
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            for name in archive.namelist():
                found += [f"{name}: {hit}" for hit in markers_in(archive.read(name))]
        return found
    text = content.decode("utf-8", errors="replace").lower()
    return [text[max(0, m.start() - 60) : m.end() + 60] for m in re.finditer(MARKER, text)]


def is_public(path: str) -> bool:
    return not (
        path.startswith("/" + settings.ADMIN_PATH)
        or path.startswith(settings.STATIC_URL)
        or path.startswith("/media/")
    )


def same_site(url: str, base: str) -> str | None:
    """The local path and query of a link, or None for other sites and non-HTTP links."""
    absolute = urlsplit(urljoin("http://testserver" + base, url))
    if absolute.scheme not in {"http", "https"}:
        return None
    if absolute.netloc not in {"testserver", urlsplit(settings.SITE_URL or "http://x").netloc}:
        return None
    return absolute.path + (f"?{absolute.query}" if absolute.query else "")


def api_paths(schema: dict, slug: str) -> list[str]:
    """Every GET path of the API schema, with its path parameters filled in."""
    paths = []
    for path, operations in schema["paths"].items():
        if "get" not in operations:
            continue
        path = path.replace("{slug}", slug).replace("{st}", "NY")
        query = (
            "?near=10001"
            if any(p.get("name") == "near" for p in operations["get"].get("parameters", []))
            else ""
        )
        paths.append(path + query)
    return paths


def crawl(client, seeds: list[str]) -> dict[str, int]:
    """Fetch every public URL reachable from the seeds; fail on a marker. Path → status."""
    seen: dict[str, int] = {}
    queue = list(seeds)
    while queue:
        path = queue.pop(0)
        if path in seen or not is_public(urlsplit(path).path):
            continue
        assert len(seen) < MAX_PAGES, f"crawl passed {MAX_PAGES} pages: {sorted(seen)[:20]}"
        for language in ("en", "es"):
            response = client.get(path, HTTP_ACCEPT_LANGUAGE=language, follow=True)
            seen[path] = response.status_code
            body = b"".join(response.streaming_content) if response.streaming else response.content
            assert not markers_in(body), f"{path} ({language}) shows staff-only data: " + str(
                markers_in(body)
            )
        content_type = response.get("Content-Type", "")
        if "html" in content_type:
            parser = Links()
            parser.feed(body.decode("utf-8", errors="replace"))
            queue += [p for url in parser.urls if (p := same_site(url, path)) is not None]
        elif "xml" in content_type:
            queue += [
                p
                for url in re.findall(r"<loc>([^<]+)</loc>|href=\"([^\"]+)\"", body.decode())
                for u in url
                if u and (p := same_site(u, path)) is not None
            ]
        elif path.endswith("openapi.json"):
            queue += api_paths(response.json(), Location.objects.published().first().slug)
    return seen


@pytest.fixture
def staff_only_everywhere():
    """A published place, a mail-based program and a draft, with a marker in every
    staff-only field and in every detail of the staff member who verified them."""
    make_zipcodes()
    verifier = make_user(
        f"{MARKER}-user",
        email=f"{MARKER}@example.org",
        first_name=f"{MARKER}-first",
        last_name=f"{MARKER}-last",
        is_staff=True,
    )
    staff_fields = dict(
        internal_notes=f"Notes {MARKER}-notes",
        verified_by=verifier,
        last_verified_on=timezone.localdate(),
        verification_method=Location.VerificationMethod.PHONE,
    )
    place = make_location(
        name="Corner Pharmacy", hours=[(day, (9, 0), (17, 0)) for day in range(7)], **staff_fields
    )
    # The history of a change: who made it and why.
    place.phone = "(212) 555-0100"
    place._change_reason = f"{MARKER}-change-reason"
    place._history_user = verifier
    save_listing(place)
    make_location(
        name="Naloxone By Mail",
        kind=Location.Kind.MAIL_BASED,
        street_address="",
        states_served=["NY", "IL"],
        **staff_fields,
    )
    # A draft is staff-only as a whole: its name must not show either.
    make_location(name=f"Draft {MARKER}-draft", status=Location.Status.DRAFT)
    # What the public sent in is read by staff only, whatever its moderation state.
    for status in Suggestion.Status.values:
        Suggestion.objects.create(
            name=f"Suggested {MARKER}-suggestion",
            kind=Location.Kind.PHARMACY,
            street_address=f"1 {MARKER} Street",
            city="New York",
            state="NY",
            zip_code="10001",
            notes=f"{MARKER}-suggestion-notes",
            contact_email=f"{MARKER}-submitter@example.org",
            staff_note=f"{MARKER}-staff-note",
            moderated_by=verifier,
            status=status,
        )
        ProblemReport.objects.create(
            location=place,
            problem=ProblemReport.Problem.OTHER,
            details=f"{MARKER}-report-details",
            contact_email=f"{MARKER}-reporter@example.org",
            staff_note=f"{MARKER}-report-note",
            moderated_by=verifier,
            status=status,
        )
    return place


def test_no_public_url_shows_a_staff_only_field(client, staff_only_everywhere):
    seen = crawl(client, SEEDS)
    # The crawl did reach what it must scan, so a page missed cannot pass silently.
    slug = staff_only_everywhere.slug
    for path in [
        f"/locations/{slug}/",
        f"/es/locations/{slug}/",
        f"/locations/{slug}/flyer/",
        f"/locations/{slug}/report/",
        "/suggest/",
        f"/api/v1/locations/{slug}",
        "/states/",
        "/states/ny/",
        "/embed/",
    ]:
        assert seen.get(path) == 200, f"{path} was not reached ({seen.get(path)})"
    assert any(path.startswith("/sitemap-") for path in seen)
    assert all(status < 500 for status in seen.values()), seen


def test_the_scan_finds_a_marker_where_one_leaks(client, staff_only_everywhere):
    # The check itself can fail: a marker put in a public field is found.
    staff_only_everywhere.description = f"Public text {MARKER}"
    staff_only_everywhere.save()
    with pytest.raises(AssertionError, match="shows staff-only data"):
        crawl(client, [f"/locations/{staff_only_everywhere.slug}/"])


def test_the_fixture_put_markers_in_the_history(staff_only_everywhere):
    record = staff_only_everywhere.history.first()
    assert MARKER in record.history_change_reason
    assert MARKER in record.history_user.username
