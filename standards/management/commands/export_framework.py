"""`manage.py export_framework SLUG VERSION [-o FILE]`: write one version as framework YAML."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from standards.models import Framework, FrameworkVersion
from standards.yaml_format import export_framework


class Command(BaseCommand):
    help = "Export one framework version as YAML in the public format (docs/frameworks.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", metavar="SLUG", help="the framework's slug")
        parser.add_argument("label", metavar="VERSION", help='the version label, e.g. "2027.1"')
        parser.add_argument(
            "-o", "--output", metavar="FILE", help="write to FILE instead of standard output"
        )

    def handle(self, *args, slug: str, label: str, output: str | None, **options) -> None:
        framework = Framework.objects.filter(slug=slug).first()
        if framework is None:
            slugs = list(Framework.objects.order_by("slug").values_list("slug", flat=True))
            known = (
                f"Imported frameworks: {', '.join(slugs)}."
                if slugs
                else ("No frameworks have been imported yet.")
            )
            raise CommandError(f"There is no framework {slug}. {known}")
        version = (
            FrameworkVersion.objects.select_related("framework")
            .filter(framework=framework, label=label)
            .first()
        )
        if version is None:
            labels = framework.versions.order_by("published_at").values_list("label", flat=True)
            raise CommandError(f"{slug} has no version {label}. Its versions: {', '.join(labels)}.")
        text = export_framework(version)
        if output is None:
            self.stdout.write(text, ending="")
            return
        try:
            Path(output).write_text(text, encoding="utf-8")
        except OSError as error:
            raise CommandError(f"Cannot write {output}: {error.strerror or error}") from None
        if options["verbosity"] >= 1:
            self.stderr.write(f"Wrote {version} to {output}")
