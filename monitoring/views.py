from django.contrib.auth.decorators import permission_required
from django.shortcuts import render


@permission_required("monitoring.view_dashboard", raise_exception=True)
def dashboard(request):
    return render(request, "placeholder.html", {"title": "Monitoring"})
