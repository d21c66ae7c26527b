from django.contrib.auth.decorators import permission_required
from django.shortcuts import render

from invoices import charts
from invoices.dashboard import dashboard_data


@permission_required("invoices.view_dashboard", raise_exception=True)
def dashboard(request):
    """Revenue by line type and month, customers, parts margin, technicians, processing, quality."""
    data = dashboard_data()
    context = {
        "data": data,
        "k": data["kpis"],
        "revenue_chart": charts.revenue_chart(data["revenue"]) if data["revenue"] else "",
        "customers_chart": charts.customers_chart([c["row"] for c in data["customers"]]),
        "parts_chart": charts.parts_chart([p["row"] for p in data["parts"]]),
        "technicians_chart": charts.technicians_chart([t["row"] for t in data["technicians"]]),
    }
    return render(request, "invoices/dashboard.html", context)
