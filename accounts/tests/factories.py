import factory
from factory.django import DjangoModelFactory

from accounts.models import User

PASSWORD = "Radiologie-2026!"


class UserFactory(DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"lecteur{n}@example.org")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def staff_member(group_name: str) -> User:
    """A member of staff in one of the groups of accounts.groups, with its permissions only."""
    from django.contrib.auth.models import Group

    user: User = UserFactory(is_staff=True)  # type: ignore[assignment]
    user.groups.add(Group.objects.get(name=group_name))
    return user
