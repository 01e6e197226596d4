"""Create the demo network through the same functions the pages use.

Safe to run again: people and roles that already exist are left as they are. Prints the demo
logins at the end, which is what `make run` shows.
"""

from allauth.account.models import EmailAddress
from django.core.management.base import BaseCommand
from django.db import transaction

from assurance.models import User
from assurance import roles
from assurance.models import Network

NETWORK_NAME = "Relational Assurance Collaborative"
DEMO_PASSWORD = "relational-demo-2027"  # noqa: S105 - published demo login, local data only


def demo_person(email: str, name: str) -> User:
    """A person who can sign in with the demo password and a verified address."""
    user, created = User.objects.get_or_create(email=email, defaults={"name": name})
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user


class Command(BaseCommand):
    help = "Create (or complete) the demo network and print the demo logins."

    @transaction.atomic
    def handle(self, *args, **options) -> None:
        logins: list[tuple[str, str, str]] = []

        network = Network.objects.filter(name=NETWORK_NAME).first() or roles.create_network(
            name=NETWORK_NAME,
            ethos=(
                "Member services review each other as critical friends: we visit, listen to "
                "staff and to the people who use each service, and agree how to improve."
            ),
        )
        coordinator = demo_person("coordinator@demo.example", "Cora Coordinator")
        roles.appoint_coordinator(coordinator, network)
        logins.append((
            "Network coordinator",
            coordinator.email,
            "frameworks, upload a framework",
        ))

        self.print_logins(logins)

    def print_logins(self, logins: list[tuple[str, str, str]]) -> None:
        width = max(len(email) for _, email, _ in logins)
        role_width = max(len(role) for role, _, _ in logins)
        self.stdout.write("")
        self.stdout.write(self.style.MIGRATE_HEADING("Demo logins (password for all: %s)" % DEMO_PASSWORD))
        for role, email, sees in logins:
            self.stdout.write(f"  {role:<{role_width}}  {email:<{width}}  {sees}")
        self.stdout.write("")
