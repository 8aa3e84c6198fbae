"""Run in a process of its own with DATABASE_REPLICA_URLS set (see test_replicas.py):
prints, for requests of each kind, the database each read of the listings went to."""

from django.db import transaction
from django.http import HttpResponse
from django.test import RequestFactory

from locations.models import Location
from naloxone_finder.db_router import ReplicaMiddleware


def reads_of(request) -> list[str]:
    seen = []

    def view(request):
        seen.append(Location.objects.all().db)
        with transaction.atomic():
            seen.append(Location.objects.all().db)
        seen.append(Location.objects.all().db)
        first = Location.objects.order_by("pk").first()
        Location.objects.filter(pk=first.pk).update(name=first.name)
        seen.append(Location.objects.all().db)
        return HttpResponse()

    ReplicaMiddleware(view)(request)
    return seen


def main() -> None:
    factory = RequestFactory()
    print("anonymous GET", *reads_of(factory.get("/search")))
    print("with a session", *reads_of(factory.get("/search", HTTP_COOKIE="sessionid=x")))
    print("admin", *reads_of(factory.get("/admin/locations/location/")))
    print("POST", *reads_of(factory.post("/suggest/")))
    print("outside a request", Location.objects.all().db)
