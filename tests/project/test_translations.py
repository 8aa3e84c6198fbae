"""The Spanish catalog is complete, compiled, and covers every string in the code."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings

LOCALE = Path(settings.BASE_DIR) / "locale" / "es" / "LC_MESSAGES"
PO = LOCALE / "django.po"
MO = LOCALE / "django.mo"


def msgids(path: Path) -> set[tuple[str, str]]:
    """Every (context, message id) in a .po file; obsolete entries left out."""
    return {(entry.msgctxt or "", entry.msgid) for entry in polib.pofile(str(path))}


def test_every_message_is_translated_and_none_is_fuzzy():
    catalog = polib.pofile(str(PO))

    assert len(catalog) > 300
    assert [entry.msgid for entry in catalog.untranslated_entries()] == []
    assert [entry.msgid for entry in catalog.fuzzy_entries()] == []
    assert catalog.obsolete_entries() == []


def test_plurals_have_both_spanish_forms():
    plurals = [entry for entry in polib.pofile(str(PO)) if entry.msgid_plural]

    assert plurals
    assert [e.msgid for e in plurals if sorted(e.msgstr_plural) != [0, 1]] == []
    assert [e.msgid for e in plurals if not all(e.msgstr_plural.values())] == []


def test_placeholders_survive_translation():
    """A translation that drops or renames %(name)s would lose what the page fills in, and
    one that invents a name would fail. Only a singular form may leave out a placeholder
    (Spanish says "otra ciudad", not "1 otra ciudad")."""
    placeholder = re.compile(r"%\(\w+\)s|\{\w*\}")
    broken = []
    for entry in polib.pofile(str(PO)):
        if entry.msgid_plural:
            singular = set(placeholder.findall(entry.msgstr_plural[0]))
            if not singular <= set(placeholder.findall(entry.msgid)):
                broken.append(entry.msgid)
            source, translated = entry.msgid_plural, entry.msgstr_plural[1]
        else:
            source, translated = entry.msgid, entry.msgstr
        if sorted(placeholder.findall(source)) != sorted(placeholder.findall(translated)):
            broken.append(source)
    assert broken == []


def test_the_compiled_catalog_is_current():
    """django.mo holds exactly the .po's translations (run compilemessages after edits)."""
    source = {
        (e.msgctxt or "", e.msgid): e.msgstr or dict(e.msgstr_plural) for e in polib.pofile(str(PO))
    }
    compiled = {
        (e.msgctxt or "", e.msgid): e.msgstr or dict(e.msgstr_plural)
        for e in polib.mofile(str(MO))
        if e.msgid
    }
    assert compiled == source, "run: manage.py compilemessages"


@pytest.mark.skipif(
    not shutil.which("xgettext"),
    reason="GNU gettext's xgettext is not installed: cannot regenerate the catalog",
)
def test_the_catalog_has_every_string_in_the_templates_and_code(tmp_path):
    root = Path(settings.BASE_DIR)
    for part in ("locations", "naloxone_finder", "templates", "locale"):
        shutil.copytree(root / part, tmp_path / part, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(root / "manage.py", tmp_path)
    # Settings only parse the URL: makemessages never connects to the database.
    env = {**os.environ, "DEBUG": "true", "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none"}
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "es", "--no-location", "-v", "0"],
        cwd=tmp_path,
        env=env,
        check=True,
    )
    regenerated = msgids(tmp_path / "locale/es/LC_MESSAGES/django.po")
    committed = msgids(PO)
    assert regenerated - committed == set(), "run: manage.py makemessages -l es --no-location"
    assert committed - regenerated == set(), "the catalog has strings the code no longer uses"
