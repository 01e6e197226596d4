"""Test overrides only: everything else comes from assurance.settings."""

import tempfile

from assurance.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = tempfile.mkdtemp(prefix="assurance-test-media-")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
ACCOUNT_RATE_LIMITS = False
STATIC_ROOT = tempfile.mkdtemp(prefix="assurance-test-static-")
# Authentication hardening: the suite signs people in with force_login, so no role is made to
# set up two-factor authentication here; tests/assurance/test_mfa.py turns it on. django-axes
# stays on (tests/assurance/test_security.py).
MFA_REQUIRED_ROLES = []
AXES_VERBOSE = False
LOGGING = {**LOGGING, "loggers": {**LOGGING["loggers"], "axes": {"level": "WARNING"}}}  # noqa: F405
