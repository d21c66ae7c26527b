from django.contrib.auth.decorators import permission_required
from django.shortcuts import render
from django.utils.dateparse import parse_datetime

from inventory import charts
from inventory.dashboard import dashboard_data
from inventory.models import KIND_SHORT_LABELS, Source

# a source as the cards name it: its label without the note in brackets ("CDK", "vAuto")
SOURCE_NAMES = {value: label.split(" (")[0] for value, label in Source.choices}


@permission_required("inventory.view_dashboard", raise_exception=True)
def dashboard(request):
    """KPI cards, exceptions by priority, the source matrix, trend, stores, oldest criticals."""
    data = dashboard_data()
    s, links = data["summary"], data["links"]
    total = s["vehicles"] or 1
    context = {
        "data": data,
        # shown in the site's time zone (the data, also the JSON export, hold it in UTC)
        "finished_at": parse_datetime(data["finished_at"]) if data["finished_at"] else None,
        "source_cards": [
            {
                "name": SOURCE_NAMES[n],
                "count": c,
                "pct": round(100 * c / total, 1),
                "url": links["sources"][n],
            }
            for n, c in s["sources"].items()
        ],
        "exception_cards": [
            {"kind": k, "label": KIND_SHORT_LABELS[k], "count": c, "url": links["exceptions"][k]}
            for k, c in s["exceptions"].items()
        ],  # fmt: skip
        "matrix_rows": [
            {"combo": combo, "count": c, "url": links["matrix"][combo]}
            for combo, c in s["matrix"].items()
        ],
        "s": data["summary"],
        "priority_chart": charts.priority_chart(data["open_by_priority"]),
        "matrix_chart": charts.matrix_chart(data["summary"]["matrix"]),
        "trend_chart": charts.trend_chart(data["trend"]),
        "store_chart": charts.store_chart(data["by_store"]),
    }
    return render(request, "inventory/dashboard.html", context)
