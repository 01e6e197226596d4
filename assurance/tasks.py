"""The Django Tasks API, imported from one place.

Django 6 ships `django.tasks`; on Django 5.2 the `django-tasks` backport provides the same API.
Code imports `task` from here, so moving to Django 6 is a change of pins, not of code.
"""

try:  # Django 6.0 and later
    from django.tasks import TaskResultStatus, default_task_backend, task, task_backends
except ImportError:  # Django 5.2 with the django-tasks backport
    from django_tasks import TaskResultStatus, default_task_backend, task, task_backends

__all__ = ["TaskResultStatus", "default_task_backend", "task", "task_backends"]
