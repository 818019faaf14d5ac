from django.urls import path

from . import views

urlpatterns = [path("club/", views.ClubBenefitList.as_view(), name="club-list")]
