from django.urls import path

from sales import views

app_name = "sales"

urlpatterns = [
    path("", views.executive, name="executive"),
    path("regional/", views.regional_page, name="regional"),
    path("risks/", views.risks, name="risks"),
    path("opportunities/", views.opportunities, name="opportunities"),
    path("deep-dive/", views.deep_dive, name="deep_dive"),
]
