import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from fleetops.roles import CLERKS, MANAGERS, TRIAGE

TEST_PASSWORD = "pass-for-tests"


def _in_role(role: str):
    """A post-generation hook that puts the new user in ``role``'s group."""

    def add(user, create, extracted, **kwargs):
        if create:
            user.groups.add(Group.objects.get(name=role))

    return factory.PostGeneration(add)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@fleetops.example")
    is_staff = True
    password = factory.django.Password(TEST_PASSWORD)


class TriageUserFactory(UserFactory):
    username = factory.Sequence(lambda n: f"triage{n}")
    role = _in_role(TRIAGE)


class ManagerFactory(UserFactory):
    username = factory.Sequence(lambda n: f"manager{n}")
    role = _in_role(MANAGERS)


class ClerkFactory(UserFactory):
    username = factory.Sequence(lambda n: f"clerk{n}")
    role = _in_role(CLERKS)


class OutsiderFactory(UserFactory):
    """Logged in, but in no group and not staff."""

    username = factory.Sequence(lambda n: f"outsider{n}")
    is_staff = False


class AdminFactory(UserFactory):
    username = factory.Sequence(lambda n: f"admin{n}")
    is_superuser = True
