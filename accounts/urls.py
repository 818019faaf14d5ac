from django.urls import path

from . import views

urlpatterns = [
    path("auth/register/", views.Register.as_view(), name="register"),
    path("auth/token/", views.ObtainToken.as_view(), name="token"),
    path("auth/logout/", views.Logout.as_view(), name="logout"),
    path("me/", views.Me.as_view(), name="me"),
]
