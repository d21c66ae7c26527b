"""The Deep Dive's sales organisation: reps counted per office, offices told apart by code."""

import datetime as dt

from django.urls import reverse

from tests.sales.factories import (
    CustomerFactory,
    EmployeeFactory,
    OfficeFactory,
    OrderFactory,
    OrderLineFactory,
)

MARCH = dt.date(2024, 3, 1)


def test_offices_in_cities_of_the_same_name_are_counted_apart(db, client_for, manager):
    """Two offices in a "Paris" (France, and Texas) each have one rep: the card said
    "Paris 2"; an office with no employee has 0 reps and was left out."""
    paris_fr = OfficeFactory(office_code="10", city="Paris", country="France", territory="EMEA")
    paris_us = OfficeFactory(office_code="20", city="Paris", country="USA", territory="NA")
    OfficeFactory(office_code="30", city="Oslo", country="Norway", territory="EMEA")
    for number, office, price in ((1, paris_fr, 300), (2, paris_us, 100)):
        rep = EmployeeFactory(employee_number=number, office=office, last_name=f"Rep{number}")
        customer = CustomerFactory(sales_rep=rep)
        OrderLineFactory(order=OrderFactory(customer=customer, order_date=MARCH), price_each=price)

    context = client_for(manager).get(reverse("sales:deep_dive")).context

    assert context["org"]["per_office"] == [("Oslo", 0), ("Paris (France)", 1), ("Paris (USA)", 1)]
    assert [(r["employee_number"], r["office"], r["territory"]) for r in context["tables"][
        "reps"
    ].rows] == [(1, "Paris (France)", "EMEA"), (2, "Paris (USA)", "NA")]  # fmt: skip
    assert {r["employee_number"]: r["office"] for r in context["tables"]["organisation"].rows} == {
        1: "Paris (France)",
        2: "Paris (USA)",
    }
    emea = client_for(manager).get(reverse("sales:deep_dive") + "?territory=EMEA").context
    assert emea["org"]["per_office"] == [("Oslo", 0), ("Paris (France)", 1)]
