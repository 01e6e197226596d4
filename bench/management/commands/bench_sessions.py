"""Sign in a few people of each main role for the load run and print them as one JSON line:
{"visitors": [{"role", "cookie", "pages": [[key, path], ...]}, ...]} (see `bench.sessions`).

`manage.py benchmark` runs it against the national database with the same settings and secret
key as the gunicorn it is about to load, so that the sessions are valid there.
"""

import json

from django.core.management.base import BaseCommand

from bench.sessions import visitors


class Command(BaseCommand):
    help = "Create signed-in sessions for the load benchmark and print them as JSON."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--per-role", type=int, default=5)

    def handle(self, *args, **options) -> None:
        self.stdout.write(json.dumps({"visitors": visitors(options["per_role"])}))
