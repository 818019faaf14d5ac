from django.urls import path

from . import views

urlpatterns = [
    path("me/newsletters/", views.MyNewsletters.as_view(), name="my-newsletters"),
    path("newsletters/unsubscribe/", views.Unsubscribe.as_view(), name="newsletter-unsubscribe"),
]
