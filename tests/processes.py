"""Running the project in a fresh process, as production would start it."""

import os
import subprocess
import sys
from pathlib import Path

# The project's root, where manage.py is.
ROOT = Path(__file__).resolve().parent.parent


def run_django(code: str, **env) -> subprocess.CompletedProcess:
    # A fresh process with production's view of the environment: none of the test run's
    # own switches (DEBUG, the browser tests' DJANGO_ALLOW_ASYNC_UNSAFE) leak into it.
    ignored = {"DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    environment = {k: v for k, v in os.environ.items() if k not in ignored}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); " + code],
        cwd=ROOT,
        env={**environment, "DJANGO_SETTINGS_MODULE": "naloxone_finder.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )
