"""Template context shared by every page: the navigation for the signed-in person's roles."""

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = [
        (_("Home"), reverse("home")),
        (_("Frameworks"), reverse("standards:framework_list")),
        (_("API"), reverse("api_docs")),
    ]
    path = request.path
    return {
        "nav_items": [
            {
                "text": text,
                "href": href,
                "current": path == href,
                "active": href != "/" and path.startswith(href),
            }
            for text, href in items
        ]
    }
