from django.urls import path

from . import views

urlpatterns = [
    path("editions/", views.EditionList.as_view(), name="edition-list"),
    path(
        "editions/<int:number>/download/",
        views.EditionDownload.as_view(),
        name="edition-download",
    ),
]
