from django.urls import path

from monitoring import views

app_name = "monitoring"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("alerts/<int:pk>/ack", views.alert_ack, name="alert_ack"),
]
