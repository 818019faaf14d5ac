"""The editions' files, under /files/: outside the API, with no JSON negotiation."""

from django.urls import path

from . import views

urlpatterns = [
    path("editions/<str:token>/", views.edition_file, name="edition-file"),
    path("covers/<str:filename>", views.edition_cover, name="edition-cover"),
]
