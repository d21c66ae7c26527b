import pytest

from fleetops.vin import (
    vin_check_digit,
    vin_check_digit_ok,
    vin_is_valid,
    vin_normalise,
    vin_problem,
)


def test_normalise_strips_spaces_dashes_and_upper_cases():
    assert vin_normalise("  1c4-rjfbg5lc-123456 ") == "1C4RJFBG5LC123456"
    assert vin_normalise(None) == ""


def test_normalise_upper_cases_a_to_z_only():
    """Python's upper() makes "S" of the long s and "SS" of "ß": such text must stay
    what it is, so that it fails as a VIN (invoices, the admin, the API and the feeds all
    read VINs with this one function)."""
    assert vin_normalise("1fſew1e5xpkd12345") == "1FſEW1E5XPKD12345"
    assert vin_normalise("1fßw1e5xpkd1234") == "1FßW1E5XPKD1234"  # 15 characters, not 16
    assert vin_normalise("\u00a01hgcm82633a004352\u00a0") == "1HGCM82633A004352"  # no-break spaces


def test_known_vin_check_digit_is_x():
    # The textbook example (49 CFR 565): 1M8GDM9A_KP042788 has check digit X.
    assert vin_check_digit("1M8GDM9AXKP042788") == "X"
    assert vin_check_digit_ok("1M8GDM9AXKP042788")
    assert not vin_check_digit_ok("1M8GDM9A1KP042788")


def test_non_north_american_vins_skip_the_check_digit():
    assert vin_check_digit_ok("WBA3A5C55CF256651".replace("5C55", "5C50"))


@pytest.mark.parametrize(
    ("vin", "problem"),
    [
        ("", "missing"),
        ("1M8GDM9AXKP04278", "16 characters instead of 17"),
        ("1M8GDM9AXKP0427880", "18 characters instead of 17"),
        ("1M8GDM9AXKO042788", "characters not allowed in a VIN: O"),
        ("IM8GDM9AXKQ042788", "characters not allowed in a VIN: I Q"),
    ],
)
def test_invalid_vins_say_why(vin, problem):
    assert vin_problem(vin) == problem
    assert not vin_is_valid(vin)
