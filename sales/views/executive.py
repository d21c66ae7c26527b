"""Executive and Regional pages."""

from dataclasses import replace

from django.contrib.auth.decorators import permission_required

from sales import charts
from sales.selectors import kpis, regional
from sales.views.common import TableSpec, render_page, settings_used

PERM = "sales.view_dashboard"
REGION_COLUMNS = [
    ("Name", "name", "text"),
    ("Revenue", "revenue", "bar"),
    ("Share", "share", "pct"),
    ("Orders", "orders", "int"),
    ("Customers", "customers", "int"),
    ("AOV", "aov", "money"),
]
CARD_LABELS = (
    ("revenue", "Revenue", "money"),
    ("orders", "Orders", "int"),
    ("customers", "Active customers", "int"),
    ("aov", "Average order value", "money"),
    ("on_time_rate", "On-time delivery", "pct"),
)


def _executive(settings, flt, as_of, extra):
    year = flt.year or kpis.kpi_year(settings, as_of)
    cards = []
    k = None
    if year:
        k = kpis.executive_kpis(settings, flt, year, as_of)
        cards = [
            {
                "key": key,
                "label": label,
                "kind": kind,
                "value": k[key],
                "prior": k["prior"][key],
                "yoy": k["yoy"][key],
                "help": kpis.KPI_HELP[key],
            }
            for key, label, kind in CARD_LABELS
        ]
    monthly = kpis.monthly_revenue(settings, flt)
    lines = kpis.revenue_by_product_line(settings, flt)
    tables = [
        TableSpec(
            "product_lines",
            "Revenue by product line",
            [
                ("Product line", "product_line", "text"),
                ("Revenue", "revenue", "bar"),
                ("Share", "share", "pct"),
                ("Units", "units", "int"),
            ],
            lines,
        ),
        TableSpec(
            "monthly",
            "Monthly revenue",
            [
                ("Year", "year", "text"),
                ("Month", "month", "int"),
                ("Revenue", "revenue", "money"),
                ("Orders", "orders", "int"),
            ],
            monthly,
            limit=0,
        ),
    ]
    context = {
        "kpi_year": year,
        "periods": k["periods"] if k else None,
        "first_order": k["first_order"] if k else None,
        "has_previous_year": k["has_previous_year"] if k else False,
        "prior_data_from": k["prior_data_from"] if k else None,
        "cards": cards,
        "help": kpis.KPI_HELP,
        "monthly_chart": charts.monthly_revenue_chart(monthly),
        "lines_chart": charts.product_line_chart(lines),
        "used": settings_used(settings, as_of),
    }
    return context, tables


@permission_required(PERM, raise_exception=True)
def executive(request):
    return render_page(
        request, template="sales/executive.html", title="Sales · Executive", build=_executive
    )


def _regional(settings, flt, as_of, extra):
    countries = regional.revenue_by_country(settings, flt)
    # The map shows every country (the selected one outlined) so another can be clicked.
    map_rows = (
        regional.revenue_by_country(settings, replace(flt, country=""))
        if flt.country
        else countries
    )
    territories = regional.revenue_by_territory(settings, flt)
    context = {
        "map": charts.world_map(map_rows, flt.country),
        "territory_chart": charts.territory_chart(territories),
        "concentration": regional.concentration(countries),
        "help": regional.REGIONAL_HELP,
        "used": settings_used(settings, as_of),
    }
    tables = [
        TableSpec("countries", "By country", REGION_COLUMNS, countries, sortable=True),
        TableSpec("territories", "By territory", REGION_COLUMNS, territories),
    ]
    return context, tables


@permission_required(PERM, raise_exception=True)
def regional_page(request):
    return render_page(
        request, template="sales/regional.html", title="Sales · Regional", build=_regional
    )
