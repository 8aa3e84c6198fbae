"""Settings read from the environment refuse values they cannot use, naming the variable."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from naloxone_finder.settings import positive_int, rate_limit, rate_limits


@pytest.mark.parametrize("value", ["5/h", "120/m", "600/5m", " 10/d "])
def test_a_rate_limit_takes_a_number_per_period(monkeypatch, value):
    monkeypatch.setenv("SUBMISSION_RATE_LIMIT", value)
    assert rate_limit("SUBMISSION_RATE_LIMIT", "5/h") == value.strip()


@pytest.mark.parametrize("value", ["5", "5/hour", "five/h", "5/0m", "/h", "5/h/m"])
def test_a_rate_limit_refuses_anything_else(monkeypatch, value):
    monkeypatch.setenv("API_RATE_LIMIT", value)
    with pytest.raises(ImproperlyConfigured, match='API_RATE_LIMIT must look like "120/m"'):
        rate_limit("API_RATE_LIMIT", "120/m")


@pytest.mark.parametrize("value", ["20/h,5/m", "5/h", " 20/h , 5/m ", "1/d,10/h,3/m"])
def test_the_submission_limit_takes_one_or_more_rates(monkeypatch, value):
    monkeypatch.setenv("SUBMISSION_RATE_LIMIT", value)
    assert rate_limits("SUBMISSION_RATE_LIMIT", "20/h,5/m") == value.strip()


@pytest.mark.parametrize("value", ["20/h,", ",5/m", "20/h;5/m", "20/h,5", "20/h,,5/m"])
def test_the_submission_limit_refuses_anything_else(monkeypatch, value):
    monkeypatch.setenv("SUBMISSION_RATE_LIMIT", value)
    with pytest.raises(ImproperlyConfigured, match='SUBMISSION_RATE_LIMIT must look like "20/h'):
        rate_limits("SUBMISSION_RATE_LIMIT", "20/h,5/m")


def test_a_rate_limit_defaults_when_unset(monkeypatch):
    monkeypatch.delenv("SUBMISSION_RATE_LIMIT", raising=False)
    assert rate_limit("SUBMISSION_RATE_LIMIT", "5/h") == "5/h"


def test_the_import_size_limit_must_be_a_positive_whole_number(monkeypatch):
    monkeypatch.setenv("ADMIN_IMPORT_MAX_MB", "0")
    with pytest.raises(ImproperlyConfigured, match="ADMIN_IMPORT_MAX_MB must be a whole number"):
        positive_int("ADMIN_IMPORT_MAX_MB", 10)
