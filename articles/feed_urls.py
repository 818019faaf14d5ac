from django.urls import path

from . import feeds

urlpatterns = [
    path("articles/rss/", feeds.ArticleFeed(), name="feed-articles-rss"),
    path("articles/atom/", feeds.AtomArticleFeed(), name="feed-articles-atom"),
    path("rubrics/<slug:slug>/rss/", feeds.RubricFeed(), name="feed-rubric-rss"),
    path("rubrics/<slug:slug>/atom/", feeds.AtomRubricFeed(), name="feed-rubric-atom"),
    path("briefs/rss/", feeds.BriefFeed(), name="feed-briefs-rss"),
    path("briefs/atom/", feeds.AtomBriefFeed(), name="feed-briefs-atom"),
]
