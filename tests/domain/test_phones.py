import pytest
from django.core.exceptions import ValidationError

from locations.domain.phones import format_phone, normalize_phone, phone_uri


@pytest.mark.parametrize(
    "written, stored",
    [
        ("(212) 555-0100", "+12125550100"),
        ("212.555.0100", "+12125550100"),
        ("+1 212 555 0100", "+12125550100"),
        ("(212) 555-0100 ext 5", "+12125550100;ext=5"),
        ("212-555-0100 x123", "+12125550100;ext=123"),
        ("(787) 555-0100", "+17875550100"),  # Puerto Rico shares the US plan
        ("", ""),
    ],
)
def test_it_stores_dialable_numbers_in_e164_with_the_extension(written, stored):
    assert normalize_phone(written) == stored


@pytest.mark.parametrize(
    "written",
    [
        "555-1234",
        "000-000-0000",
        "12",
        "call us",
        "+44 20 7946 0958",
        "(212) 555-0100 x12345678901",
    ],
)
def test_it_refuses_numbers_that_cannot_be_dialled_in_the_us(written):
    with pytest.raises(ValidationError) as caught:
        normalize_phone(written)

    assert caught.value.messages == [
        f"{written} is not a phone number that can be dialled in the US. Use 10 digits "
        "with the area code, like (212) 555-0100 or (212) 555-0100 ext. 5."
    ]


def test_it_shows_and_dials_the_extension():
    stored = normalize_phone("(212) 555-0100 ext 5")

    assert format_phone(stored) == "(212) 555-0100 ext. 5"
    assert phone_uri(stored) == "tel:+1-212-555-0100;ext=5"
    # What is shown reads back as the same number (exports import again unchanged).
    assert normalize_phone(format_phone(stored)) == stored


def test_a_number_without_extension_dials_as_it_is():
    assert format_phone("+12125550100") == "(212) 555-0100"
    assert phone_uri("+12125550100") == "tel:+1-212-555-0100"
    assert phone_uri("") == format_phone("") == ""


def test_the_short_way_says_what_phonenumbers_says():
    """format_phone and phone_uri write stored North American numbers out directly;
    phonenumbers, which they use for anything else, must agree on every one."""
    import random

    import phonenumbers

    from locations.domain.phones import NANP_STORED, _parse_stored

    rng = random.Random(3)
    stored = ["+18006624357", "+17875550100", "+12125550100;ext=5", "+19075551234;ext=1234567890"]
    stored += [
        f"+1{rng.randint(200, 999)}{rng.randint(200, 999)}{rng.randint(0, 9999):04}"
        + (f";ext={rng.randint(1, 99999)}" if rng.random() < 0.2 else "")
        for _ in range(2000)
    ]
    for number in stored:
        assert NANP_STORED.fullmatch(number)
        parsed = _parse_stored(number)
        national = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
        rfc3966 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.RFC3966)
        assert (format_phone(number), phone_uri(number)) == (national, rfc3966), number
