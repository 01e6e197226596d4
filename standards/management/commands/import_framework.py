"""`manage.py import_framework PATH [PATH ...]`: import framework YAML files, each on its own."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from standards.yaml_format import FrameworkImportError, ImportProblem, import_framework


class Command(BaseCommand):
    help = (
        "Import framework versions from YAML files (format: docs/frameworks.md). Each file is "
        "imported on its own, all or nothing; re-importing an unchanged file does nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", metavar="PATH", help="YAML file to import")

    def handle(self, *args, paths: list[str], verbosity: int = 1, **options) -> None:
        failed = 0
        for name in paths:
            try:
                result = import_framework(_read(name), source=name)
            except FrameworkImportError as error:
                failed += 1
                self.stderr.write(str(error))
                continue
            version = result.version
            if result.created and verbosity >= 1:
                self.stdout.write(
                    self.style.SUCCESS(
                        f"Imported {version} ({version.domains.count()} domains, "
                        f"{version.standards.count()} standards)"
                    )
                )
            elif verbosity >= 1:
                self.stdout.write(f"Already imported, unchanged: {version}")
        if failed:
            raise CommandError(
                f"{failed} of {len(paths)} files could not be imported; nothing was written "
                "from those files."
            )


def _read(name: str) -> bytes:
    """The file's bytes, or a FrameworkImportError that says why it could not be read."""
    # One byte over the limit is enough for the importer to refuse the file as too large,
    # without reading a huge file into memory first.
    limit = settings.FRAMEWORK_MAX_UPLOAD_BYTES + 1
    try:
        with Path(name).open("rb") as file:
            return file.read(limit)
    except FileNotFoundError:
        message = "no such file"
    except IsADirectoryError:
        message = "this is a folder, not a file"
    except OSError as error:
        message = f"the file cannot be read ({error.strerror or error})"
    raise FrameworkImportError(name, [ImportProblem("", message)])
