from rest_framework import generics
from rest_framework.response import Response

from subscriptions.selectors import active_offers

from . import selectors
from .filters import ArticleFilter
from .models import Rubric
from .serializers import (
    ArticleDetailSerializer,
    ArticleSummarySerializer,
    AuthorSerializer,
    BriefSerializer,
    RubricSerializer,
)


class ReaderMixin:
    """Decide once per request whether the reader has access; everything else reads it."""

    @property
    def reader(self) -> selectors.Reader:
        return selectors.reader_of(self.request)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "reader": self.reader}


class ArticleList(ReaderMixin, generics.ListAPIView):
    """Published articles, newest first. Summaries only: never a body."""

    serializer_class = ArticleSummarySerializer
    filterset_class = ArticleFilter

    def get_queryset(self):
        return selectors.article_summaries(reader=self.reader)


class ArticleDetail(ReaderMixin, generics.RetrieveAPIView):
    """The full text for a reader with access or a free article; else the teaser and paywall."""

    serializer_class = ArticleDetailSerializer
    lookup_field = "slug"

    def retrieve(self, request, *args, **kwargs):
        article = selectors.article_detail(slug=kwargs["slug"], reader=self.reader)
        context = {
            **self.get_serializer_context(),
            "notes": selectors.visible_notes(article),
            "offers": active_offers() if article.is_locked else [],
        }
        return Response(ArticleDetailSerializer(article, context=context).data)


class AuthorList(generics.ListAPIView):
    serializer_class = AuthorSerializer
    queryset = selectors.author_list()


class AuthorDetail(ReaderMixin, generics.RetrieveAPIView):
    serializer_class = AuthorSerializer
    lookup_field = "slug"
    queryset = selectors.author_list()

    def retrieve(self, request, *args, **kwargs):
        author = self.get_object()
        articles = selectors.article_summaries(reader=self.reader).filter(authors=author)
        page = self.paginate_queryset(articles)
        response = self.get_paginated_response(
            ArticleSummarySerializer(page, many=True, context=self.get_serializer_context()).data
        )
        response.data = {**self.get_serializer(author).data, "articles": response.data}
        return response


class RubricList(generics.ListAPIView):
    serializer_class = RubricSerializer
    queryset = Rubric.objects.all()


class BriefList(generics.ListAPIView):
    serializer_class = BriefSerializer

    def get_queryset(self):
        return selectors.brief_list()
