"""The public cache (locations/web/caching.py): every write path shows at once in a
cached page, API answer, sitemap and export; staff never see nor store a public copy."""

import io

import pytest
from django.core.cache import caches
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from locations.exchange.importer import import_rows
from locations.models import HelpLine, Location, OpeningHours, PossibleDuplicate
from locations.services import cache_version
from locations.services.listings import create_listings, mark_verified, publish, unpublish
from locations.services.merging import merge
from locations.services.submissions import accept_suggestion
from tests.admin_helpers import CHANGELIST, change_form_data
from tests.factories import (
    csv_text,
    make_location,
    make_suggestion,
    make_superuser,
    make_zipcodes,
    row,
)

pytestmark = pytest.mark.django_db

# One of each kind of cached public read; each names every listed place's slug.
READS = {
    "search page": "/search?near=10001",
    "API search": "/api/v1/locations?near=10001",
    "sitemap": "/sitemap-locations.xml",
    "CSV export": "/api/v1/export/locations.csv",
}


@pytest.fixture
def anon():
    return Client()


@pytest.fixture
def admin_client(db):
    client = Client()
    client.force_login(make_superuser())
    return client


@pytest.fixture(autouse=True)
def zips():
    make_zipcodes()


def warm(anon) -> None:
    """Each read is computed once, then served from the public cache."""
    for url in READS.values():
        assert anon.get(url)["X-Public-Cache"] == "miss", url
        assert anon.get(url)["X-Public-Cache"] == "hit", url


def shown(anon, text: str) -> dict[str, bool]:
    answers = {name: anon.get(url) for name, url in READS.items()}
    assert all(r.status_code == 200 for r in answers.values())
    return {name: text in r.content.decode() for name, r in answers.items()}


EVERYWHERE = dict.fromkeys(READS, True)
NOWHERE = dict.fromkeys(READS, False)


# Every write path


def test_save_listing_new_place_shows_at_once(anon):
    make_location(name="First")
    warm(anon)
    new = make_location(name="Second")
    assert shown(anon, new.slug) == EVERYWHERE


def test_admin_change_form_shows_at_once(anon, admin_client):
    location = make_location(name="Old Name")
    warm(anon)
    response = admin_client.post(
        reverse("admin:locations_location_change", args=[location.pk]),
        change_form_data(location, status="draft"),
    )
    assert response.status_code == 302
    assert shown(anon, location.slug) == NOWHERE


def test_unpublish_and_publish_show_at_once(anon, admin_client):
    location = make_location()
    warm(anon)
    unpublish([location.pk], None)
    assert shown(anon, location.slug) == NOWHERE
    publish([location.pk], None)
    assert shown(anon, location.slug) == EVERYWHERE


def test_the_admins_bulk_actions_show_at_once(anon, admin_client):
    location = make_location()
    warm(anon)
    admin_client.post(
        reverse(CHANGELIST),
        {"action": "unpublish", "_selected_action": [location.pk], "index": "0"},
    )
    assert Location.objects.get(pk=location.pk).status == Location.Status.DRAFT
    assert shown(anon, location.slug) == NOWHERE


def test_mark_verified_shows_at_once(anon):
    location = make_location(last_verified_on=None)
    url = f"/api/v1/locations/{location.slug}"
    assert anon.get(url).json()["last_verified_on"] is None
    assert anon.get(url)["X-Public-Cache"] == "hit"
    warm(anon)
    mark_verified([location.pk], None, "phone")
    assert anon.get(url).json()["last_verified_on"] is not None
    assert "phone" in anon.get(READS["CSV export"]).content.decode()


def test_create_listings_shows_at_once(anon):
    make_location()
    warm(anon)
    location = Location(
        name="Bulk",
        slug="bulk-made-place",
        kind=Location.Kind.PHARMACY,
        street_address="9 Main St",
        city="New York",
        state="NY",
        zip_code="10001",
        latitude=40.7484,
        longitude=-73.9967,
        status=Location.Status.PUBLISHED,
    )
    create_listings([location], [])
    assert shown(anon, "bulk-made-place") == EVERYWHERE


def test_seed_demo_shows_at_once(anon, settings):
    settings.DEBUG = True
    make_location()
    warm(anon)
    call_command("seed_demo", count=20, stdout=io.StringIO())
    demo = Location.objects.published().filter(slug__startswith="demo").first()
    assert demo is not None
    assert shown(anon, demo.slug)["sitemap"]
    assert shown(anon, demo.slug)["CSV export"]


def test_merge_shows_at_once(anon):
    kept = make_location(name="Twin Pharmacy", street_address="3 Oak Ave")
    gone = make_location(name="Twin Pharmacy", street_address="3 Oak Avenue")
    pair = PossibleDuplicate.objects.get()
    warm(anon)
    keep = "location" if pair.location_id == kept.pk else "other"
    merge(pair, {"keep": keep}, make_superuser())
    assert shown(anon, gone.slug) == NOWHERE
    assert shown(anon, kept.slug) == EVERYWHERE


def test_accepting_a_suggestion_changes_the_data_version():
    # The listing it makes is a draft, so nothing public changes yet; the version does.
    suggestion = make_suggestion()
    before = cache_version.current()
    assert accept_suggestion(suggestion, make_superuser())
    assert cache_version.current() != before


def test_an_import_of_new_rows_by_copy_shows_at_once(anon):
    make_location()
    warm(anon)
    result = import_rows(io.BytesIO(csv_text(row(external_id="NEW1")).encode()), source="t")
    assert result.written
    new = Location.objects.get(external_id="NEW1")
    assert shown(anon, new.slug) == EVERYWHERE


def test_an_import_that_changes_rows_shows_at_once(anon):
    import_rows(io.BytesIO(csv_text(row(external_id="X1", name="Before")).encode()), source="t")
    warm(anon)
    import_rows(io.BytesIO(csv_text(row(external_id="X1", name="Afterwards")).encode()), source="t")
    assert shown(anon, "Afterwards") == {**EVERYWHERE, "sitemap": False}


def test_an_admin_delete_shows_at_once(anon, admin_client):
    location = make_location()
    warm(anon)
    response = admin_client.post(
        reverse("admin:locations_location_delete", args=[location.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert shown(anon, location.slug) == NOWHERE


def test_the_admins_delete_selected_shows_at_once(anon, admin_client):
    location = make_location()
    warm(anon)
    admin_client.post(
        reverse(CHANGELIST),
        {"action": "delete_selected", "_selected_action": [location.pk], "post": "yes"},
    )
    assert not Location.objects.filter(pk=location.pk).exists()
    assert shown(anon, location.slug) == NOWHERE


def test_a_revert_shows_at_once(anon, admin_client):
    location = make_location(name="Right Name", phone="")
    change = reverse("admin:locations_location_change", args=[location.pk])
    admin_client.post(change, change_form_data(location, name="Wrong Name"))
    first = location.history.order_by("history_date").first()
    warm(anon)
    assert shown(anon, "Wrong Name")["search page"]
    response = admin_client.post(
        reverse("admin:locations_location_simple_history", args=[location.pk, first.pk]),
        change_form_data(location, name="Right Name"),
    )
    assert response.status_code == 302
    assert shown(anon, "Right Name") == {**EVERYWHERE, "sitemap": False}


def test_opening_hours_typed_in_the_admin_show_at_once(anon, admin_client):
    location = make_location(phone="")
    url = f"/api/v1/locations/{location.slug}"
    page = location.get_absolute_url()
    assert anon.get(url).json()["hours"] == []
    anon.get(page)
    assert anon.get(page)["X-Public-Cache"] == "hit"
    data = change_form_data(location, opening_hours="Wed 8:15am-4:45pm")
    response = admin_client.post(
        reverse("admin:locations_location_change", args=[location.pk]), data
    )
    assert response.status_code == 302
    assert OpeningHours.objects.filter(location=location).count() == 1
    assert anon.get(url).json()["hours"] == [{"weekday": 2, "opens": "08:15", "closes": "16:45"}]
    assert anon.get(page)["X-Public-Cache"] == "miss"


def test_opening_hours_saved_or_deleted_anywhere_change_the_version():
    location = make_location()
    before = cache_version.current()
    hours = OpeningHours.objects.create(location=location, weekday=0, opens="09:00", closes="17:00")
    middle = cache_version.current()
    hours.delete()
    assert len({before, middle, cache_version.current()}) == 3


def test_a_help_line_changed_in_the_admin_shows_at_once(anon, admin_client):
    make_location(name="Far away", latitude=42.0)
    empty = "/search?near=10001&radius=1"  # nothing near: the help lines are shown
    line = HelpLine.objects.get(phone="1-800-662-4357")
    assert anon.get(empty)["X-Public-Cache"] == "miss"
    assert anon.get(empty)["X-Public-Cache"] == "hit"

    change = reverse("admin:locations_helpline_change", args=[line.pk])
    data = {"name": "Renamed helpline", "phone": line.phone, "description": line.description,
            "order": line.order, "active": "on", "name_es": line.name_es,
            "description_es": line.description_es}  # fmt: skip
    assert admin_client.post(change, data).status_code == 302

    after = anon.get(empty)
    assert after["X-Public-Cache"] == "miss"
    assert "Renamed helpline" in after.content.decode()
    admin_client.post(reverse("admin:locations_helpline_delete", args=[line.pk]), {"post": "yes"})
    assert "Renamed helpline" not in anon.get(empty).content.decode()


# Heavy reads: built once per version, no SQL afterwards


@pytest.mark.parametrize(
    "url",
    [
        "/sitemap.xml",
        "/sitemap-locations.xml",
        "/sitemap-cities.xml",
        "/api/v1/export/locations.csv",
        "/api/v1/export/hsds.zip",
    ],
)
def test_a_heavy_read_is_built_once_then_served_without_sql(anon, url, django_assert_num_queries):
    make_location()
    first = anon.get(url)
    assert first.status_code == 200
    with django_assert_num_queries(0):
        second = anon.get(url)
    assert second.content == first.content
    assert second["ETag"] == first["ETag"]


@pytest.mark.parametrize(
    "url",
    [
        "/search?near=10001",
        "/es/search?near=10001",
        "/states/",
        "/states/ny/",
        "/embed/?near=10001",
        "/api/v1/locations?near=10001",
        "/api/v1/locations.geojson?near=10001",
        "/api/v1/states",
        "/api/v1/states/NY/cities",
    ],
)
def test_a_cached_public_read_makes_no_sql(anon, url, django_assert_num_queries):
    make_location()
    assert anon.get(url).status_code == 200
    with django_assert_num_queries(0):
        assert anon.get(url)["X-Public-Cache"] == "hit"


def test_the_detail_and_city_pages_are_cached(anon, django_assert_num_queries):
    location = make_location()
    for url in [location.get_absolute_url(), "/states/ny/new-york/"]:
        assert anon.get(url).status_code == 200
        with django_assert_num_queries(0):
            assert anon.get(url)["X-Public-Cache"] == "hit"


def test_a_rebuild_in_progress_serves_the_previous_copy(anon, monkeypatch):
    old = make_location()
    anon.get(READS["sitemap"])
    new = make_location()
    # Another request holds the lock for the current version.
    monkeypatch.setattr(caches["public"], "add", lambda *args, **kwargs: False)
    response = anon.get(READS["sitemap"])
    assert response["X-Public-Cache"] == "previous"
    assert response["Cache-Control"] == "no-cache"
    assert old.slug in response.content.decode()
    assert new.slug not in response.content.decode()


def test_a_rebuild_in_progress_answers_a_revalidation_of_the_previous_copy(anon, monkeypatch):
    make_location()
    etag = anon.get(READS["sitemap"])["ETag"]
    make_location()
    monkeypatch.setattr(caches["public"], "add", lambda *args, **kwargs: False)
    response = anon.get(READS["sitemap"], HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304
    assert response["X-Public-Cache"] == "previous"
    assert response["ETag"] == etag


def test_without_a_copy_a_request_whose_lock_is_taken_gets_a_503(anon, monkeypatch):
    make_location()
    # Another request holds the lock for the current version; no copy exists at all.
    monkeypatch.setattr(caches["public"], "add", lambda *args, **kwargs: False)
    response = anon.get(READS["sitemap"])
    assert response.status_code == 503
    assert response["X-Public-Cache"] == "building"


def test_an_unknown_sitemap_page_is_a_404_kept_but_not_shared(anon, django_assert_num_queries):
    make_location()
    assert anon.get("/sitemap-locations.xml?p=9").status_code == 404
    with django_assert_num_queries(0):
        response = anon.get("/sitemap-locations.xml?p=9")
    assert response.status_code == 404
    assert response["Cache-Control"] == "no-store"
    assert "ETag" not in response


def test_parameters_a_heavy_read_ignores_share_its_copy(anon, django_assert_num_queries):
    make_location()
    first = anon.get("/api/v1/export/locations.csv")
    with django_assert_num_queries(0):
        second = anon.get("/api/v1/export/locations.csv?anything=1")
    assert second["X-Public-Cache"] == "hit"
    assert second.content == first.content


# Staff


def test_staff_are_never_served_the_public_copy(anon, admin_client):
    location = make_location(name="Public Name")
    warm(anon)
    # A change that no write path made (so nothing bumped): the public copy stays.
    Location.objects.filter(pk=location.pk).update(name="Fresh Name")
    response = admin_client.get(READS["search page"])
    assert response["X-Public-Cache"] == "bypass"
    assert "Fresh Name" in response.content.decode()
    assert response["Cache-Control"] == "private, no-store"
    assert "Public Name" in anon.get(READS["search page"]).content.decode()


def test_staff_never_store_into_the_public_cache(anon, admin_client):
    make_location()
    for url in READS.values():
        assert admin_client.get(url)["X-Public-Cache"] == "bypass"
        assert anon.get(url)["X-Public-Cache"] == "miss"


def test_a_visitor_with_a_message_waiting_is_not_served_a_copy(anon):
    make_location()
    warm(anon)
    anon.cookies["messages"] = "anything"
    assert anon.get(READS["search page"])["X-Public-Cache"] == "bypass"


def test_a_public_cache_that_cannot_be_reached_is_passed_by(anon, monkeypatch):
    location = make_location()

    def down(*args, **kwargs):
        raise ConnectionError("the cache is down")

    for method in ("get", "set", "add", "delete"):
        monkeypatch.setattr(caches["public"], method, down)
    for url in READS.values():
        response = anon.get(url)
        assert response.status_code == 200
        assert response["X-Public-Cache"] == "bypass"
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert location.slug in body.decode()
    # Writes go on; the copies they make stale expire by themselves.
    unpublish([location.pk], None)
    assert location.slug not in anon.get(READS["search page"]).content.decode()
