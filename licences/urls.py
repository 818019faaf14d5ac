from django.urls import path

from . import views

urlpatterns = [
    path("me/organisations/", views.MyOrganisations.as_view(), name="my-organisations"),
    path("me/organisations/join/", views.OrganisationJoin.as_view(), name="organisation-join"),
    path(
        "organisations/<slug:slug>/",
        views.OrganisationDetail.as_view(),
        name="organisation-detail",
    ),
]
