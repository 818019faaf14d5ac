from django.urls import path

from . import views

urlpatterns = [
    path("offers/", views.OfferList.as_view(), name="offer-list"),
    path("subscriptions/checkout/", views.CheckoutStart.as_view(), name="subscription-checkout"),
    path("subscriptions/portal/", views.PortalStart.as_view(), name="subscription-portal"),
    path("stripe/webhook/", views.StripeWebhook.as_view(), name="stripe-webhook"),
]
