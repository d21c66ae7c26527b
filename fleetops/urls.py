from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from fleetops import views
from fleetops.api import api
from fleetops.security import LoginForm

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("favicon.ico", views.favicon, name="favicon"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(authentication_form=LoginForm),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("inventory/", include("inventory.urls")),
    path("invoices/", include("invoices.urls")),
    path("sales/", include("sales.urls")),
    path("monitoring/", include("monitoring.urls")),
    path("", include("monitoring.metrics_urls")),
]

handler403 = "fleetops.views.permission_denied"
