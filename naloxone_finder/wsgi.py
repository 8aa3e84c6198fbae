"""WSGI entry point for gunicorn."""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "naloxone_finder.settings")

application = get_wsgi_application()

# What starting loaded (Django, the apps, their modules and settings) lives as long as
# the worker. Set apart from the cyclic garbage collector, it is no longer walked by the
# collections that every request's own garbage sets off: on an uncached search page
# they took about 0.33 ms, and 0.2 ms with this (docs/performance.md).
gc.freeze()
