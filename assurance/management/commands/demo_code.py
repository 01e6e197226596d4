"""Print the current two-factor code of a demo account, so the demo can be tried without a phone.

Only for the demo: it refuses unless DEBUG is on and the address is a demo one (@demo.example),
so it can never read a real person's authenticator key.
"""

import time

from allauth.mfa import app_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from allauth.mfa.utils import decrypt
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

DEMO_DOMAIN = "@demo.example"


class Command(BaseCommand):
    help = "Print the current 6-digit security code of a demo account (DEBUG only)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("email", help="a demo address, e.g. coordinator@demo.example")

    def handle(self, *args, email: str, **options) -> None:
        email = email.strip().lower()
        if not settings.DEBUG:
            raise CommandError("demo_code only runs with DEBUG on: it is for the demo data.")
        if not email.endswith(DEMO_DOMAIN):
            raise CommandError(f"demo_code only reads demo accounts ({DEMO_DOMAIN} addresses).")
        authenticator = Authenticator.objects.filter(
            user__email__iexact=email, type=Authenticator.Type.TOTP
        ).first()
        if authenticator is None:
            raise CommandError(
                f"{email} has no authenticator app. In the demo, the coordinator and the "
                "commissioners have one (seed_demo makes them); others sign in with the password."
            )
        secret = decrypt(authenticator.data["secret"])
        counter = int(time.time()) // app_settings.TOTP_PERIOD
        self.stdout.write(format_hotp_value(hotp_value(secret, counter)))
