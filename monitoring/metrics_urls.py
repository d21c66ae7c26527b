from django.urls import path

from monitoring.prometheus import metrics

urlpatterns = [
    path("metrics", metrics, name="metrics"),
]
