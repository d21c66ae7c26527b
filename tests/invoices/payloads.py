"""Small hand-made Fullbay payloads for tests (the real sample lives in fixtures/)."""

import copy
import json
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"


def sample_response() -> dict:
    return json.loads((FIXTURES / "getInvoices-sample-response.json").read_text())


def sample_invoice() -> dict:
    return sample_response()["resultSet"][0]


def part(description, qty, price, cost="0", *, shop="", vendor="", category="", returned=None):
    return {
        "primaryKey": f"p-{description}-{qty}",
        "description": description,
        "shopPartNumber": shop,
        "vendorPartNumber": vendor,
        "partCategory": category,
        "quantity": qty,
        "cost": cost,
        "sellingPrice": price,
        "taxable": "Yes",
        "returnedQuantity": returned,
    }


def correction(pk, parts=(), *, title="Fix", labor="0"):
    return {
        "primaryKey": pk,
        "title": title,
        "globalComponent": "BRAKES",
        "globalSystem": "CHASSIS",
        "correctionPerformed": "Performed",
        "laborTotal": labor,
        "Parts": list(parts),
    }


def tech(name, portion, actual):
    return {"technician": name, "technicianNumber": "", "portion": portion, "actualHours": actual}


def complaint(pk, *, labor="0", hours="0", techs=(), corrections=(), note="NOISE", actual="0"):
    return {
        "primaryKey": pk,
        "type": "Complaint",
        "subType": "",
        "note": note,
        "cause": "Worn",
        "laborTotal": labor,
        "laborHoursTotal": hours,
        "actualHoursTotal": actual,
        "AssignedTechnicians": list(techs),
        "Corrections": list(corrections),
    }


def invoice(
    pk="1000",
    *,
    complaints=(),
    sub_total="0",
    parts_total=None,
    labor_total=None,
    supplies="0",
    misc=(),
    misc_total=None,
    vin="1FUJGLDR5CLBP8834",
    tax="0",
    total=None,
    **extra,
):
    payload = {
        "primaryKey": pk,
        "invoiceNumber": f"N{pk}",
        "invoiceDate": "2025-06-03",
        "dueDate": "2025-06-18",
        "created": "2025-06-03 12:31:27",
        "customerTitle": "ACME HAULING",
        "Customer": {"customerId": 77, "title": "ACME HAULING"},
        "shopTitle": "Shop 1",
        "subTotal": sub_total,
        "partsTotal": parts_total,
        "laborTotal": labor_total,
        "suppliesTotal": supplies,
        "miscChargeTotal": misc_total,
        "taxTotal": tax,
        "total": total,
        "ServiceOrder": {
            "primaryKey": f"so-{pk}",
            "repairOrderNumber": f"RO{pk}",
            "Unit": {
                "vin": vin,
                "make": "Freightliner",
                "model": "Cascadia",
                "year": "2012",
                "number": "T-1",
            },
            "MiscCharges": list(misc),
            "Complaints": list(complaints),
        },
    }
    payload.update(extra)
    return copy.deepcopy(payload)
