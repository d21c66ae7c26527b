"""Two days of hand-built feeds for two stores through the API and the commands, every
figure of the API checked against counts made by hand.

The files are written as dealers send them (header aliases, BOM, CRLF, ``$35,120.00``,
lower-case and dashed VINs, an invalid and a duplicate row, an OEM order without a VIN,
a vAuto ``VIN 8`` export, OEM dealer codes mapped by store aliases); the VINs carry check
digits computed here, not by FleetOps.
"""

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from inventory.models import InventoryException, StoreAlias
from inventory.services.exceptions import (
    exception_acknowledge,
    exception_resolve,
    exception_snooze,
)

pytestmark = pytest.mark.django_db

# ISO 3779 transliteration and weights, for the check digits of the VINs below
VALUES = dict(
    zip(
        "0123456789ABCDEFGHJKLMNPRSTUVWXYZ",
        [*range(10), *range(1, 9), *range(1, 6), 7, 9, *range(2, 10)],
        strict=True,
    )
)
WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)


def vin(first8: str, last8: str) -> str:
    body = f"{first8}0{last8}"
    rest = sum(VALUES[c] * w for c, w in zip(body, WEIGHTS, strict=True)) % 11
    return f"{first8}{'X' if rest == 10 else rest}{last8}"


V = {  # vehicles 1 to 14: the VIN's first 8 and last 8 characters
    n: vin(chars[:8], chars[8:])
    for n, chars in enumerate(
        [
            "1FTFW1E5MFA10001",
            "1FTFW1E5MFA10002",
            "1FMCU0GDMUA20003",
            "1FTEW1EPMKD30004",
            "1HGCV1F3LA040005",
            "2HKRW2H8MH050006",
            "5FNRL6H7NB060007",
            "1HGCY2F5PA073626",
            "1FA6P8CFMG080009",
            "3FA6P0HDMR090010",
            "1FTBR1Y8PKA10011",
            "5J6RW2H5NL120012",
            "19XFL2H8PE130013",
            "1FMSK8DHNG140014",
        ],
        start=1,
    )
}
NF, MH = "Northside Ford", "Midway Honda"


def csv(lines: list[str], *, bom=False, crlf=False) -> bytes:
    end = "\r\n" if crlf else "\n"
    return (("\ufeff" if bom else "") + end.join(lines) + end).encode()


CDK_HEAD = "VIN #,StockNumber,ModelYear,Make,ModelName,BaseInvoicePrice,AdvertisedPrice,Rooftop"
CDK = {  # vehicle -> its CDK row
    1: f'{V[1]},F1001,2021,Ford,F-150,"$35,120.00","$39,995.00",{NF}',
    2: f"{V[2]},F1002,2021,Ford,F-150,28500.00,31000,{NF}",
    3: f"  {V[3][:3].lower()}-{V[3][3:11].lower()}-{V[3][11:].lower()} ,F1003,2021,Ford,Escape,"
    f'"$ 41,000.00",45000,{NF}',
    4: f"{V[4]},F1004,2019,Ford,F-150,30000,34000,{NF}",
    5: f'{V[5]},H2005,2020,Honda,Accord,"22,000.50",25000,{MH}',
    6: f"{V[6]},H2006,2021,Honda,CR-V,19999.99,23000,{MH}",
    7: f'{V[7]},H2007,2022,Honda,Odyssey,"25,000",29000,{MH}',
    8: f'{V[8]},PB3626R,2023,Honda,Civic,"$27,000.00",29500,{MH}',
    11: f'{V[11]},F1011,2023,Ford,F-150 Lightning,"$45,500.00",52000,{NF}',
    13: f'{V[13]},H2013,2023,Honda,Pilot,"31,234.56",36000,{MH}',
}
CDK_BAD = [
    f"{V[1][:16]},F1999,2020,Ford,Ranger,20000,22000,{NF}",  # 16 characters
    f'{V[1].lower()},F1001,2021,Ford,F-150,"$35,120.00",39995,{NF}',
]  # a duplicate
VAUTO_HEAD = "Stock #,VIN,Year,Make,Model,Internet Price,Age,Photo Count,Dealer"
VAUTO = {
    1: f'F1001,{V[1]},2021,Ford,F-150,"$39,995.00",12,24,northside ford',
    2: f"F1002,{V[2]},2021,Ford,F-150,31000,8,20,{NF}",
    3: f"F1003,{V[3]},2021,Ford,Escape,45000,3,18,",
    4: f"F1004,{V[4]},2019,Ford,F-150,34000,1,5,{NF}",
    9: f'F1009,{V[9]},2021,Ford,Mustang,"$38,500.00",40,30,{NF}',
}
VAUTO_MH_VIN8 = csv(
    [  # vAuto's VIN-8 export: never a vehicle by itself
        "Stock #,VIN 8,Year,Make,Model,Price,Age,Photos,Dealer",
        f"H2005,{V[5][-8:]},2020,Honda,Accord,25000,10,12,{MH}",
        f'PB3626,{V[8][-8:].lower()},2023,Honda,Civic,"$29,500.00",2,0,{MH}',
    ],
    bom=True,
)
LOJACK_HEAD = "VIN,Serial Number,Stock No,Install Date,Last Location Date,On Lot,Location"
STORE_OF = {1: NF, 2: NF, 3: NF, 4: NF, 5: MH, 6: MH, 7: MH, 8: MH, 9: NF, 10: NF, 11: NF}


def lojack(vehicles) -> bytes:
    return csv(
        [LOJACK_HEAD] + [f"{V[n]},LJ-{n},,2024-01-02,2024-06-01,Y,{STORE_OF[n]}" for n in vehicles]
    )


OEM_HEAD = (
    "VehicleOrderNumber,VIN,Model Code,Model Year,MSRP,Dealer Invoice,Status Code,Dealer Code"
)


def oem(o102_vin: str) -> bytes:
    return csv(
        [
            OEM_HEAD,
            f'O100,{V[11]},W1Y,2023,"$48,200.00","$45,100.00",3000,C55555',
            f'O101,{V[4]},W1E,2019,"33,000",31000,5000,C55555',
            f'O102,{o102_vin},W1S,2025,"$40,000.00",38000,1000,C55555',
            f'O103,{V[12]},RW2,2022,"$51,750.25",49000,3000,C66666',
        ],
        crlf=True,
    )


def test_the_vins_carry_their_check_digits():
    assert V[1] == "1FTFW1E59MFA10001" and V[3] == "1FMCU0GDXMUA20003"  # 10 is written X


@pytest.fixture
def api(clerk, triage_user, manager, client_for, tmp_path, django_capture_on_commit_callbacks):
    StoreAlias.objects.create(name="C55555", source="oem", store=NF)
    StoreAlias.objects.create(name="C66666", source="oem", store=MH)
    clients = {
        "clerk": client_for(clerk),
        "triage": client_for(triage_user),
        "manager": client_for(manager),
    }

    class Api:
        def upload(self, source, data, store=""):
            response = clients["clerk"].post(
                f"/api/inventory/feeds/{source}",
                {"file": SimpleUploadedFile(f"{source}.csv", data), "store": store},
            )
            assert response.status_code == 201, response.content
            return response.json()

        def command(self, source, data, store=""):
            path = tmp_path / f"{source}-{len(list(tmp_path.iterdir()))}.csv"
            path.write_bytes(data)
            call_command("import_feed", source, str(path), "--store", store, stdout=io.StringIO())

        def refresh(self):
            with django_capture_on_commit_callbacks(execute=True):
                response = clients["triage"].post("/api/inventory/refresh")
            assert response.status_code == 202
            return response.json()["run_id"]

        def reconcile_json(self):
            out = io.StringIO()
            call_command("reconcile", "--json", stdout=out)
            return json.loads(out.getvalue())

        def get(self, path, role="manager", **params):
            response = clients[role].get(f"/api/inventory/{path}", params)
            assert response.status_code == 200, response.content
            return response.json()

        def exceptions(self, **params):
            data = self.get("exceptions", page_size=200, **params)
            assert data["count"] == len(data["results"])
            return {(int(NAME[r["vin"]]), r["kind"]): r for r in data["results"]}

    return Api()


NAME = {v: n for n, v in V.items()}


def day1(api):
    api.upload(
        "cdk", csv([CDK_HEAD] + [CDK[n] for n in range(1, 9)] + CDK_BAD, bom=True, crlf=True)
    )
    api.upload("lojack", lojack([1, 2, 3, 5, 6, 10]))
    api.upload("vauto", csv([VAUTO_HEAD] + [VAUTO[n] for n in (1, 2, 3, 9)], crlf=True), NF)
    api.command("vauto", VAUTO_MH_VIN8, MH)
    api.command("oem", oem(""))


def day2(api):
    cdk = [CDK[n] for n in (1, 2, 3, 4, 5, 6, 8, 11, 13)]  # 7 sold; 11 arrived; 13 new
    api.command("cdk", csv([CDK_HEAD] + cdk, bom=True, crlf=True))
    api.command(
        "vauto", csv([VAUTO_HEAD] + [VAUTO[n] for n in (1, 2, 3, 4)], crlf=True), "NORTHSIDE  ford"
    )
    api.upload("vauto", VAUTO_MH_VIN8, "midway honda")
    api.upload("lojack", lojack([1, 2, 3, 4, 5, 6, 10, 11]))
    api.upload("oem", oem(V[14]))  # order O102 built: V14


def summary_by_hand(matrix: dict[str, int], cost: dict, msrp: dict, combo: dict) -> dict:
    """The summary object from each vehicle's sources (``combo``) and amounts."""

    def having(test):
        return [n for n, c in combo.items() if test(c)]

    kinds = {
        "oem_not_in_cdk": having(lambda c: "O" in c and "C" not in c),
        "not_marketed": having(lambda c: "C" in c and "V" not in c),
        "ghost_listing": having(lambda c: "V" in c and "C" not in c),
        "no_tracking": having(lambda c: "C" in c and "L" not in c),
    }
    vehicles = len(combo)
    aligned = len(having(lambda c: {"C", "V", "L"} <= set(c)))
    not_marketed = round(sum(cost[n] for n in kinds["not_marketed"]), 2)
    return {
        "vehicles": vehicles,
        "sources": {
            s: len(having(lambda c, k=k: k in c))
            for s, k in (("cdk", "C"), ("vauto", "V"), ("lojack", "L"), ("oem", "O"))
        },
        "exceptions": {k: len(found) for k, found in kinds.items()},
        "aligned": aligned,
        "aligned_pct": round(100 * aligned / vehicles, 2),
        "impact": {
            "oem_at_risk": round(sum(msrp[n] for n in kinds["oem_not_in_cdk"]), 2),
            "not_marketed_value": not_marketed,
            "floorplan_monthly": round(not_marketed * 0.015 + 1e-9, 2),
            "untracked_value": round(sum(cost[n] for n in kinds["no_tracking"]), 2),
        },
        "matrix": matrix,
    }


COST = {
    1: 35120,
    2: 28500,
    3: 41000,
    4: 30000,
    5: 22000.50,
    6: 19999.99,
    7: 25000,
    8: 27000,
    11: 45500,
    13: 31234.56,
}
MSRP = {4: 33000, 11: 48200, 12: 51750.25, 14: 40000}


def test_two_days_of_feeds_through_the_api(api, triage_user):
    day1(api)
    run_id = api.refresh()
    combo1 = {
        1: "CVL",
        2: "CVL",
        3: "CVL",
        4: "CO",
        5: "CL",
        6: "CL",
        7: "C",
        8: "C",
        9: "V",
        10: "L",
        11: "O",
        12: "O",
    }
    matrix1 = {"CVL": 3, "C": 2, "CL": 2, "O": 2, "CO": 1, "L": 1, "V": 1}
    expected = summary_by_hand(matrix1, COST, MSRP, combo1)
    assert expected["impact"] == {
        "oem_at_risk": 99950.25,
        "not_marketed_value": 124000.49,
        "floorplan_monthly": 1860.01,
        "untracked_value": 82000.0,
    }
    summary = api.get("summary")
    assert summary == {"run_id": run_id, **expected}
    assert list(summary["matrix"]) == list(matrix1)  # most vehicles first
    assert api.reconcile_json() == {**api.get("summary"), "run_id": run_id + 1}
    assert api.get("matrix") == {"run_id": run_id + 1, "vehicles": 12, "matrix": matrix1}
    assert api.get("dashboard.json")["summary"] == api.get("summary")

    rows = api.exceptions()
    assert {key: (r["priority"], r["store"], r["state"]) for key, r in rows.items()} == {
        (11, "oem_not_in_cdk"): ("CRITICAL", NF, "open"),
        (12, "oem_not_in_cdk"): ("CRITICAL", MH, "open"),
        **{(n, "not_marketed"): ("HIGH", STORE_OF[n], "open") for n in (4, 5, 6, 7, 8)},
        (9, "ghost_listing"): ("HIGH", NF, "open"),
        **{(n, "no_tracking"): ("MEDIUM", STORE_OF[n], "open") for n in (4, 7, 8)},
    }
    assert rows[(11, "oem_not_in_cdk")]["amount"] == 48200.0
    assert rows[(9, "ghost_listing")]["amount"] == 38500.0  # the listing's price
    # every page size: each exception on exactly one page, in the same order as one page
    order = [r["id"] for r in api.get("exceptions", page_size=200)["results"]]
    for size in range(1, 12):
        pages = [api.get("exceptions", page_size=size, page=p) for p in range(1, 14)]
        ids = [r["id"] for page in pages for r in page["results"]]
        assert ids == order, size
        assert pages[-1]["results"] == [] and pages[-1]["count"] == 11
    # the OEM order without a VIN is pending, not an exception
    assert api.get("dashboard.json")["pending_oem"] == 1

    # triage before day 2 (the service the admin's actions call)
    for kind, n, step in (
        ("oem_not_in_cdk", 12, "resolve"),
        ("not_marketed", 7, "resolve"),
        ("not_marketed", 5, "acknowledge"),
        ("no_tracking", 8, "snooze"),
    ):
        picked = InventoryException.objects.filter(vin=V[n], kind=kind)
        if step == "resolve":
            exception_resolve(exceptions=picked, user=triage_user, note=f"note {n}")
        elif step == "acknowledge":
            exception_acknowledge(exceptions=picked, user=triage_user)
        else:
            until = picked.get().sla_due_at
            exception_snooze(exceptions=picked, user=triage_user, until=until)
    resolved = api.exceptions(state="resolved")
    assert {k: r["note"] for k, r in resolved.items()} == {
        (12, "oem_not_in_cdk"): "note 12",
        (7, "not_marketed"): "note 7",
    }
    assert all(r["closed_at"] for r in resolved.values())
    assert len(api.exceptions(state="open")) == 9
    by_priority = {p["priority"]: p["open"] for p in api.get("dashboard.json")["open_by_priority"]}
    assert by_priority == {"CRITICAL": 1, "HIGH": 5, "MEDIUM": 3}

    day2(api)
    summary = api.reconcile_json()
    combo2 = {
        1: "CVL",
        2: "CVL",
        3: "CVL",
        4: "CVLO",
        5: "CL",
        6: "CL",
        8: "C",
        10: "L",
        11: "CLO",
        12: "O",
        13: "C",
        14: "O",
    }
    matrix2 = {"CVL": 3, "C": 2, "CL": 2, "O": 2, "CLO": 1, "CVLO": 1, "L": 1}
    expected = summary_by_hand(matrix2, COST, MSRP, combo2)
    assert expected["impact"] == {
        "oem_at_risk": 91750.25,
        "not_marketed_value": 145735.05,
        "floorplan_monthly": 2186.03,
        "untracked_value": 58234.56,
    }
    assert summary == {"run_id": run_id + 2, **expected}
    assert api.get("summary") == summary

    states = {key: r["state"] for key, r in api.exceptions().items()}
    assert states == {
        (11, "oem_not_in_cdk"): "cleared",  # arrived in CDK
        (12, "oem_not_in_cdk"): "resolved",  # resolved, and still holds: stays resolved
        (14, "oem_not_in_cdk"): "open",  # order O102 built, not in CDK
        (9, "ghost_listing"): "cleared",  # listing taken down
        (4, "not_marketed"): "cleared",
        (4, "no_tracking"): "cleared",
        (5, "not_marketed"): "acknowledged",  # kept as triaged
        (6, "not_marketed"): "open",
        (8, "not_marketed"): "open",
        (7, "not_marketed"): "resolved",
        (7, "no_tracking"): "cleared",  # sold
        (8, "no_tracking"): "snoozed",
        (11, "not_marketed"): "open",
        (13, "not_marketed"): "open",
        (13, "no_tracking"): "open",
    }
    assert all(r["closed_at"] for r in api.exceptions(state="cleared").values())
    mh_open = api.exceptions(store="midway honda", state="open")
    assert set(mh_open) == {
        (5, "not_marketed"),
        (6, "not_marketed"),
        (8, "not_marketed"),
        (13, "not_marketed"),
        (8, "no_tracking"),
        (13, "no_tracking"),
    }
    stores = {row["store"]: row["total"] for row in api.get("dashboard.json")["by_store"]}
    assert stores == {MH: 6, NF: 2}

    # late on day 2 vAuto sends the Mustang again: its ghost listing reopens
    api.upload("vauto", csv([VAUTO_HEAD] + [VAUTO[n] for n in (1, 2, 3, 4, 9)]), NF)
    late = api.refresh()
    ghost = api.exceptions(kind="ghost_listing")
    assert [(k, r["state"], r["closed_at"]) for k, r in ghost.items()] == [
        ((9, "ghost_listing"), "open", None)
    ]
    summary = api.get("summary")
    assert (summary["run_id"], summary["vehicles"], summary["aligned_pct"]) == (late, 13, 30.77)
    assert summary["matrix"]["V"] == 1 and summary["exceptions"]["ghost_listing"] == 1
    vehicle = api.get(f"vehicles/{V[9][:3]}-{V[9][3:].lower()}", role="triage")
    assert vehicle["presence"] == {"cdk": False, "vauto": True, "lojack": False, "oem": False}
    assert [(e["kind"], e["state"]) for e in vehicle["exceptions"]] == [("ghost_listing", "open")]
