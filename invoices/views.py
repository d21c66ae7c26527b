from django.contrib.auth.decorators import permission_required
from django.shortcuts import render

from invoices import charts, selectors
from invoices.dashboard import dashboard_data, revenue_months
from invoices.scope import InvoiceScope


@permission_required("invoices.view_dashboard", raise_exception=True)
def dashboard(request):
    """Revenue by line type and month, customers, parts margin, technicians, processing,
    quality: of the invoices dated in the range chosen (every invoice by default), of one
    shop or all."""
    scope, errors = InvoiceScope.from_params(request.GET)
    data = dashboard_data(scope)
    shops = selectors.shops()
    context = {
        "data": data,
        "k": data["kpis"],
        "scope": scope,
        "errors": errors,
        # what the form shows: the dates as typed (a bad one too, said in ``errors``)
        "typed": {name: request.GET.get(name, "").strip() for name in ("date_from", "date_to")},
        "shops": shops,
        "shop_unknown": bool(scope.shop) and scope.shop not in shops,
        "revenue_months": revenue_months(data["revenue"]),
        "revenue_chart": charts.revenue_chart(data["revenue"]) if data["revenue"] else "",
        "customers_chart": charts.customers_chart([c["row"] for c in data["customers"]]),
        "parts_chart": charts.parts_chart([p["row"] for p in data["parts"]]),
        "technicians_chart": charts.technicians_chart([t["row"] for t in data["technicians"]]),
    }
    return render(request, "invoices/dashboard.html", context)
