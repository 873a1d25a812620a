import factory
from django.utils import timezone

from aftersales.accounts.models import Customer, CustomerIdentity, User
from aftersales.accounts.roles import Role


class StaffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"staff{n}")
    role = Role.AGENT
    team = "agents"
    email = factory.LazyAttribute(lambda u: f"{u.username}@aftersales.example")
    employee_id = factory.Sequence(lambda n: f"E{n:05d}")


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer
        skip_postgeneration_save = True

    name = "Customer"
    phone = factory.Sequence(lambda n: f"+86138{n:08d}")
    created_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def identities(customer: Customer, create: bool, extracted: object, **kwargs: object) -> None:  # type: ignore[misc]
        """The customer's phone and e-mail address as claimed identities, as intake would keep them."""
        if not create:
            return
        for kind, value in (
            (CustomerIdentity.Kind.PHONE, customer.phone),
            (CustomerIdentity.Kind.EMAIL, customer.email),
        ):
            if value:
                CustomerIdentity.objects.create(
                    customer=customer, kind=kind, value=value.lower(), created_at=customer.created_at
                )
