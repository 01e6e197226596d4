"""The task API import works, and a real db_worker runs what the database backend queued."""

import pytest
from django.core.management import call_command

from assurance.tasks import TaskResultStatus, task

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@task()
def add_up(numbers: list[int]) -> int:
    return sum(numbers)


@pytest.mark.django_db(transaction=True)
def test_db_worker_runs_a_queued_task(settings):
    settings.TASKS = DATABASE_TASKS
    result = add_up.enqueue([1, 2, 3])
    assert result.status == TaskResultStatus.READY

    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)

    result.refresh()
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value == 6


def test_immediate_backend_runs_tasks_in_tests():
    result = add_up.enqueue([4, 5])

    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value == 9
