"""Keep the ``OrderTotal`` read model in step with the order lines (set-based)."""

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Count, DecimalField, ExpressionWrapper, F, Sum

from sales.models import OrderLine, OrderTotal

BATCH = 5000


@transaction.atomic
def order_totals_refresh(*, order_ids: Iterable[int] | None = None) -> int:
    """Rebuild the totals of ``order_ids`` (all orders when ``None``); returns rows written."""
    lines = OrderLine.objects.all()
    totals = OrderTotal.objects.all()
    if order_ids is not None:
        ids = list(set(order_ids))
        lines = lines.filter(order_id__in=ids)
        totals = totals.filter(order_id__in=ids)
    totals.delete()
    revenue = ExpressionWrapper(
        F("quantity_ordered") * F("price_each"),
        output_field=DecimalField(max_digits=24, decimal_places=2),  # as OrderTotal.revenue
    )
    rows = (
        lines.values("order_id")
        .annotate(revenue=Sum(revenue), units=Sum("quantity_ordered"), lines=Count("pk"))
        .order_by()
    )
    objects = [
        OrderTotal(order_id=r["order_id"], revenue=r["revenue"], units=r["units"], lines=r["lines"])
        for r in rows.iterator(chunk_size=BATCH)
    ]
    OrderTotal.objects.bulk_create(objects, batch_size=BATCH)
    return len(objects)
