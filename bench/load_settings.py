"""Settings for the load run's gunicorn: the project's own settings (production, as the
environment sets them in `bench.load.production_env`), with static files collected into a
temporary folder of the run's own so that the project's `staticfiles/` is left alone."""

import os

from assurance.settings import *  # noqa: F403
from assurance.settings import BASE_DIR, STATICFILES_DIRS

STATIC_ROOT = os.environ["BENCH_STATIC_ROOT"]

# static/build/app.css (GOV.UK Frontend's Sass) points at build/assets/images/govuk-crest.svg,
# which the npm build does not copy, and the manifest storage refuses to collect a stylesheet
# whose references are missing. Until the build copies it, the load run takes GOV.UK Frontend's
# own assets folder for that prefix; this adds no request to the pages it measures.
if not (BASE_DIR / "static" / "build" / "assets").exists():
    STATICFILES_DIRS = [
        *STATICFILES_DIRS,
        (
            "build/assets",
            BASE_DIR / "node_modules" / "govuk-frontend" / "dist" / "govuk" / "assets",
        ),
    ]

# The hashed names of the production storage, without WhiteNoise's gzip and Brotli copies of
# every file: compressing them takes minutes on two cores, and the run asks for pages only.
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
}
