"""The permission policy: who may see and do what.

Roles are granted and revoked here, on domain events, and nowhere else. Object permissions use
django-guardian; network-wide powers that are not tied to one object (importing a framework)
are Django model permissions held by the coordinators' group.
"""

from django.contrib.auth.models import Group, Permission

from assurance.models import User

COORDINATORS_GROUP = "Network coordinators"
# Powers that belong to the coordinator role across the whole network.
COORDINATOR_PERMISSIONS = ["standards.import_framework"]


def coordinators_group() -> Group:
    group, created = Group.objects.get_or_create(name=COORDINATORS_GROUP)
    if created or group.permissions.count() != len(COORDINATOR_PERMISSIONS):
        permissions = [
            Permission.objects.get(content_type__app_label=app, codename=codename)
            for app, codename in (name.split(".") for name in COORDINATOR_PERMISSIONS)
        ]
        group.permissions.set(permissions)
    return group


def grant_coordinator(user: User) -> None:
    user.groups.add(coordinators_group())


def revoke_coordinator(user: User) -> None:
    user.groups.remove(coordinators_group())


def is_coordinator(user: User) -> bool:
    return user.is_authenticated and user.groups.filter(name=COORDINATORS_GROUP).exists()
