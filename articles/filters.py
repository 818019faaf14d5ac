import django_filters

from .models import Article, Author, Rubric
from .reading import reader_of
from .search import article_search


class ArticleFilter(django_filters.FilterSet):
    rubric = django_filters.ModelChoiceFilter(
        field_name="rubric", to_field_name="slug", queryset=Rubric.objects.all()
    )
    author = django_filters.ModelChoiceFilter(
        field_name="authors", to_field_name="slug", queryset=Author.objects.all()
    )
    access = django_filters.ChoiceFilter(choices=Article.Access.choices)
    q = django_filters.CharFilter(method="search", max_length=200)

    class Meta:
        model = Article
        fields = ["rubric", "author", "access", "q"]

    def search(self, queryset, name, value):
        return article_search(queryset, reader=reader_of(self.request), terms=value)
