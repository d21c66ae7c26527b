from django.contrib.auth.decorators import permission_required
from django.shortcuts import render


@permission_required("sales.view_dashboard", raise_exception=True)
def executive(request):
    return render(request, "placeholder.html", {"title": "Sales"})
