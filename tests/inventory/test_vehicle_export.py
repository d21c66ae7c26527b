"""The vehicle export streams (fleetops.csvexport.StreamedExportMixin): the same file as
django-import-export's own CSV of the same rows, read with a fixed number of queries."""

import csv
import io
from decimal import Decimal

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import connection
from django.urls import reverse
from import_export import fields
from import_export.signals import post_export

from fleetops.formats import CSV
from inventory.admin.vehicles import VehicleAdmin
from inventory.models import Vehicle
from inventory.resources import VehicleResource
from tests.downloads import downloaded
from tests.inventory.factories import make_vin

EXPORT = "admin:inventory_vehicle_export"


def _post_export(client, data=None):
    """The export page's form, posted with every field ticked (or ``data``'s)."""
    url = reverse(EXPORT)
    if data is None:
        form = client.get(url).context["form"]
        data = {"format": "0", "resource": "0"}
        data |= {name: "on" for name in form.fields if name.startswith("vehicleresource_")}
    return client.post(url, data)


def _tricky_vehicles():
    """Cells a spreadsheet would run, quotes, commas, a line break, empty and None values,
    booleans, decimals: everything the widgets render and the escaping touches."""

    def vehicle(**fields):
        return Vehicle.objects.create(vin=make_vin(), **fields)

    return [
        vehicle(store="=HYPERLINK(\"http://x\")", stock_number="+1 650", make="-Ford",
                model='F-150, "Lariat"', year=2024, cost=Decimal("-500.00"),
                price=Decimal("66800.00"), msrp=None, in_cdk=True, combo="C"),
        vehicle(store="@SUM(1+1)", stock_number="'=quoted", make="Jeep", model="Grand\nCherokee",
                year=None, cost=None, price=Decimal("0.10"), msrp=Decimal("1234567.89"),
                in_vauto=True, in_oem=True, combo="VO"),
        vehicle(store="Northside Ford", stock_number="", make="Ford", model="Bronco",
                year=2023, cost=Decimal("30000"), in_lojack=True, combo="L"),
        vehicle(store="\tTabbed", stock_number="-12.50", make="Québec", model="Été"),
    ]  # fmt: skip


def _library_csv(queryset) -> str:
    """The file import-export's own admin path wrote: Resource.export + our CSV format."""
    dataset = VehicleResource().export(queryset=queryset)
    return CSV().export_data(dataset)


def test_the_streamed_export_is_the_library_csv_of_the_same_rows(triage_user, client_for):
    _tricky_vehicles()
    response = _post_export(client_for(triage_user))
    assert response.status_code == 200
    assert response.streaming is True
    assert response["Content-Type"].startswith("text/csv")
    assert 'attachment; filename="Vehicle-' in response["Content-Disposition"]
    body = downloaded(response)
    expected = _library_csv(Vehicle.objects.order_by("vin"))  # the admin's ordering

    assert body.startswith("\ufeff".encode())  # the BOM every FleetOps download carries
    assert body.decode("utf-8") == "\ufeff" + expected  # byte for byte: CRLF, quotes, escaping
    streamed = list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))
    library = list(csv.reader(io.StringIO(expected, newline="")))
    assert streamed[0] == library[0] == list(VehicleResource.Meta.fields)
    assert streamed[1:] == library[1:] and len(streamed) == 5
    cells = {cell for row in streamed[1:] for cell in row}
    assert {"'=HYPERLINK(\"http://x\")", "'+1 650", "'-Ford", "'@SUM(1+1)", "''=quoted",
            "'\tTabbed", "-12.50", "Grand\nCherokee", "-500.00", "1"} <= cells  # fmt: skip


def test_the_selected_fields_and_the_changelist_filters_apply(triage_user, client_for):
    vehicles = _tricky_vehicles()
    data = {"format": "0", "resource": "0", "vehicleresource_vin": "on",
            "vehicleresource_store": "on", "vehicleresource_in_cdk": "on"}  # fmt: skip
    url = reverse(EXPORT) + f"?q={vehicles[0].vin}"
    body = downloaded(client_for(triage_user).post(url, data)).decode("utf-8-sig")
    library = VehicleResource().export(
        queryset=Vehicle.objects.filter(pk=vehicles[0].pk),
        export_fields=["vin", "store", "in_cdk"],
    )
    assert body == CSV().export_data(library)
    assert body.splitlines() == [
        "vin,store,in_cdk",
        f'{vehicles[0].vin},"\'=HYPERLINK(""http://x"")",1',
    ]


def test_post_export_is_sent_once_the_file_is_written(triage_user, client_for):
    _tricky_vehicles()
    sent = []

    def receiver(sender, model, **kwargs):
        sent.append(model)

    post_export.connect(receiver)
    try:
        response = _post_export(client_for(triage_user))
        assert sent == []  # nothing written yet: the rows go out as the client reads them
        downloaded(response)
    finally:
        post_export.disconnect(receiver)
    assert sent == [Vehicle]


def test_the_rows_are_read_with_a_bounded_number_of_queries(
    triage_user, client_for, django_assert_max_num_queries
):
    Vehicle.objects.bulk_create(
        Vehicle(vin=make_vin(), store="Northside Ford", make="Ford", year=2024, in_cdk=True)
        for _ in range(30)
    )
    client = client_for(triage_user)
    form = client.get(reverse(EXPORT)).context["form"]
    data = {"format": "0", "resource": "0"}
    data |= {name: "on" for name in form.fields if name.startswith("vehicleresource_")}
    with django_assert_max_num_queries(10):  # 7 today (session, user, perms, rows): not 30+
        response = client.post(reverse(EXPORT), data)
        body = downloaded(response)
    assert response.streaming is True
    assert len(body.decode("utf-8-sig").splitlines()) == 31


def test_a_user_without_the_export_permission_gets_no_file(client_for):
    Vehicle.objects.create(vin=make_vin(), store="Northside Ford")
    viewer = get_user_model().objects.create_user("viewer", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_vehicle"))
    client = client_for(viewer)
    assert client.get(reverse("admin:inventory_vehicle_changelist")).status_code == 200
    response = _post_export(client, {"format": "0", "resource": "0", "vehicleresource_vin": "on"})
    assert response.status_code == 403
    assert not response.streaming


@pytest.mark.django_db(transaction=True)
def test_the_rows_stream_after_the_view_returned_in_autocommit(triage_user, client_for):
    """As in production (no ATOMIC_REQUESTS): the generator reads the rows once the view
    has returned, outside any transaction; on PostgreSQL ``.iterator()`` is a server-side
    cursor (WITH HOLD in autocommit), fetched a chunk at a time (100 rows)."""
    Vehicle.objects.bulk_create(Vehicle(vin=make_vin(), store="Midway Honda") for _ in range(250))
    response = _post_export(client_for(triage_user))
    assert response.streaming is True
    assert connection.get_autocommit() and not connection.in_atomic_block
    lines = downloaded(response).decode("utf-8-sig").splitlines()
    assert len(lines) == 251 and len(set(lines)) == 251


def test_a_resource_that_wants_the_whole_dataset_takes_the_library_path(admin_user, rf):
    """``after_export`` is handed the whole Dataset: such a resource is not streamed."""

    class DatasetResource(VehicleResource):
        def after_export(self, queryset, dataset, **kwargs):
            dataset.append_col(["x"] * dataset.height, header="extra")

    class DatasetAdmin(VehicleAdmin):
        resource_classes = [DatasetResource]

    _tricky_vehicles()
    request = rf.get(reverse(EXPORT))
    request.user = admin_user
    model_admin = DatasetAdmin(Vehicle, admin.site)
    response = model_admin._do_file_export(CSV(), request, Vehicle.objects.order_by("vin"))
    assert response.streaming is False
    header = response.content.decode().splitlines()[0]
    assert header == ",".join([*VehicleResource.Meta.fields, "extra"])


def test_a_resource_with_its_own_rows_streams_them(admin_user, rf):
    """A resource overriding ``export_resource`` is streamed through it, row by row."""

    class ShoutingResource(VehicleResource):
        def export_resource(self, instance, selected_fields=None, **kwargs):
            row = super().export_resource(instance, selected_fields, **kwargs)
            return [value.upper() if isinstance(value, str) else value for value in row]

    class ShoutingAdmin(VehicleAdmin):
        resource_classes = [ShoutingResource]

    Vehicle.objects.create(vin=make_vin(), make="Honda", model="Accord")
    request = rf.get(reverse(EXPORT))
    request.user = admin_user
    model_admin = ShoutingAdmin(Vehicle, admin.site)
    response = model_admin._do_file_export(CSV(), request, Vehicle.objects.all())
    assert response.streaming is True
    (row,) = csv.DictReader(io.StringIO(downloaded(response).decode("utf-8-sig")))
    assert (row["make"], row["model"]) == ("HONDA", "ACCORD")


def test_dehydrate_methods_are_used_as_the_library_uses_them(admin_user, rf):
    """A ``dehydrate_<field>`` method, a field naming its own ``dehydrate_method`` (by
    name and as a callable): the streamed file is still the library's CSV of the rows."""

    class DehydratingResource(VehicleResource):
        label = fields.Field(column_name="label", dehydrate_method="vehicle_label")
        sources = fields.Field(column_name="sources", dehydrate_method=lambda v: v.combo or "none")

        class Meta(VehicleResource.Meta):
            fields = ("vin", "make", "label", "sources")
            export_order = fields

        def dehydrate_make(self, vehicle):
            return f"make:{vehicle.make}"

        def vehicle_label(self, vehicle):
            return f"{vehicle.year or ''} {vehicle.model}".strip()

    class DehydratingAdmin(VehicleAdmin):
        resource_classes = [DehydratingResource]

    _tricky_vehicles()
    queryset = Vehicle.objects.order_by("vin")
    request = rf.get(reverse(EXPORT))
    request.user = admin_user
    response = DehydratingAdmin(Vehicle, admin.site)._do_file_export(CSV(), request, queryset)
    assert response.streaming is True
    body = downloaded(response).decode("utf-8")
    assert body == "\ufeff" + CSV().export_data(DehydratingResource().export(queryset=queryset))
    rows = list(csv.DictReader(io.StringIO(body.lstrip("\ufeff"), newline="")))
    ford = next(row for row in rows if row["label"] == '2024 F-150, "Lariat"')
    assert (ford["make"], ford["sources"]) == ("make:-Ford", "C")
    assert {row["sources"] for row in rows} == {"C", "VO", "L", "none"}
