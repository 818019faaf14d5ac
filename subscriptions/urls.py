from django.urls import path

from . import views

urlpatterns = [
    path("offers/", views.OfferList.as_view(), name="offer-list"),
]
