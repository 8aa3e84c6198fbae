"""The admin's index as staff's home: counts of what needs action, each linking to its
queue, in a fixed number of queries; labels in plain words."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import override

from locations.admin import home
from locations.models import Location, PossibleDuplicate, ProblemReport, Suggestion
from locations.services.listings import save_listing
from tests.factories import make_location, make_report, make_suggestion

pytestmark = pytest.mark.django_db


def needs_action(response) -> dict[str, tuple[int, str]]:
    return {q["label"]: (q["count"], q["url"]) for q in response.context["needs_action"]}


def fill_queues(n: int) -> None:
    for i in range(n):
        make_suggestion(name=f"Suggested {i}")
        make_suggestion(name=f"Handled {i}", status=Suggestion.Status.ACCEPTED)
        place = make_location(
            name=f"Place {i}", latitude=30 + i, last_verified_on=timezone.localdate()
        )
        make_report(place)
        make_report(place, status=ProblemReport.Status.REJECTED)
        stale = make_location(
            name=f"Stale {i}",
            latitude=50 + i,
            last_verified_on=timezone.localdate() - timedelta(days=400),
        )
        # A draft at the stale listing's address: a likely duplicate, flagged open.
        save_listing(
            Location(
                name=f"Other {i}", kind="clinic", street_address=stale.street_address,
                city="New York", state="NY", zip_code="10001", latitude=50 + i,
                longitude=-73.9, timezone="America/New_York", status="draft",
                last_verified_on=timezone.localdate(),
            )
        )  # fmt: skip


def test_the_index_counts_what_needs_action_with_links_to_each_queue(client, staff):
    fill_queues(2)
    make_location(name="Closed", status="closed", latitude=20)  # never due

    response = client.get(reverse("admin:index"))

    assert response.status_code == 200
    assert needs_action(response) == {
        "New suggestions": (2, "/admin/locations/suggestion/?status__exact=new"),
        "New problem reports": (2, "/admin/locations/problemreport/?status__exact=new"),
        "Open possible duplicates": (
            2,
            "/admin/locations/possibleduplicate/?status__exact=open",
        ),
        "Listings overdue for verification": (2, "/admin/locations/verificationqueue/"),
    }
    assert PossibleDuplicate.objects.filter(status="open").count() == 2
    html = response.text
    assert '<h2 id="needs-action-title">Needs action</h2>' in html
    assert (
        '<a href="/admin/locations/suggestion/?status__exact=new">New suggestions</a></th>\n'
        '        <td class="needs-action-count">2</td>'
    ) in html


def count_index_queries(client) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("admin:index")).status_code == 200
    return len(queries)


def test_the_counts_take_the_same_queries_however_many_items_wait(client, staff):
    fill_queues(1)
    few = count_index_queries(client)
    fill_queues(5)
    many = count_index_queries(client)

    # 1 session, 2 user, 3-4 its permissions (user's own and its groups'), then one
    # count per queue: 5 suggestions, 6 reports, 7 pairs, 8 listings due; 9 the
    # "Recent actions" sidebar.
    assert few == many == 9


def test_the_counts_and_labels_are_in_spanish_too(rf, staff):
    request = rf.get("/")
    request.user = staff

    with override("es"):
        labels = [queue["label"] for queue in home.needs_action(request)]
        field = Location._meta.get_field

        assert labels == [
            "Sugerencias nuevas",
            "Reportes de problemas nuevos",
            "Posibles duplicados abiertos",
            "Lugares con la verificación atrasada",
        ]
        assert str(field("sells_otc").verbose_name) == "Venta libre (sin receta)"
        assert str(field("open_24_7").verbose_name) == "Abierto 24/7"
        assert str(field("address_line2").verbose_name) == "Dirección (línea 2)"


def test_the_location_form_labels_are_plain_words(client, staff):
    location = make_location()

    page = client.get(reverse("admin:locations_location_change", args=[location.pk])).text

    for label in ["Sells over the counter", "Open 24/7", "Address line 2:", "ZIP code:"]:
        assert f">{label}</label>" in page, label
    for old in ["Sells otc", "Open 24 7", "Address line2", "Zip code"]:  # and "Zip codes"
        assert old not in page, old
