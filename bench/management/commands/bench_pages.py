"""Measure the main pages and API lists on the current database (bench/pages.py).

Prints one JSON line: each page's SQL query count, median server time and path, and the
dataset's size. Exits with an error if a page does not answer as it should.
"""

import json

from django.core.management.base import BaseCommand, CommandError

from bench.pages import PageCheckFailed, measure


class Command(BaseCommand):
    help = "Query counts and median server times of the main pages, as one JSON line."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--repeats", type=int, default=5)

    def handle(self, *args, **options) -> None:
        if options["repeats"] < 1:
            raise CommandError("--repeats must be at least 1.")
        try:
            result = measure(options["repeats"])
        except PageCheckFailed as error:
            raise CommandError(str(error)) from error
        self.stdout.write(json.dumps(result))
