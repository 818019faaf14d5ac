from django.urls import path

from . import views

urlpatterns = [
    path("auth/register/", views.Register.as_view(), name="register"),
    path("auth/token/", views.ObtainToken.as_view(), name="token"),
    path("auth/logout/", views.Logout.as_view(), name="logout"),
    path("auth/email/verify/", views.EmailVerify.as_view(), name="email-verify"),
    path("auth/password-reset/", views.PasswordReset.as_view(), name="password-reset"),
    path(
        "auth/password-reset/confirm/",
        views.PasswordResetConfirm.as_view(),
        name="password-reset-confirm",
    ),
    path("me/", views.Me.as_view(), name="me"),
    path("me/email/", views.MeEmail.as_view(), name="me-email"),
    path("me/email/verify/", views.MeEmailVerify.as_view(), name="me-email-verify"),
    path("me/password/", views.MePassword.as_view(), name="me-password"),
    path("me/export/", views.MeExport.as_view(), name="me-export"),
]
