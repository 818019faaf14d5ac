from django.urls import path

from . import views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("articles/<slug:slug>/", views.article, name="article"),
    path("articles/<slug:slug>/commentaires/", views.comment, name="comment"),
    path("rubriques/<slug:slug>/", views.rubric, name="rubric"),
    path("auteurs/<slug:slug>/", views.author, name="author"),
    path("connexion/", views.SignIn.as_view(), name="signin"),
    path("inscription/", views.register, name="register"),
    path("deconnexion/", views.SignOut.as_view(), name="signout"),
    path("compte/", views.account, name="account"),
    # Where the account e-mails' links lead (accounts/emails.py, self_service.py).
    path("compte/adresse/verifier/", views.email_verify, name="email-verify"),
    path("compte/mot-de-passe/oubli/", views.password_forgotten, name="password-forgotten"),
    path("compte/mot-de-passe/nouveau/", views.password_reset, name="password-reset"),
    path("abonnement/", views.offers, name="offers"),
    path("abonnement/merci/", views.checkout_return, name="checkout-return"),
    path("journal/<int:number>/", views.edition, name="edition"),
    path("le-fil/", views.wire, name="wire"),
    path("le-fil/<int:pk>/", views.brief, name="brief"),
]
