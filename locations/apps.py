from django.apps import AppConfig
from django.db.models.signals import post_migrate


class LocationsConfig(AppConfig):
    name = "locations"
    verbose_name = "Naloxone locations"

    def ready(self):
        from .services.cache_version import connect_signals
        from .services.roles import sync_after_migrate

        post_migrate.connect(sync_after_migrate, sender=self, dispatch_uid="staff_groups")
        # Any save or delete of a place or its hours changes the data version.
        connect_signals()
