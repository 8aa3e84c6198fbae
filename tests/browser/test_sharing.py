"""Sharing a listing from a real browser."""

from playwright.sync_api import expect


def test_copy_link_copies_the_permalink(page, site, directory):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site)
    place = directory["pharmacy"]
    page.goto(site + f"/locations/{place.slug}/")

    page.click("#copy-link")

    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == site + f"/locations/{place.slug}/"
    expect(page.get_by_text("Link copied")).to_be_visible()
    assert page.console_errors == []


def test_the_spanish_page_shares_the_spanish_permalink(page, site, directory):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site)
    place = directory["pharmacy"]
    page.goto(site + f"/es/locations/{place.slug}/")

    page.click("#copy-link")

    assert page.evaluate("navigator.clipboard.readText()") == site + f"/es/locations/{place.slug}/"
