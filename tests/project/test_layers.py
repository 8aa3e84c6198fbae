"""The dependency rule import-linter checks in `make test` (contracts in pyproject.toml)
holds, and a wrong-way import breaks it."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint(tree: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-logo", "--no-cache"],
        cwd=tree,
        env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def tree(tmp_path):
    """A copy of the code and its contracts, to break on purpose."""
    for package in ("locations", "naloxone_finder"):
        shutil.copytree(
            ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    return tmp_path


def test_it_keeps_every_contract():
    result = lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    "module, wrong_import, contract",
    [
        # A model reaching up into a service.
        ("locations/models/places.py", "from ..services import listings", "then domain"),
        # A service reaching up into the pages.
        ("locations/services/listings.py", "from ..web import forms", "then domain"),
        # The API using a page view as a library.
        ("locations/api/endpoints.py", "from ..web import places", "view module"),
        # Two page families leaning on each other.
        ("locations/web/embed.py", "from . import flyers", "independent"),
        # An import circle between two services.
        ("locations/services/duplicates.py", "from . import listings", "circles"),
    ],
)
def test_a_wrong_way_import_breaks_a_contract(tree, module, wrong_import, contract):
    with open(tree / module, "a") as source:
        source.write(f"\n{wrong_import}  # noqa\n")

    result = lint(tree)

    assert result.returncode != 0
    broken = [line for line in result.stdout.splitlines() if line.endswith("BROKEN")]
    assert any(contract in line for line in broken), result.stdout
