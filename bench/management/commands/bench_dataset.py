"""Build the benchmark's national-scale dataset into the current database (bench/dataset.py).

Run it on a migrated database that holds the frameworks (`import_framework fixtures/*.yaml`)
and nothing else, e.g. with DATABASE_URL pointing at a scratch SQLite file or PostgreSQL
database. Prints each stage's counts and seconds, then the totals.
"""

import json
import time

from django.core.management.base import BaseCommand, CommandError

from bench.dataset import Scale, build


class Command(BaseCommand):
    help = "Fill the (empty, migrated) database with the national-scale benchmark dataset."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--quick", action="store_true", help="A tenth of the national scale.")

    def handle(self, *args, **options) -> None:
        scale = Scale.quick() if options["quick"] else Scale.national()
        started = time.monotonic()
        try:
            counts = build(scale, out=self.stdout)
        except ValueError as error:
            raise CommandError(str(error)) from error
        seconds = round(time.monotonic() - started, 1)
        self.stdout.write(json.dumps({"seconds": seconds, "counts": counts}))
