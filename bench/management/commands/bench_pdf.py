"""Measure what a report costs to draw (bench/pdf.py) and print the figures as one JSON line."""

import json

from django.core.management.base import BaseCommand
from django.test import override_settings

from bench import pdf


class Command(BaseCommand):
    help = "Draw reports of 10, 40 and 100 standards and print the PDF figures as JSON."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--quick", action="store_true", help="fewer repeats")

    def handle(self, *args, **options) -> None:
        # Building the reviews sends the product's e-mails; keep them off stdout's JSON line.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            figures = pdf.measure(quick=options["quick"], out=self.stderr.write)
        self.stdout.write(json.dumps(figures))
