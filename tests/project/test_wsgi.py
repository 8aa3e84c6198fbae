"""The WSGI entry point gunicorn loads."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import gc
assert gc.get_freeze_count() < 1000, gc.get_freeze_count()
import naloxone_finder.wsgi
from django.apps import apps
print(apps.ready, gc.get_freeze_count())
"""


def test_what_starting_loaded_is_set_apart_from_the_garbage_collector():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "naloxone_finder.settings"}
    done = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    ready, frozen = done.stdout.split()
    # Django and every app are loaded, and their objects (tens of thousands) frozen.
    assert ready == "True"
    assert int(frozen) > 20_000
