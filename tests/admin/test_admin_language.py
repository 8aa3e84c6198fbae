"""The admin speaks the staff member's language: Spanish when the browser asks for it."""

from django.urls import reverse

from tests.factories import make_location


def test_it_shows_the_location_form_in_spanish_when_the_browser_asks(client, staff):
    location = make_location()
    url = reverse("admin:locations_location_change", args=[location.pk])

    spanish = client.get(url, HTTP_ACCEPT_LANGUAGE="es")
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en")

    assert "Venta libre (sin receta)" in spanish.text
    assert "Dirección (línea 2)" in spanish.text
    assert "Sells over the counter" in english.text
    assert "Venta libre (sin receta)" not in english.text


def test_its_home_lists_what_needs_action_in_spanish(client, staff):
    response = client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="es-MX,es;q=0.9")

    assert "Pendiente de revisión" in response.text


def test_public_pages_keep_the_language_of_their_url(client, db):
    response = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="es")

    assert response["Content-Language"] == "en"
