"""The embeddable list in a partner's iframe, and the page that writes its code."""

import re
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from threading import Thread

import pytest
from playwright.sync_api import expect


def test_the_embed_works_at_280_pixels_and_opens_the_full_site_in_a_new_tab(
    browser, site, directory
):
    context = browser.new_context(viewport={"width": 280, "height": 600})
    page = context.new_page()
    page.goto(site + "/embed/?near=10001")

    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    names = page.locator(".embed-list h2, .embed-list h3").all_inner_texts()
    links = page.locator(".embed-list a[href*='/locations/']")
    targets = [links.nth(i).get_attribute("target") for i in range(links.count())]
    context.close()

    assert overflow <= 0, f"the embed scrolls sideways by {overflow}px at 280px"
    assert "Chelsea Corner Pharmacy" in " ".join(names)
    assert len(targets) >= 3 and set(targets) == {"_blank"}


@pytest.fixture
def partner_site(site):
    """A partner's web page on another origin (127.0.0.1 on its own port, served over real
    HTTP) that frames the embed and the home page."""
    body = (
        f"<!doctype html><title>Partner</title>"
        f'<iframe name="embed" src="{site}/embed/?near=10001" title="embed"></iframe>'
        f'<iframe name="home" src="{site}/" title="home"></iframe>'
    ).encode()

    class Partner(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Partner)
    Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    server.server_close()


def test_a_partner_page_may_frame_the_embed_but_no_other_page(page, partner_site, directory):
    """The embed loads in the partner's iframe; the home page is refused there
    (frame-ancestors 'none')."""
    page.goto(partner_site)
    embed = page.frame_locator("iframe[name=embed]")
    expect(embed.locator("text=Chelsea Corner Pharmacy").first).to_be_visible()

    home = page.frame(name="home")
    assert home is not None
    home.wait_for_load_state()
    # Chromium puts its own error page in a frame the site refused.
    assert home.url == "chrome-error://chromewebdata/"
    assert any("frame-ancestors" in error for error in page.console_errors)


def test_the_code_page_rebuilds_the_snippet_and_the_preview_as_the_form_changes(
    wide_page, site, directory
):
    page = wide_page
    page.goto(site + "/embed/code/?near=10001")
    snippet = page.locator("#embed-snippet")
    expect(snippet).to_have_value(re.compile(r'<iframe src="[^"]*/embed/\?near=10001"'))

    page.locator("summary").click()
    page.get_by_label("Free naloxone").check()

    expect(snippet).to_have_value(re.compile(r"/embed/\?near=10001&amp;radius=10&amp;free=1"))
    preview = page.locator("#embed-preview")
    expect(preview).to_have_attribute("src", re.compile(r"free=1"))
    frame = page.frame_locator("#embed-preview")
    expect(frame.locator("text=Harm Reduction Center").first).to_be_visible()
    expect(frame.locator("text=Chelsea Corner Pharmacy")).to_have_count(0)
    assert "free=1" in page.url
    assert page.console_errors == []
