"""Suggest a location and Report a problem: the public forms, their spam defences and
the email to staff."""

import time

import pytest
from django.core import mail
from django.core.cache import caches
from django.db import connection
from django.test import Client

from locations.models import Location, ProblemReport, Suggestion
from locations.services.listings import save_listing
from tests.factories import (
    make_location,
    make_outreach_staff,
    make_superuser,
    make_user,
    make_zipcodes,
)
from tests.pages import Page, csp_problems, text

pytestmark = pytest.mark.django_db


def suggestion_data(**fields) -> dict:
    data = {
        "name": "Eastside Harm Reduction",
        "kind": "harm_reduction",
        "street_address": "100 E 14th St",
        "address_line2": "",
        "city": "New York",
        "state": "NY",
        "zip_code": "10001",
        "phone": "(212) 555-0199",
        "website": "eastside.example.org",
        "offerings": ["free_naloxone", "fentanyl_test_strips"],
        "notes": "Ask at the front desk.",
        "contact_email": "visitor@example.net",
        "homepage": "",
    }
    data.update(fields)
    return {key: value for key, value in data.items() if value is not None}


def report_data(**fields) -> dict:
    data = {
        "problem": "wrong_hours",
        "details": "They open at 10 now.",
        "contact_email": "",
        "homepage": "",
    }
    data.update(fields)
    return data


@pytest.fixture(autouse=True)
def _staff_addresses(settings):
    settings.STAFF_NOTIFY_EMAILS = ["outreach@naloxone.example"]
    settings.SITE_URL = "https://naloxone.example"
    settings.SUBMISSION_RATE_LIMIT = "5/h"


# Suggest a location


@pytest.mark.parametrize("prefix, language", [("", "en"), ("/es", "es")])
def test_the_suggestion_form_shows_in_both_languages(client, prefix, language):
    response = client.get(f"{prefix}/suggest/")

    assert response.status_code == 200
    page = Page(response.content.decode())
    assert page.one("html")["attrs"]["lang"] == language
    assert page.one("form", method="post")
    assert page.one("input", name="csrfmiddlewaretoken")
    # Every visible input has a label that names it.
    for field in ["name", "kind", "street_address", "city", "state", "zip_code", "notes"]:
        assert page.one("label", for_=f"id_{field}")
    assert page.one("input", name="contact_email")["attrs"]["autocomplete"] == "email"
    assert csp_problems(response.content.decode()) == []


def test_a_valid_suggestion_is_stored_and_redirects_to_thanks(client):
    response = client.post("/suggest/", suggestion_data())

    assert response.status_code == 302
    assert response["Location"] == "/suggest/thanks/"
    suggestion = Suggestion.objects.get()
    assert suggestion.name == "Eastside Harm Reduction"
    assert suggestion.kind == Location.Kind.HARM_REDUCTION
    assert suggestion.phone == "+12125550199"
    assert suggestion.website == "https://eastside.example.org"
    assert suggestion.offerings == ["free_naloxone", "fentanyl_test_strips"]
    assert suggestion.contact_email == "visitor@example.net"
    assert suggestion.status == Suggestion.Status.NEW
    assert suggestion.language == "en"
    assert suggestion.moderated_by is None


def test_the_thank_you_page_does_not_echo_the_email(client):
    response = client.post("/suggest/", suggestion_data(), follow=True)

    assert response.status_code == 200
    html = response.content.decode()
    assert "We have your suggestion" in html
    assert "visitor@example.net" not in html


def test_a_spanish_suggestion_records_its_language_and_stays_in_spanish(client):
    response = client.post("/es/suggest/", suggestion_data())

    assert response["Location"] == "/es/suggest/thanks/"
    assert Suggestion.objects.get().language == "es"
    assert client.get("/es/suggest/thanks/").status_code == 200


def test_a_suggestion_with_only_the_required_fields_is_enough(client):
    data = suggestion_data(
        street_address="", phone="", website="", offerings=None, notes="", contact_email=""
    )

    response = client.post("/suggest/", data)

    assert response.status_code == 302
    assert Suggestion.objects.get().offerings == []


@pytest.mark.parametrize(
    "fields, field, message",
    [
        ({"name": ""}, "name", "This field is required."),
        ({"zip_code": "1234"}, "zip_code", "Enter a 5-digit ZIP code."),
        ({"state": "XX"}, "state", "Select a valid choice."),
        ({"kind": "casino"}, "kind", "Select a valid choice."),
        ({"phone": "12"}, "phone", "is not a phone number"),
        ({"phone": "555-1234"}, "phone", "is not a phone number that can be dialled"),
        ({"phone": "000-000-0000"}, "phone", "is not a phone number that can be dialled"),
        ({"website": "not a site"}, "website", "Enter a valid URL."),
        ({"contact_email": "nobody"}, "contact_email", "Enter a valid email address."),
        ({"offerings": ["cake"]}, "offerings", "Select a valid choice."),
        ({"notes": "x" * 2001}, "notes", "under 2,000 characters"),
    ],
)
def test_bad_input_shows_the_form_again_with_linked_errors(client, fields, field, message):
    response = client.post("/suggest/", suggestion_data(**fields))

    assert response.status_code == 200
    assert Suggestion.objects.count() == 0
    html = response.content.decode()
    page = Page(html)
    summary = page.one("div", id="error-summary")
    assert summary["attrs"]["role"] == "alert"
    assert message in text(summary)
    error = page.one("p", id=f"id_{field}_error")
    assert message in text(error)
    # The input (each checkbox, for the offerings) is described by its error.
    described = [
        element
        for element in page.elements
        if f"id_{field}_error" in element["attrs"].get("aria-describedby", "").split()
    ]
    assert described
    assert all(element["attrs"].get("aria-invalid") == "true" for element in described)
    assert "Error:" in text(page.one("title"))
    assert len(mail.outbox) == 0


def test_hints_describe_their_inputs(client):
    page = Page(client.get("/suggest/").content.decode())

    assert page.one("input", name="zip_code")["attrs"]["aria-describedby"] == "id_zip_code_hint"
    assert page.one("p", id="id_zip_code_hint")


def test_an_empty_post_is_answered_with_errors_not_a_crash(client):
    response = client.post("/suggest/", {})

    assert response.status_code == 200
    assert Page(response.content.decode()).one("div", id="error-summary")


def test_the_footer_links_to_the_suggestion_form(client):
    assert '<a href="/suggest/">Suggest a location</a>' in client.get("/").content.decode()
    assert '<a href="/es/suggest/">' in client.get("/es/").content.decode()


# Report a problem


def test_the_report_form_names_the_listing(client):
    place = make_location(name="Corner Pharmacy")

    response = client.get(f"/locations/{place.slug}/report/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Corner Pharmacy" in html
    page = Page(html)
    # The kinds of problem are radio buttons in a fieldset with a legend.
    assert text(page.one("legend")).startswith("What is wrong?")
    assert len(page.find("input", type="radio", name="problem")) == 6
    assert page.one("meta", name="robots")["attrs"]["content"] == "noindex"
    assert csp_problems(html) == []


@pytest.mark.parametrize("prefix", ["", "/es"])
def test_a_report_is_stored_against_its_listing(client, prefix):
    place = make_location()

    response = client.post(f"{prefix}/locations/{place.slug}/report/", report_data())

    assert response.status_code == 302
    assert response["Location"] == f"{prefix}/locations/{place.slug}/report/thanks/"
    report = ProblemReport.objects.get()
    assert report.location == place
    assert report.problem == ProblemReport.Problem.WRONG_HOURS
    assert report.details == "They open at 10 now."
    assert report.language == (prefix.strip("/") or "en")
    thanks = client.get(response["Location"])
    assert thanks.status_code == 200
    assert place.name in thanks.content.decode()


def test_other_needs_details(client):
    place = make_location()

    response = client.post(
        f"/locations/{place.slug}/report/", report_data(problem="other", details=" ")
    )

    assert response.status_code == 200
    assert "Tell us what is wrong." in response.content.decode()
    assert ProblemReport.objects.count() == 0


def test_an_unknown_problem_is_refused(client):
    place = make_location()

    response = client.post(f"/locations/{place.slug}/report/", report_data(problem="drop table"))

    assert response.status_code == 200
    assert Page(response.content.decode()).one("p", id="id_problem_error")
    assert ProblemReport.objects.count() == 0


@pytest.mark.parametrize("status", [Location.Status.DRAFT, Location.Status.CLOSED])
@pytest.mark.parametrize("suffix", ["report/", "report/thanks/"])
def test_only_published_listings_can_be_reported(client, status, suffix):
    place = make_location(status=status)

    assert client.get(f"/locations/{place.slug}/{suffix}").status_code == 404
    assert client.post(f"/locations/{place.slug}/{suffix}", report_data()).status_code in (
        404,
        405,
    )
    assert ProblemReport.objects.count() == 0


def test_a_merged_listings_report_link_leads_to_the_kept_listing(client):
    kept = make_location(name="Harbor Pharmacy")
    gone = make_location(name="Harbor Pharmacy Inc", status=Location.Status.CLOSED)
    gone.merged_into = kept
    save_listing(gone)

    response = client.get(f"/es/locations/{gone.slug}/report/")

    assert response.status_code == 301
    assert response["Location"] == f"/es/locations/{kept.slug}/report/"
    closed = make_location(name="Closed Clinic", status=Location.Status.CLOSED)
    assert client.get(f"/locations/{closed.slug}/report/").status_code == 404


def test_an_unknown_slug_is_404(client):
    assert client.get("/locations/no-such-place/report/").status_code == 404
    assert client.post("/locations/no-such-place/report/", report_data()).status_code == 404
    assert client.get("/es/locations/no-such-place/report/").status_code == 404


# Spam defences


def test_a_filled_honeypot_looks_like_success_but_stores_nothing(client):
    response = client.post("/suggest/", suggestion_data(homepage="https://spam.example"))

    assert response.status_code == 302
    assert response["Location"] == "/suggest/thanks/"
    assert Suggestion.objects.count() == 0
    assert len(mail.outbox) == 0


def test_the_honeypot_is_hidden_from_people_and_screen_readers(client, settings):
    page = Page(client.get("/suggest/").content.decode())

    field = page.one("input", name="homepage")
    assert field["attrs"]["tabindex"] == "-1"
    assert field["attrs"]["autocomplete"] == "off"
    wrapper = page.one("div", class_="hp-field")
    assert wrapper["attrs"]["aria-hidden"] == "true"
    css = (settings.BASE_DIR / "static/css/site.css").read_text()
    assert ".hp-field { position: absolute; left: -10000px;" in css


def test_a_filled_honeypot_on_a_report_stores_nothing(client):
    place = make_location()

    response = client.post(
        f"/locations/{place.slug}/report/", report_data(homepage="http://spam.example")
    )

    assert response.status_code == 302
    assert ProblemReport.objects.count() == 0


@pytest.mark.parametrize("path", ["/suggest/", "/es/suggest/"])
def test_csrf_is_enforced(path):
    client = Client(enforce_csrf_checks=True)

    response = client.post(path, suggestion_data())

    assert response.status_code == 403
    assert Suggestion.objects.count() == 0


def test_the_form_works_with_its_csrf_token():
    client = Client(enforce_csrf_checks=True)
    client.get("/suggest/")
    token = client.cookies["csrftoken"].value

    response = client.post("/suggest/", {**suggestion_data(), "csrfmiddlewaretoken": token})

    assert response.status_code == 302
    assert Suggestion.objects.count() == 1


def test_the_report_form_enforces_csrf():
    place = make_location()
    client = Client(enforce_csrf_checks=True)

    assert client.post(f"/locations/{place.slug}/report/", report_data()).status_code == 403
    assert ProblemReport.objects.count() == 0


def test_over_the_rate_limit_the_answer_is_a_friendly_429(client, settings):
    settings.SUBMISSION_RATE_LIMIT = "2/h"
    place = make_location()
    assert client.post("/suggest/", suggestion_data()).status_code == 302
    assert client.post(f"/locations/{place.slug}/report/", report_data()).status_code == 302

    response = client.post("/suggest/", suggestion_data(name="Third"))

    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 3600
    html = response.content.decode()
    assert "Please wait a little" in html
    assert "Please try again in" in html
    # The form again, with what was typed.
    assert 'value="Third"' in html
    assert "What you wrote is kept below" in html
    assert Suggestion.objects.count() == 1
    assert ProblemReport.objects.count() == 1
    # Reading the form is still allowed.
    assert client.get("/suggest/").status_code == 200


def test_the_429_page_follows_the_visitors_language(client, settings):
    settings.SUBMISSION_RATE_LIMIT = "1/h"
    client.post("/es/suggest/", suggestion_data())

    response = client.post("/es/suggest/", suggestion_data())

    assert response.status_code == 429
    assert '<html lang="es">' in response.content.decode()


def test_a_refused_report_keeps_what_was_typed(client, settings):
    settings.SUBMISSION_RATE_LIMIT = "1/h"
    place = make_location()
    client.post(f"/es/locations/{place.slug}/report/", report_data())

    response = client.post(
        f"/es/locations/{place.slug}/report/", report_data(details="Cerró en marzo, lo vi ayer")
    )

    assert response.status_code == 429
    html = response.content.decode()
    assert "Cerró en marzo, lo vi ayer</textarea>" in html
    assert "espere un poco" in html
    assert ProblemReport.objects.count() == 1


class FakeClock:
    """time.time() for the rate limit, at the start of an hour, moved on by hand."""

    def __init__(self):
        self.now = 1_800_000_000 // 3600 * 3600

    def time(self) -> float:
        return self.now


def test_an_outreach_worker_can_report_a_dozen_listings_in_an_hour(client, settings, monkeypatch):
    from locations.services import rate_limits

    settings.SUBMISSION_RATE_LIMIT = "20/h,5/m"
    clock = FakeClock()
    monkeypatch.setattr(rate_limits, "time", clock)
    places = [make_location(name=f"Place {n}") for n in range(12)]

    answers = []
    for place in places:
        answers.append(client.post(f"/locations/{place.slug}/report/", report_data()).status_code)
        clock.now += 240  # one every four minutes

    assert answers == [302] * 12
    assert ProblemReport.objects.count() == 12


def test_the_default_limit_stops_a_burst(client, settings, monkeypatch):
    from locations.services import rate_limits

    settings.SUBMISSION_RATE_LIMIT = "20/h,5/m"
    monkeypatch.setattr(rate_limits, "time", FakeClock())
    places = [make_location(name=f"Place {n}") for n in range(6)]

    answers = [
        client.post(f"/locations/{place.slug}/report/", report_data()).status_code
        for place in places
    ]

    # Five in one minute pass; the sixth waits for the minute's window to end.
    assert answers == [302] * 5 + [429]
    assert ProblemReport.objects.count() == 5


def test_every_limit_counts_on_its_own(client, settings):
    settings.SUBMISSION_RATE_LIMIT = "2/h,10/m"
    place = make_location()
    assert client.post(f"/locations/{place.slug}/report/", report_data()).status_code == 302
    assert client.post(f"/locations/{place.slug}/report/", report_data()).status_code == 302

    response = client.post(f"/locations/{place.slug}/report/", report_data())

    # The hourly limit is the one reached: the wait runs to the end of the hour's window.
    assert response.status_code == 429
    assert int(response["Retry-After"]) <= 3600


def test_each_address_has_its_own_allowance(client, settings):
    settings.SUBMISSION_RATE_LIMIT = "1/h"
    assert client.post("/suggest/", suggestion_data(), REMOTE_ADDR="10.0.0.1").status_code == 302
    assert client.post("/suggest/", suggestion_data(), REMOTE_ADDR="10.0.0.1").status_code == 429

    assert client.post("/suggest/", suggestion_data(), REMOTE_ADDR="10.0.0.2").status_code == 302


def test_ipv6_addresses_of_one_64_block_share_an_allowance(client, settings):
    settings.SUBMISSION_RATE_LIMIT = "1/h"
    first, same_block = "2001:db8:1:2::1", "2001:db8:1:2:ffff:ffff:ffff:fffe"
    assert client.post("/suggest/", suggestion_data(), REMOTE_ADDR=first).status_code == 302

    assert client.post("/suggest/", suggestion_data(), REMOTE_ADDR=same_block).status_code == 429
    other_block = "2001:db8:1:3::1"
    assert client.post("/suggest/", suggestion_data(), REMOTE_ADDR=other_block).status_code == 302
    assert Suggestion.objects.count() == 2


def test_an_ipv4_mapped_address_counts_as_its_ipv4_address(client, settings):
    settings.SUBMISSION_RATE_LIMIT = "1/h"
    assert client.post("/suggest/", suggestion_data(), REMOTE_ADDR="192.0.2.9").status_code == 302

    response = client.post("/suggest/", suggestion_data(), REMOTE_ADDR="::ffff:192.0.2.9")

    assert response.status_code == 429


def test_submissions_sent_at_once_cannot_all_pass_the_limit(client, settings, monkeypatch):
    from django.test import RequestFactory

    from locations.services import rate_limits as submissions
    from locations.web.forms import SuggestionForm

    settings.SUBMISSION_RATE_LIMIT = "1/h"
    clean = SuggestionForm.clean

    def clean_while_another_is_counted(form):
        # Another worker's submission from the same address is counted meanwhile.
        submissions.count_submission(RequestFactory().post("/suggest/"))
        return clean(form)

    monkeypatch.setattr(SuggestionForm, "clean", clean_while_another_is_counted)

    response = client.post("/suggest/", suggestion_data())

    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    assert Suggestion.objects.count() == 0
    assert mail.outbox == []


def test_honeypot_posts_count_against_the_limit(client, settings):
    settings.SUBMISSION_RATE_LIMIT = "1/h"
    client.post("/suggest/", suggestion_data(homepage="x"))

    assert client.post("/suggest/", suggestion_data()).status_code == 429
    assert Suggestion.objects.count() == 0


def test_forms_with_errors_do_not_use_up_the_allowance(client, settings):
    settings.SUBMISSION_RATE_LIMIT = "1/h"
    client.post("/suggest/", suggestion_data(zip_code="bad"))

    assert client.post("/suggest/", suggestion_data()).status_code == 302


def test_the_count_lives_in_the_shared_database_cache(client, settings):
    settings.SUBMISSION_RATE_LIMIT = "3/h"
    shared = caches["shared"]
    assert type(shared).__name__ == "DatabaseCache"

    client.post("/suggest/", suggestion_data(), REMOTE_ADDR="192.0.2.7")
    client.post("/suggest/", suggestion_data(), REMOTE_ADDR="192.0.2.7")

    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key FROM shared_cache")
        keys = [row[0] for row in cursor.fetchall()]
    [key] = [k for k in keys if "192.0.2.7" in k]
    assert shared.get(key.split(":", 2)[2]) == 2
    # Another worker (another cache object on the same table) sees the same count.
    from django.core.cache.backends.db import DatabaseCache

    other = DatabaseCache("shared_cache", {})
    assert other.get(key.split(":", 2)[2]) == 2


def test_the_count_lasts_to_the_end_of_its_window(client, settings):
    settings.SUBMISSION_RATE_LIMIT = "3/d"
    window_end = (int(time.time()) // 86400 + 1) * 86400

    client.post("/suggest/", suggestion_data())
    client.post("/suggest/", suggestion_data())

    with connection.cursor() as cursor:
        cursor.execute("SELECT EXTRACT(EPOCH FROM expires) FROM shared_cache")
        [(expires,)] = cursor.fetchall()
    # Not the cache's default five minutes, which a second submission would otherwise set.
    assert window_end - 2 <= float(expires) <= window_end + 2


def test_a_shared_cache_outage_lets_submissions_through(client, settings):
    # A Redis server that is not there: every cache call fails.
    settings.CACHES = {
        **settings.CACHES,
        "shared": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",
            "OPTIONS": {"socket_connect_timeout": 1},
        },
    }
    settings.SUBMISSION_RATE_LIMIT = "1/h"

    assert client.post("/suggest/", suggestion_data()).status_code == 302
    assert client.post("/suggest/", suggestion_data()).status_code == 302
    assert Suggestion.objects.count() == 2


def test_the_forms_take_few_queries(client, django_assert_num_queries):
    place = make_location()
    # The demo-data banner's check.
    with django_assert_num_queries(1):
        client.get("/suggest/")
    # The listing (the banner's answer is kept until the data changes).
    with django_assert_num_queries(1):
        client.get(f"/locations/{place.slug}/report/")
    # The count, then counting this one (the cache's size check, and its insert in a
    # savepoint: select, insert, release), then the insert.
    with django_assert_num_queries(7):
        client.post("/suggest/", suggestion_data())
    # The listing and the count (the errors are shown under the kept banner's answer).
    with django_assert_num_queries(2):
        client.post(f"/locations/{place.slug}/report/", report_data(problem=""))


# Email to staff


def test_a_new_suggestion_emails_staff_a_link_to_the_admin(client):
    client.post("/es/suggest/", suggestion_data())

    suggestion = Suggestion.objects.get()
    [message] = mail.outbox
    assert message.to == ["outreach@naloxone.example"]
    assert message.subject == "New suggestion: Eastside Harm Reduction (New York, NY)"
    assert (
        f"https://naloxone.example/admin/locations/suggestion/{suggestion.pk}/change/"
        in message.body
    )
    # No more personal data than needed: the submitter's email stays in the admin.
    assert "visitor@example.net" not in message.body + message.subject
    assert "Ask at the front desk" not in message.body


def test_a_new_report_emails_staff(client, settings):
    settings.ADMIN_PATH = "admin/"
    place = make_location(name="Corner Pharmacy")

    client.post(f"/locations/{place.slug}/report/", report_data(contact_email="me@example.net"))

    report = ProblemReport.objects.get()
    [message] = mail.outbox
    assert "Corner Pharmacy" in message.subject
    assert "The hours are wrong" in message.subject
    assert f"/admin/locations/problemreport/{report.pk}/change/" in message.body
    assert "me@example.net" not in message.body
    assert "They open at 10 now" not in message.body


def test_without_staff_addresses_the_moderators_are_emailed(client, settings):
    settings.STAFF_NOTIFY_EMAILS = []
    make_outreach_staff("o", email="outreach@example.org")
    make_superuser("root", email="root@example.org")
    make_outreach_staff("l", email="left@example.org", is_active=False)
    make_user("s", email="nogroup@example.org", is_staff=True)  # moderates nothing
    make_user("v", email="visitor@example.org")

    assert client.post("/suggest/", suggestion_data()).status_code == 302
    [message] = mail.outbox
    assert message.to == ["outreach@example.org", "root@example.org"]


def test_without_staff_addresses_or_moderators_nobody_is_emailed(client, settings):
    settings.STAFF_NOTIFY_EMAILS = []

    assert client.post("/suggest/", suggestion_data()).status_code == 302
    assert Suggestion.objects.count() == 1
    assert len(mail.outbox) == 0


def test_a_mail_failure_keeps_the_submission_and_thanks_the_visitor(client, settings):
    # An SMTP server on a closed local port: sending fails for real.
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = 9
    settings.EMAIL_TIMEOUT = 2

    response = client.post("/suggest/", suggestion_data())

    assert response.status_code == 302
    assert Suggestion.objects.count() == 1


def test_a_line_break_in_a_name_cannot_forge_mail_headers(client):
    client.post("/suggest/", suggestion_data(name="Place\r\nBcc: victim@example.net"))

    [message] = mail.outbox
    assert "\n" not in message.subject
    assert message.bcc == []


def test_the_admin_link_uses_the_request_host_without_site_url(client, settings):
    settings.SITE_URL = ""
    make_zipcodes("10001")

    client.post("/suggest/", suggestion_data())

    assert "http://testserver/admin/locations/suggestion/" in mail.outbox[0].body


# Staff-only data stays staff-only


def test_contact_emails_never_reach_public_pages(client):
    place = make_location(name="Corner Pharmacy")
    client.post(f"/locations/{place.slug}/report/", report_data(contact_email="secret@x.example"))
    client.post("/suggest/", suggestion_data(contact_email="secret@x.example"))

    for path in [
        f"/locations/{place.slug}/",
        f"/locations/{place.slug}/report/thanks/",
        "/suggest/thanks/",
        f"/api/v1/locations/{place.slug}",
        "/api/v1/locations?near=10001",
    ]:
        assert "secret@x.example" not in client.get(path).content.decode(), path
