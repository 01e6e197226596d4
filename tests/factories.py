"""factory_boy factories with no surprises: each builds the smallest valid object.

Objects that carry permissions are created through assurance/roles.py, as the pages do, so a
factory-made service has the same groups and grants as a real one.
"""

import factory

from assurance import roles
from assurance.models import CommissioningBody, Network, Organisation, Region, Service, User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["email"]

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    name = factory.Faker("name", locale="en_GB")
    password = factory.django.Password("correct horse battery staple")


class NetworkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Network

    name = factory.Sequence(lambda n: f"Collaborative {n}")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return roles.create_network(**kwargs)


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Provider {n}")
    kind = Organisation.Kind.CHARITY
    region = Region.LONDON


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service

    network = factory.SubFactory(NetworkFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Service {n}")
    setting_type = Service.SettingType.HOSTEL
    region = Region.LONDON

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return roles.create_service(**kwargs)


class CommissioningBodyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CommissioningBody

    network = factory.SubFactory(NetworkFactory)
    name = factory.Sequence(lambda n: f"Commissioning Board {n}")
    kind = CommissioningBody.Kind.ICB

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return roles.create_commissioning_body(**kwargs)
