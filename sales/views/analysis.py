"""Risks & Diagnostics, Opportunities and Deep Dive pages."""

from urllib.parse import urlencode

from django.contrib.auth.decorators import permission_required
from django.utils.text import capfirst

from sales import charts
from sales.selectors import abc, customers, organisation, products, risk
from sales.selectors.base import counted_orders, effective_as_of
from sales.views.common import TableSpec, render_page, settings_used

PERM = "sales.view_dashboard"
ORDER_COLUMNS = [
    ("Order", "order_number", "text"),
    ("Customer", "customer_number", "text"),  # names may repeat (one per country...)
    ("Name", "customer_name", "text"),
    ("Ordered", "order_date", "date"),
    ("Required", "required_date", "date"),
    ("Shipped", "shipped_date", "date"),
    ("Status", "status", "text"),
    ("Days late", "days_late", "late"),
]


def _risks(settings, flt, as_of, extra):
    credit = risk.credit_misalignment(settings, flt)
    flagged = [r for r in credit if r["status"] != risk.ALIGNED]
    trend = risk.on_time_trend(settings, flt)
    context = {
        "credit_chart": charts.credit_scatter(credit),
        "on_time_chart": charts.on_time_chart(trend),
        "exclusions": risk.exclusions(settings),
        "help": {
            **risk.RISK_HELP,
            "credit": risk.RISK_HELP["credit"].format(ratio=settings.credit_ratio),
        },
        "over_count": sum(1 for r in credit if r["status"] == risk.OVER),
        "under_count": sum(1 for r in credit if r["status"] == risk.UNDER),
        "used": settings_used(settings, as_of, "credit_ratio"),
    }
    tables = [
        TableSpec(
            "credit",
            "Credit misalignment",
            [
                ("Customer", "customer_number", "text"),
                ("Name", "customer_name", "text"),
                ("Credit limit", "credit_limit", "money"),
                ("Revenue", "revenue", "money"),
                ("Credit ÷ revenue", "credit_to_revenue", "ratio"),
                ("Status", "status", "status"),
            ],
            flagged,
            sortable=True,
        ),
        TableSpec(
            "no_rep",
            "Customers with orders but no sales rep",
            [
                ("Customer", "customer_number", "text"),
                ("Name", "customer_name", "text"),
                ("Country", "country", "text"),
                ("Orders", "orders", "int"),
            ],
            risk.customers_without_rep(settings, flt),
        ),
        TableSpec("late", "Late orders", ORDER_COLUMNS, risk.late_orders(settings, flt, as_of)),
        TableSpec(
            "unshipped",
            "Unshipped orders",
            ORDER_COLUMNS,
            risk.unshipped_orders(settings, flt, as_of),
        ),
    ]
    return context, tables


@permission_required(PERM, raise_exception=True)
def risks(request):
    return render_page(
        request, template="sales/risks.html", title="Sales · Risks & Diagnostics", build=_risks
    )


CUSTOMER_ACTIVITY = [
    ("Customer", "customer_number", "text"),
    ("Name", "customer_name", "text"),
    ("Last order", "last_order", "date"),
    ("Days since", "recency_days", "int"),
    ("Orders", "orders", "int"),
    ("Revenue", "revenue", "money"),
]


def crosssell_window(settings, flt) -> str:
    """The orders the cross-sell pairs are read from (help text and the table's period)."""
    if flt.year:
        return f"orders of {flt.year}"
    if settings.crosssell_window_days:
        return f"orders of the last {settings.crosssell_window_days} days"
    return "all orders"


def _opportunities(settings, flt, as_of, extra):
    activity = customers.customer_activity(settings, flt, as_of)
    segments = customers.rfm_segments(settings, activity)
    summary = customers.tier_summary(segments)
    upcoming = customers.next_orders(settings, activity)
    churn = customers.churn_risk(settings, activity)
    windows = products.product_windows(settings, flt, as_of)  # one line scan for both tables
    history_end = effective_as_of(settings, flt, as_of)
    # each panel's own window (the page's year filter only bounds them)
    history = f"Customer history to {history_end:%Y-%m-%d}" if history_end else "No orders"
    days = settings.demand_window_days
    demand_period = (
        f"Last {days} days to {history_end:%Y-%m-%d} vs the {days} days before"
        if history_end
        else "No orders"
    )
    help_ = {
        "rfm": customers.OPPORTUNITY_HELP["rfm"].format(
            top=settings.rfm_top_min, high=settings.rfm_high_min, mid=settings.rfm_mid_min
        ),
        "next_order": customers.OPPORTUNITY_HELP["next_order"].format(
            overdue=settings.overdue_days
        ),
        "churn": customers.OPPORTUNITY_HELP["churn"].format(churn=settings.churn_days),
        "demand": products.PRODUCT_HELP["demand"].format(
            days=settings.demand_window_days, pct=settings.demand_trend_pct
        ),
        "cross_sell": products.PRODUCT_HELP["cross_sell"].format(
            min_orders=settings.crosssell_min_orders, window=crosssell_window(settings, flt)
        ),
    }
    context = {
        "rfm_chart": charts.rfm_chart(summary),
        "tiers": summary,
        "churn_revenue": churn["revenue_at_risk"],
        "history_end": history_end,
        "history_period": history,
        "help": help_,
        "used": settings_used(
            settings, as_of, "rfm", "overdue_days", "churn_days", "demand", "crosssell"
        ),
    }
    tables = [
        TableSpec(
            "rfm",
            "RFM segments",
            [
                *CUSTOMER_ACTIVITY,
                ("R", "r", "int"),
                ("F", "f", "int"),
                ("M", "m", "int"),
                ("RFM", "rfm", "int"),
                ("Tier", "tier", "tier"),
            ],
            sorted(segments, key=lambda r: (-r["rfm"], -r["revenue"])),
            sortable=True,
            period=history,
        ),
        TableSpec(
            "overdue",
            "Overdue customers (next order expected)",
            [
                *CUSTOMER_ACTIVITY,
                ("Mean interval (days)", "mean_interval_days", "num"),
                ("Predicted next", "predicted_next", "date"),
            ],
            [r for r in upcoming if r["overdue"]],
            sortable=True,
            period=history,
        ),
        TableSpec(
            "churn",
            "Churn risk",
            CUSTOMER_ACTIVITY,
            churn["customers"],
            sortable=True,
            period=history,
        ),
        TableSpec(
            "demand",
            "Product demand trend",
            [
                ("Product", "product_code", "text"),
                ("Name", "product_name", "text"),
                ("Line", "product_line", "text"),
                ("Units (recent)", "current_units", "int"),
                ("Units (before)", "prior_units", "int"),
                ("Change", "change", "signed"),
                ("Trend", "trend", "trend"),
            ],
            products.demand_trend(settings, flt, as_of, windows),
            sortable=True,
            period=demand_period,
        ),
        TableSpec(
            "cross_sell",
            "Cross-sell pairs",
            [
                ("Product A", "name_a", "text"),
                ("Product B", "name_b", "text"),
                ("Orders together", "orders_together", "int"),
                ("Support", "support", "pct"),
                ("Confidence A→B", "confidence", "pct"),
                ("Lift", "lift", "ratio"),
            ],
            products.cross_sell_pairs(settings, flt, as_of, windows=windows),
            sortable=True,
            period=capfirst(crosssell_window(settings, flt)),
        ),
    ]
    return context, tables


def history_has_orders(settings, flt, as_of) -> bool:
    """Whether the Opportunities panels have an order to read: they read the customer
    history up to the end of the selected year (capped at the as-of date), not that year
    alone, so a year without orders still has the earlier years' customers."""
    end = effective_as_of(settings, flt, as_of)
    return counted_orders(settings, flt, end=end, use_year=False).exists()


@permission_required(PERM, raise_exception=True)
def opportunities(request):
    return render_page(
        request,
        template="sales/opportunities.html",
        title="Sales · Opportunities",
        build=_opportunities,
        matches=history_has_orders,
    )


def _search(rows: list[dict], q: str, klass: str, keys: tuple[str, ...]) -> list[dict]:
    q = q.lower()
    return [
        r
        for r in rows
        if (not klass or r["abc"] == klass)
        and (not q or any(q in str(r.get(k, "")).lower() for k in keys))
    ]


def server_sort(table: TableSpec, sort: str, query: dict) -> None:
    """Sort all of a table's rows by ``?sort=[-]key`` (not only the rows shown) and give
    each header a link that sorts by it (descending first, then ascending)."""
    key = sort.lstrip("-")
    keys = {k for _, k, _ in table.columns}
    if key in keys:
        present = [r for r in table.rows if r.get(key) not in (None, "")]
        missing = [r for r in table.rows if r.get(key) in (None, "")]
        present.sort(key=lambda r: r[key], reverse=sort.startswith("-"))
        table.rows = present + missing
    links = []
    for label, k, kind in table.columns:
        next_sort = k if sort == f"-{k}" else f"-{k}"
        params = {**{p: v for p, v in query.items() if v}, "sort": next_sort}
        state = "descending" if sort == f"-{k}" else "ascending" if sort == k else ""
        links.append((label, kind, "?" + urlencode(params) + f"#table-{table.name}", state))
    table.extra["sort_links"] = links
    table.sortable = False  # sorted by the server: the whole list, not just the page


def _deep_dive(settings, flt, as_of, extra):
    q, klass = extra.get("q", ""), extra.get("abc", "").upper()
    offices = organisation.offices_by_code()
    reps = abc.reps_abc(settings, flt, offices)
    org = organisation.sales_organisation(settings, flt, reps, offices)
    common = [
        ("ABC", "abc", "abc"),
        ("Revenue", "revenue", "bar"),
        ("Share", "share", "pct"),
        ("Cumulative before", "cumulative_before", "pct"),
    ]
    tables = [
        TableSpec(
            "customers",
            "Customers",
            [
                ("Customer", "customer_number", "text"),
                ("Name", "customer_name", "text"),
                ("Country", "country", "text"),
                ("Sales rep", "sales_rep", "text"),
                ("Orders", "orders", "int"),
                ("Credit limit", "credit_limit", "money"),
                *common,
            ],
            _search(
                abc.customers_abc(settings, flt),
                q,
                klass,
                ("customer_number", "customer_name", "country", "sales_rep"),
            ),
            sortable=True,
        ),
        TableSpec(
            "products",
            "Products",
            [
                ("Product", "product_code", "text"),
                ("Name", "product_name", "text"),
                ("Line", "product_line", "text"),
                ("Units", "units", "int"),
                ("Orders", "orders", "int"),
                *common,
            ],
            _search(
                abc.products_abc(settings, flt),
                q,
                klass,
                ("product_code", "product_name", "product_line"),
            ),
            sortable=True,
        ),
        TableSpec(
            "reps",
            "Sales reps",
            [
                ("Employee", "employee_number", "text"),
                ("Name", "name", "text"),
                ("Office", "office", "text"),
                ("Territory", "territory", "text"),
                ("Customers", "customers", "int"),
                ("Orders", "orders", "int"),
                *common,
            ],
            _search(reps, q, klass, ("employee_number", "name", "office", "territory")),
            sortable=True,
        ),
        TableSpec(
            "organisation",
            "Sales organisation: reps and workload",
            [
                ("Employee", "employee_number", "text"),
                ("Name", "name", "text"),
                ("Office", "office", "text"),
                ("Territory", "territory", "text"),
                ("Customers", "customers", "load"),
                ("Revenue", "revenue", "money"),
                ("ABC", "abc", "abc"),
            ],
            org["reps"],
            sortable=True,
        ),
    ]
    for table in tables:
        server_sort(table, extra.get("sort", ""), {**flt.as_params(), **extra})
    context = {
        "org": org,
        "help": {
            "abc": abc.ABC_HELP.format(a=settings.abc_a_pct, b=settings.abc_b_pct),
            "org": organisation.ORG_HELP,
        },
        "used": settings_used(settings, as_of, "abc"),
    }
    return context, tables


@permission_required(PERM, raise_exception=True)
def deep_dive(request):
    return render_page(
        request,
        template="sales/deep_dive.html",
        title="Sales · Deep Dive",
        build=_deep_dive,
        params={"q": "", "abc": "", "sort": ""},
    )
