"""django-import-export resources: exports of vehicles and exceptions, and the plain import
path that the benchmark compares the COPY-based ``feed_import`` against."""

from import_export import fields, resources

from inventory.feeds.vin import vin_normalise
from inventory.models import InventoryException, SourceRecord, Vehicle


class VehicleResource(resources.ModelResource):
    class Meta:
        model = Vehicle
        fields = ("vin", "stock_number", "store", "year", "make", "model", "cost", "price",
                  "msrp", "in_cdk", "in_vauto", "in_lojack", "in_oem", "combo")  # fmt: skip
        export_order = fields


class InventoryExceptionResource(resources.ModelResource):
    class Meta:
        model = InventoryException
        fields = ("id", "vin", "stock_number", "store", "kind", "priority", "state", "amount",
                  "opened_at", "sla_due_at", "closed_at", "note")  # fmt: skip


class CdkRowResource(resources.ModelResource):
    """A CDK CSV (``VIN, Stock No, Year, Make, Model, ...``) into source rows, row by row.

    The stock django-import-export path: one instance lookup and one save per row. Kept
    for the benchmark's baseline; the feeds themselves go through ``feed_import``.
    """

    key = fields.Field(attribute="key", column_name="VIN")
    vin = fields.Field(attribute="vin", column_name="VIN")
    stock_number = fields.Field(attribute="stock_number", column_name="Stock No")
    year = fields.Field(attribute="year", column_name="Year")
    make = fields.Field(attribute="make", column_name="Make")
    model = fields.Field(attribute="model", column_name="Model")
    store = fields.Field(attribute="store", column_name="Store")

    class Meta:
        model = SourceRecord
        import_id_fields = ("key",)
        fields = ("key", "vin", "stock_number", "year", "make", "model", "store")

    def before_import_row(self, row, **kwargs):
        row["VIN"] = vin_normalise(row.get("VIN"))
        row["Year"] = row.get("Year") or None

    def get_queryset(self):
        return SourceRecord.objects.filter(source="cdk")

    def before_save_instance(self, instance, row, **kwargs):
        instance.source = "cdk"
