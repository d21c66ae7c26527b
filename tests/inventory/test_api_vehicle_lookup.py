"""``GET /api/inventory/vehicles/{vin}``: the VIN as staff type it, and a 404 that says why."""

import pytest

from tests.inventory.factories import make_vin

pytestmark = pytest.mark.django_db


@pytest.fixture
def production(settings):
    """DEBUG off, as deployed: ninja's own 404 then says only "Not Found"."""
    settings.DEBUG = False


def test_a_vin_typed_in_lower_case_with_dashes_and_spaces_finds_the_vehicle(
    load, triage_user, client_for
):
    vin = make_vin()
    load(cdk={vin: {"store": "Northside Ford"}}, lojack=[vin])
    client = client_for(triage_user)
    for typed in (vin.lower(), f"{vin[:3]}-{vin[3:11]}-{vin[11:]}", f" {vin[:8]} {vin[8:]} "):
        response = client.get(f"/api/inventory/vehicles/{typed}")
        assert response.status_code == 200, typed
        assert response.json()["vin"] == vin
        assert response.json()["presence"] == {
            "cdk": True, "vauto": False, "lojack": True, "oem": False
        }  # fmt: skip


def test_an_unknown_vin_is_a_404_naming_it(production, load, triage_user, client_for):
    """Before, the answer was ninja's bare "Not Found", the same as for a URL with no
    route: a client could not tell a VIN FleetOps does not hold from a wrong path."""
    known = make_vin()
    load(cdk={known: {}})
    unknown = make_vin()
    response = client_for(triage_user).get(f"/api/inventory/vehicles/{unknown.lower()}")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {"detail": f"No vehicle has the VIN {unknown}."}


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("nope", "NOPE is not a VIN (4 characters instead of 17)."),
        ("1FT-EW1E50-PF10000", "1FTEW1E50PF10000 is not a VIN (16 characters instead of 17)."),
        (
            "1FTEW1E50PF10000I",
            "1FTEW1E50PF10000I is not a VIN (characters not allowed in a VIN: I).",
        ),
        ("1FT%00", "1FT is not a VIN (3 characters instead of 17)."),  # NUL dropped
    ],
)
def test_an_invalid_vin_is_a_404_saying_why_it_is_no_vin(
    production, load, triage_user, client_for, typed, reason
):
    load(cdk={make_vin(): {}})
    response = client_for(triage_user).get(f"/api/inventory/vehicles/{typed}")
    assert response.status_code == 404
    assert response.json() == {"detail": reason}


def test_letters_that_upper_case_into_a_to_z_are_no_vin_as_in_imports(
    production, load, triage_user, client_for
):
    """A feed's VIN cell is upper-cased a-z only (commit 2f74bfe): Python's ``upper()``
    makes "S" of the long s "ſ" and "SS" of "ß". The lookup read the path with
    ``upper()``, so ``1fſew…`` found the vehicle ``1FSEW…`` that an import of the same
    text refuses, and a 16-character text with "ß" was reported as 17 characters of S."""
    vin = make_vin(wmi="1FS")
    load(cdk={vin: {}})
    client = client_for(triage_user)
    assert client.get(f"/api/inventory/vehicles/{vin.lower()}").status_code == 200
    long_s = vin.lower().replace("s", "\u017f")
    response = client.get(f"/api/inventory/vehicles/{long_s}")
    assert response.status_code == 404
    assert response.json() == {
        "detail": f"{vin.replace('S', chr(0x17F))} is not a VIN "
        "(characters not allowed in a VIN: \u017f)."
    }
    eszett = vin[:15] + "\u00df"
    response = client.get(f"/api/inventory/vehicles/{eszett}")
    assert response.status_code == 404
    assert response.json() == {"detail": f"{eszett} is not a VIN (16 characters instead of 17)."}
