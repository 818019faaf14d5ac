from django.urls import path

from . import views

urlpatterns = [
    path("articles/", views.ArticleList.as_view(), name="article-list"),
    path("articles/<slug:slug>/", views.ArticleDetail.as_view(), name="article-detail"),
    path("articles/<slug:slug>/comments/", views.CommentList.as_view(), name="article-comments"),
    path("articles/<slug:slug>/gifts/", views.ArticleGiftCreate.as_view(), name="article-gifts"),
    path("me/gifts/", views.MyGiftList.as_view(), name="my-gifts"),
    path("me/gifts/<int:pk>/", views.MyGift.as_view(), name="my-gift"),
    path("series/<slug:slug>/", views.SeriesDetail.as_view(), name="series-detail"),
    path("authors/", views.AuthorList.as_view(), name="author-list"),
    path("authors/<slug:slug>/", views.AuthorDetail.as_view(), name="author-detail"),
    path("rubrics/", views.RubricList.as_view(), name="rubric-list"),
    path("briefs/", views.BriefList.as_view(), name="brief-list"),
]

# A licence's usage, for its managers (the organisation itself: licences/urls.py).
urlpatterns += [
    path(
        "organisations/<slug:slug>/usage/",
        views.OrganisationUsage.as_view(),
        name="organisation-usage",
    ),
    path(
        "organisations/<slug:slug>/usage.csv",
        views.OrganisationUsageCsv.as_view(),
        name="organisation-usage-csv",
    ),
    path(
        "organisations/<slug:slug>/usage.tsv",
        views.OrganisationUsageTsv.as_view(),
        name="organisation-usage-tsv",
    ),
]
