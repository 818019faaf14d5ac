from django.contrib import admin
from django.urls import path

from . import views

app_name = "dashboard"

urlpatterns = [
    path("", admin.site.admin_view(views.dashboard_page), name="page"),
    path("<slug:table>.csv", admin.site.admin_view(views.dashboard_csv), name="csv"),
]
