"""The report's fixed words: its section titles, the scope statement and the glossary.

They are part of every report context (reviews/report/context.py), so an issued report keeps
the words it was issued with.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

SECTION_TITLES = {
    "cover": gettext_lazy("Cover"),
    "about": gettext_lazy("About this review"),
    "who_took_part": gettext_lazy("Who took part"),
    "service_words": gettext_lazy("The service in its own words"),
    "reviewers_summary": gettext_lazy("The reviewers’ summary"),
    "findings": gettext_lazy("Findings by domain"),
    "voices": gettext_lazy("Voices"),
    "learning": gettext_lazy("Learning to share"),
    "previous": gettext_lazy("Progress since the last review"),
    "actions": gettext_lazy("Agreed actions"),
    "appendix": gettext_lazy("Appendix"),
}


def section_titles() -> dict[str, str]:
    return {key: str(title) for key, title in SECTION_TITLES.items()}


def scope_statement() -> str:
    return _(
        "This review does not cover safeguarding or compliance with regulation. Any concern "
        "about someone’s safety is taken straight to the right people, outside the review, "
        "and never appears in this report."
    )


def glossary() -> list[dict]:
    terms = [
        (
            _("Network"),
            _("The collaborative of member services that run peer review among themselves."),
        ),
        (_("Service"), _("The ward, wing, hostel, home or community that was reviewed.")),
        (_("Framework"), _("The set of standards the review used, in a fixed edition.")),
        (_("Domain"), _("A value that groups standards, such as belonging or safety.")),
        (
            _("Standard"),
            _(
                "A statement the service looked at its practice against. Essential standards "
                "matter most; expected and desirable standards describe further practice."
            ),
        ),
        (
            _("Perspective"),
            _(
                "What one group said about a standard: staff, people who use the service, "
                "families and carers, or partner agencies."
            ),
        ),
        (
            _("Review team"),
            _(
                "A lead reviewer, peer reviewers from other member services, and an expert by "
                "experience: someone with lived experience of services like this one."
            ),
        ),
        (
            _("Developmental view"),
            _(
                "Met, partly met, not yet met or not applicable: where practice stands on one "
                "standard. The service’s view and the team’s view are shown side by side."
            ),
        ),
        (
            _("Reflection"),
            _("The review team’s view of one standard, with their reasons."),
        ),
        (
            _("Finding"),
            _(
                "Something the team found: a strength, an “even better if”, an area for "
                "development, or learning to share with other services."
            ),
        ),
        (
            _("Accuracy check"),
            _(
                "The service reads the draft report and points out factual errors, missing "
                "context or updates since the visit; the lead reviewer answers each one."
            ),
        ),
        (
            _("Action"),
            _("An improvement the service and the team agreed, with who leads it and when."),
        ),
    ]
    return [{"term": term, "meaning": meaning} for term, meaning in terms]
