"""Template context shared by every page: the navigation for the signed-in person's roles."""

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from assurance import permissions


def navigation(request: HttpRequest) -> dict:
    """`nav_items` for the service navigation, and `is_coordinator` for any template.

    This runs on every page, so it asks one question of the policy: is this person a
    coordinator? (guardian answers it with one content-type lookup and one query.)
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "is_coordinator": False}
    is_coordinator = permissions.is_coordinator(user)
    items = [(_("Home"), reverse("home"))]
    if is_coordinator:
        items += [
            (_("Cycles"), reverse("reviews:cycle_list")),
            (_("Reviewers"), reverse("reviews:reviewer_list")),
            (_("Services"), reverse("service_list")),
            (_("Organisations"), reverse("organisation_list")),
            (_("Commissioners"), reverse("body_list")),
            (_("People"), reverse("membership_list")),
        ]
    items += [
        (_("Frameworks"), reverse("standards:framework_list")),
        (_("API"), reverse("api_docs")),
    ]
    path = request.path
    return {
        "is_coordinator": is_coordinator,
        "nav_items": [
            {
                "text": text,
                "href": href,
                "current": path == href,
                "active": href != "/" and path.startswith(href),
            }
            for text, href in items
        ],
    }
