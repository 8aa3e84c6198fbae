"""Browser tests: Playwright driving Chromium against the site served over real HTTP.

Chromium is found through CHROMIUM_PATH, /usr/bin/chromium, or Playwright's own download.
Without one the tests are skipped with a single line in the report header, unless
REQUIRE_BROWSER is set (CI), in which case they fail.
"""

import os
import shutil
from pathlib import Path

import pytest

# A plain grey tile, so maps draw without reaching a tile server from a machine offline.
BLANK_TILE = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGPY"
    "uXMnAAR6Aj2LeRrtAAAAAElFTkSuQmCC"
)

CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def find_chromium() -> str | None:
    """The Chromium to drive: CHROMIUM_PATH, the system's, or Playwright's own download."""
    candidates = [os.environ.get("CHROMIUM_PATH", ""), "/usr/bin/chromium"]
    candidates.append(shutil.which("chromium") or "")
    try:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            candidates.append(playwright.chromium.executable_path)
    except Exception:
        pass
    for candidate in candidates:
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


CHROMIUM = find_chromium()
SKIP_REASON = (
    "browser tests skipped: no Chromium found "
    "(install Debian's chromium or set CHROMIUM_PATH to run them)"
)


# Without Chromium the browser tests are not collected at all: one line in the header says so.
collect_ignore_glob = [] if CHROMIUM else ["test_*.py"]


def pytest_report_header(config):
    return f"browser tests: Chromium at {CHROMIUM}" if CHROMIUM else SKIP_REASON


def pytest_configure(config):
    if not CHROMIUM and os.environ.get("REQUIRE_BROWSER"):
        raise pytest.UsageError(f"REQUIRE_BROWSER is set but {SKIP_REASON}")


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread; Django would take
    # the test's own database calls for calls from async code without this. Set only while
    # the browser runs, so other tests' child processes do not inherit it.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def site(live_server, transactional_db, settings):
    """The base URL of the site served over HTTP, with maps drawn from a blank tile."""
    settings.MAP_TILE_URL = BLANK_TILE
    settings.SITE_URL = ""
    return live_server.url


def open_page(browser, width: int, height: int):
    """A fresh browser context and page; errors the page logs (CSP violations included)
    are collected in page.console_errors, which tests expect to stay empty."""
    context = browser.new_context(viewport={"width": width, "height": height}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.console_errors = []
    page.on(
        "console",
        lambda message: (
            page.console_errors.append(message.text) if message.type == "error" else None
        ),
    )
    page.on("pageerror", lambda error: page.console_errors.append(str(error)))
    return context, page


@pytest.fixture
def page(browser):
    """A phone-sized page."""
    context, page = open_page(browser, 390, 844)
    yield page
    context.close()


@pytest.fixture
def wide_page(browser):
    """A desktop-sized page."""
    context, page = open_page(browser, 1280, 900)
    yield page
    context.close()


@pytest.fixture
def directory(site):
    """A small directory around Manhattan (ZIP 10001) and one place in Chicago."""
    from locations.models import Location
    from tests.factories import make_location, make_zipcodes

    make_zipcodes()
    weekdays = [(day, (9, 0), (21, 0)) for day in range(7)]
    return {
        "pharmacy": make_location(
            name="Chelsea Corner Pharmacy",
            latitude=40.7490,
            longitude=-73.9970,
            phone="(212) 555-0142",
            no_prescription=True,
            hours=weekdays,
        ),
        "program": make_location(
            name="Harm Reduction Center",
            kind=Location.Kind.HARM_REDUCTION,
            latitude=40.7440,
            longitude=-73.9990,
            zip_code="10011",
            free_naloxone=True,
            fentanyl_test_strips=True,
            hours=weekdays,
        ),
        "police": make_location(
            name="Midtown Precinct",
            kind=Location.Kind.LAW_ENFORCEMENT,
            latitude=40.7530,
            longitude=-73.9930,
            free_naloxone=True,
        ),
        "chicago": make_location(
            name="Loop Pharmacy",
            city="Chicago",
            state="IL",
            zip_code="60601",
            latitude=41.8858,
            longitude=-87.6181,
            timezone="America/Chicago",
        ),
    }
