"""Settings for the load run's gunicorn: the project's own settings (production, as the
environment sets them in `bench.load.production_env`), with static files collected into a
temporary folder of the run's own so that the project's `staticfiles/` is left alone."""

import os

from assurance.settings import *  # noqa: F403

STATIC_ROOT = os.environ["BENCH_STATIC_ROOT"]

# The hashed names of the production storage, without WhiteNoise's gzip and Brotli copies of
# every file: compressing them takes minutes on two cores, and the run asks for pages only.
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
}
