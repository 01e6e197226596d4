"""What an improvement report says: the report context, a plain dict.

`build_report_context(review, kind=..., number=..., issued_at=...)` reads a review and returns
everything the report shows (DESIGN section 11) as strings, numbers, booleans, lists and dicts,
with every date given as an ISO string and a UK display string. Issuing a report stores this
dict as the report's snapshot (`Report.snapshot`), so an issued report renders the same way for
ever, whatever changes later. It writes nothing, and makes the same number of queries however
many standards, findings, perspectives or actions the review has.

The one-page commissioner summary is drawn from this same context (reviews/report/summary.py),
so the summary can never say something the report does not.

What never goes in:
- threads and comments, team-only or shared: the report says what the team agreed to say, in
  its findings, reflections and summary;
- safeguarding notes (DESIGN section 1, point 6), evidence and its file names;
- who added a perspective, a reviewer's name without their consent (`name_in_reports`), the
  visit's address and access needs;
- any grade or total: ratings are counted per domain, the service's view beside the team's,
  and never combined into one number.

How many people took part: a perspective records how many people it represents, and the same
people usually speak about many standards, so adding the counts up would count them many times
over. For each voice the report gives the largest number recorded on any one perspective: a
floor that is never inflated. Numbers below the network's suppression threshold are shown as
"fewer than N", so that small groups cannot be identified.
"""

from collections import defaultdict
from datetime import date, datetime, time

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from reviews.models import (
    AccuracyComment,
    Action,
    AgendaItem,
    Finding,
    Perspective,
    Rating,
    Reflection,
    Report,
    Review,
    ReviewerRole,
    Visit,
)
from reviews.report.reading import load_rows
from reviews.report.wording import glossary, scope_statement, section_titles
from standards.models import Domain, Standard

# The shape of the snapshot. A renderer reading an older snapshot can tell it apart.
SNAPSHOT_FORMAT = 1

LANGUAGE = "en-GB"

# Voices in the order the report lists them: the people the service is for come first.
VOICE_ORDER = (
    Perspective.Voice.PEOPLE_USING_SERVICE,
    Perspective.Voice.STAFF,
    Perspective.Voice.FAMILIES_CARERS,
    Perspective.Voice.PARTNERS,
)
ROLE_ORDER = (ReviewerRole.LEAD, ReviewerRole.PEER, ReviewerRole.EXPERT)
RATING_ORDER = (Rating.MET, Rating.PARTLY_MET, Rating.NOT_YET_MET, Rating.NOT_APPLICABLE)
DOMAIN_KINDS = (Finding.Kind.STRENGTH, Finding.Kind.EVEN_BETTER_IF, Finding.Kind.DEVELOPMENT)


def _day(value: date | datetime | None) -> dict | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        value = timezone.localtime(value).date()
    return {"iso": value.isoformat(), "display": date_format(value, "j F Y")}


def _time(value: time | None) -> str:
    return value.strftime("%H:%M") if value else ""


def _days(first: date | None, last: date | None) -> str:
    if first is None:
        return ""
    if last is None or last == first:
        return date_format(first, "j F Y")
    if (first.year, first.month) == (last.year, last.month):
        return _("%(first)s to %(last)s") % {
            "first": first.day,
            "last": date_format(last, "j F Y"),
        }
    return _("%(first)s to %(last)s") % {
        "first": date_format(first, "j F Y"),
        "last": date_format(last, "j F Y"),
    }


def _label(choices, value: str) -> str:
    return str(dict(choices).get(value, "")) if value else ""


def people_count(count: int | None, threshold: int) -> dict:
    """One voice's number of people, as the report shows it (suppressed below `threshold`)."""
    if count is None:
        return {"count": None, "suppressed": False, "display": _("Number not recorded")}
    if count < threshold:
        return {
            "count": None,
            "suppressed": True,
            "display": _("Fewer than %(n)d") % {"n": threshold},
        }
    return {"count": count, "suppressed": False, "display": str(count)}


# Sections -------------------------------------------------------------------------------------


def _cover(rows: dict, kind: str, number: int, issued_at: datetime | None) -> dict:
    review = rows["review"]
    service = review.service
    visit = rows["visit"]
    return {
        "service": service.name,
        "organisation": service.organisation.name,
        "network": review.cycle.network.name,
        "cycle": review.cycle.name,
        "title": _("Improvement report"),
        "kind": str(kind),
        "kind_label": _label(Report.Kind.choices, kind),
        "is_draft": kind == Report.Kind.DRAFT,
        "number": number,
        "version_label": _("%(kind)s, version %(number)d")
        % {"kind": _label(Report.Kind.choices, kind), "number": number},
        "issued": _day(issued_at),
        "visit": {
            "first_day": _day(visit.starts_on) if visit else None,
            "last_day": _day(visit.ends_on or visit.starts_on) if visit else None,
            "days": _days(visit.starts_on, visit.ends_on) if visit else "",
            "mode": _label(Visit.Mode.choices, visit.mode) if visit else "",
        },
        "ownership": _(
            "This report belongs to %(service)s. %(service)s decides who else reads it: a "
            "commissioner sees it only when %(service)s shares it with them."
        )
        % {"service": service.name},
    }


def _about(rows: dict) -> dict:
    review = rows["review"]
    version = review.framework_version
    return {
        "purpose": _(
            "This review is part of the peer review that %(network)s runs among its member "
            "services. Its purpose is improvement and mutual learning. People from other "
            "services, including someone with lived experience, read the service’s own "
            "assessment, visited, listened to staff and to the people who use the service, "
            "and reflected on what they found together with the service. It is not an "
            "inspection, and it gives no overall judgement."
        )
        % {"network": review.cycle.network.name},
        "ratings": _(
            "For each standard the service gave its own view (met, partly met, not yet met or "
            "not applicable) and the review team gave theirs. The two views are shown side by "
            "side. They are never added up or turned into a single number."
        ),
        "scope": scope_statement(),
        "framework": {
            "name": version.framework.name,
            "version": version.label,
            "description": version.framework.description,
        },
    }


def _who_took_part(rows: dict) -> dict:
    threshold = rows["review"].cycle.network.suppression_threshold
    team = sorted(
        rows["team"],
        key=lambda a: (ROLE_ORDER.index(a.role) if a.role in ROLE_ORDER else 9, a.pk),
    )
    members = []
    for assignment in team:
        role = _label(ReviewerRole.choices, assignment.role)
        profile = assignment.reviewer
        name = (profile.user.name or "").strip() if profile.name_in_reports else ""
        members.append(
            {
                "role": assignment.role,
                "role_label": role,
                "name": name or None,
                "display": f"{role}: {name}" if name else role,
            }
        )
    largest: dict[str, int | None] = {}
    standards: dict[str, set[int]] = defaultdict(set)
    for row in rows["perspectives"]:
        voice = row["voice"]
        standards[voice].add(row["response__standard_id"])
        count = row["people_count"]
        if count is not None:
            largest[voice] = max(largest.get(voice) or 0, count)
        else:
            largest.setdefault(voice, None)
    voices = []
    for voice in VOICE_ORDER:
        heard = voice in largest
        voices.append(
            {
                "voice": str(voice),
                "label": _label(Perspective.Voice.choices, voice),
                "heard": heard,
                "people": people_count(largest[voice], threshold)
                if heard
                else {"count": 0, "suppressed": False, "display": _("None recorded")},
                "standards": len(standards[voice]),
            }
        )
    return {
        "team": members,
        "team_note": _(
            "Reviewers are named only if they chose to be; otherwise the report gives their "
            "role on the team."
        ),
        "voices": voices,
        "threshold": threshold,
        "counting_note": _(
            "Each number is the largest group of people recorded for that voice on any one "
            "standard. The same people often spoke about many standards, so the numbers are "
            "not added together, and the true number may be higher. Numbers smaller than "
            "%(n)d are shown as “fewer than %(n)d” so that nobody can be identified."
        )
        % {"n": threshold},
    }


def _standard_ref(standard: Standard) -> dict:
    return {"code": standard.code, "title": standard.title}


def _findings(rows: dict, standards: dict[int, Standard], domain_order: dict[int, int]) -> dict:
    """Findings as the report shows them, each placed once: under the first domain (in the
    framework's order) it is linked to, directly or through a standard, or under "across the
    service" when it names no domain or standard."""
    linked_standards: dict[int, list[int]] = defaultdict(list)
    for finding_id, standard_id in rows["finding_standards"]:
        linked_standards[finding_id].append(standard_id)
    linked_domains: dict[int, set[int]] = defaultdict(set)
    for finding_id, domain_id in rows["finding_domains"]:
        linked_domains[finding_id].add(domain_id)
    by_pk, placed = {}, {}
    for row in rows["findings"]:
        pk = row["pk"]
        refs = sorted(
            (standards[s] for s in linked_standards[pk] if s in standards),
            key=lambda s: (domain_order.get(s.domain_id, 0), s.order),
        )
        domains = linked_domains[pk] | {s.domain_id for s in refs}
        domains = {d for d in domains if d in domain_order}
        by_pk[pk] = {
            "id": pk,
            "anchor": f"finding:{pk}",
            "kind": row["kind"],
            "kind_label": _label(Finding.Kind.choices, row["kind"]),
            "title": row["title"],
            "body": row["body"],
            "agreed_with_host": row["agreed_with_host"],
            "standards": [_standard_ref(s) for s in refs],
        }
        placed[pk] = min(domains, key=domain_order.__getitem__) if domains else None
    return {"by_pk": by_pk, "placed": placed}


def _groups(findings: list[dict]) -> list[dict]:
    headings = {
        Finding.Kind.STRENGTH: _("What is going well"),
        Finding.Kind.EVEN_BETTER_IF: _("Even better if"),
        Finding.Kind.DEVELOPMENT: _("Areas for development"),
    }
    return [
        {
            "kind": str(kind),
            "heading": headings[kind],
            "findings": [f for f in findings if f["kind"] == kind],
        }
        for kind in DOMAIN_KINDS
    ]


def _profile(domain: Domain, rows_of_domain: list[dict]) -> dict:
    """How many of the domain's standards each side sees as met, partly met, ...: counted, the
    service beside the team, and never combined into one number."""
    service = defaultdict(int)
    team = defaultdict(int)
    for row in rows_of_domain:
        service[row["service_rating"] or "not_recorded"] += 1
        team[row["team_rating"] or "not_recorded"] += 1
    counts = [
        {
            "rating": str(rating),
            "label": _label(Rating.choices, rating),
            "service": service[rating],
            "team": team[rating],
        }
        for rating in RATING_ORDER
    ]
    if service["not_recorded"] or team["not_recorded"]:
        counts.append(
            {
                "rating": "not_recorded",
                "label": _("No view recorded"),
                "service": service["not_recorded"],
                "team": team["not_recorded"],
            }
        )
    return {
        "code": domain.code,
        "name": domain.name,
        "standards": len(rows_of_domain),
        "service": {c["rating"]: c["service"] for c in counts},
        "team": {c["rating"]: c["team"] for c in counts},
        "counts": counts,
        "description": _profile_description(domain, counts),
    }


def _profile_description(domain: Domain, counts: list[dict]) -> str:
    """The chart in words, for screen readers and for anyone who prefers text."""

    def side(key: str) -> str:
        return ", ".join(f"{c['label'].lower()} {c[key]}" for c in counts)

    return _("%(domain)s. The service’s view: %(service)s. The team’s view: %(team)s.") % {
        "domain": domain.name,
        "service": side("service"),
        "team": side("team"),
    }


def _standard_row(standard: Standard, rows: dict) -> dict:
    response = rows["responses"].get(standard.pk, {})
    reflection = rows["reflections"].get(standard.pk, {})
    service_rating = response.get("rating") or ""
    team_rating = reflection.get("rating") or ""
    return {
        "code": standard.code,
        "title": standard.title,
        "type": standard.type,
        "type_label": _label(Standard.Type.choices, standard.type),
        "service_rating": service_rating,
        "service_rating_label": _label(Rating.choices, service_rating) or _("No view recorded"),
        "not_applicable_reason": response.get("not_applicable_reason") or "",
        "team_rating": team_rating,
        "team_rating_label": _label(Rating.choices, team_rating) or _("No view recorded"),
        "agreement": reflection.get("agreement") or "",
        "agreement_label": _label(Reflection.Agreement.choices, reflection.get("agreement")),
        "rationale": reflection.get("rationale") or "",
    }


def _voices(rows: dict, standards: dict[int, Standard]) -> list[dict]:
    grouped: dict[str, dict[int, list[dict]]] = defaultdict(lambda: defaultdict(list))
    for row in rows["perspectives"]:
        grouped[row["voice"]][row["response__standard_id"]].append(
            {"text": row["text"], "method": _label(Perspective.Method.choices, row["method"])}
        )
    voices = []
    for voice in VOICE_ORDER:
        by_standard = grouped.get(voice, {})
        voices.append(
            {
                "voice": str(voice),
                "label": _label(Perspective.Voice.choices, voice),
                # Perspectives come ordered by standard, so the dict keeps the framework order.
                "standards": [
                    {**_standard_ref(standards[pk]), "said": said}
                    for pk, said in by_standard.items()
                    if pk in standards
                ],
            }
        )
    return voices


def _action_status(action: Action) -> str:
    return _label(Action.Status.choices, action.status)


def _previous(rows: dict) -> dict:
    review = rows["review"]
    notes: dict[int, list[dict]] = defaultdict(list)
    for row in rows["progress"]:
        notes[row["action_id"]].append(
            {
                "date": _day(row["at"]),
                "status": row["status"],
                "status_label": _label(Action.Status.choices, row["status"]),
                "note": row["note"],
            }
        )
    return {
        "has_previous": review.previous_id is not None,
        "cycle": review.previous.cycle.name if review.previous_id else "",
        "actions": [
            {
                "title": action.title,
                "detail": action.detail,
                "owner_role": action.owner_role,
                "due": _day(action.due_on),
                "status": action.status,
                "status_label": _action_status(action),
                "dropped_reason": action.dropped_reason
                if action.status == Action.Status.DROPPED
                else "",
                "progress": notes[action.pk],
            }
            for action in rows["previous_actions"]
        ],
    }


def _actions(rows: dict, standards: dict[int, Standard], findings: dict[int, dict]) -> list:
    linked_standards: dict[int, list[Standard]] = defaultdict(list)
    for action_id, standard_id in rows["action_standards"]:
        if standard_id in standards:
            linked_standards[action_id].append(standards[standard_id])
    linked_findings: dict[int, list[dict]] = defaultdict(list)
    for action_id, finding_id in rows["action_findings"]:
        if finding_id in findings:
            linked_findings[action_id].append(findings[finding_id])
    order = {pk: index for index, pk in enumerate(standards)}
    return [
        {
            "id": action.pk,
            "anchor": f"action:{action.pk}",
            "title": action.title,
            "detail": action.detail,
            "owner_role": action.owner_role,
            "due": _day(action.due_on),
            "status": action.status,
            "status_label": _action_status(action),
            "findings": [
                {"id": f["id"], "title": f["title"], "kind_label": f["kind_label"]}
                for f in sorted(linked_findings[action.pk], key=lambda f: f["id"])
            ],
            "standards": [
                _standard_ref(s)
                for s in sorted(linked_standards[action.pk], key=lambda s: order[s.pk])
            ],
        }
        for action in rows["actions"]
    ]


def _anchor_label(anchor: str, findings: dict[int, dict], actions: dict[int, str]) -> str:
    what, _sep, key = anchor.partition(":")
    if what == "section":
        return section_titles().get(key, _("The report as a whole"))
    if what in ("finding", "action") and key.isdigit():
        if what == "finding" and int(key) in findings:
            return _("Finding: %(title)s") % {"title": findings[int(key)]["title"]}
        if what == "action" and int(key) in actions:
            return _("Action: %(title)s") % {"title": actions[int(key)]}
        return _("A finding or action no longer in the report")
    return _("The report as a whole")


def _accuracy_log(rows: dict, findings: dict[int, dict]) -> list[dict]:
    actions = {action.pk: action.title for action in rows["actions"]}
    return [
        {
            "draft": comment.report.number,
            "about": _anchor_label(comment.anchor, findings, actions),
            "kind_label": _label(AccuracyComment.Kind.choices, comment.kind),
            "comment": comment.body,
            "answer": comment.answer,
            "answer_label": _label(AccuracyComment.Answer.choices, comment.answer)
            or _("Not yet answered"),
            "reason": comment.answer_reason,
            "date": _day(comment.created_at),
        }
        for comment in rows["accuracy"]
    ]


# The report -----------------------------------------------------------------------------------


def build_report_context(
    review: Review,
    *,
    kind: str = Report.Kind.DRAFT,
    number: int = 1,
    issued_at: datetime | None = None,
) -> dict:
    """Everything the improvement report shows, as a plain JSON-serialisable dict.

    `kind` is "draft" or "final", `number` the report's version, and `issued_at` when it is
    issued (None for a preview). The accuracy-check log covers the drafts numbered before
    `number`.
    """
    if kind not in Report.Kind.values:
        raise ValueError(f"kind must be one of {Report.Kind.values}, not {kind!r}")
    rows = load_rows(review, number)
    review = rows["review"]
    domain_order = {domain.pk: domain.order for domain in rows["domains"]}
    standards = {standard.pk: standard for standard in rows["standards"]}
    found = _findings(rows, standards, domain_order)
    by_pk, placed = found["by_pk"], found["placed"]

    of_domain: dict[int, list[Standard]] = defaultdict(list)
    for standard in rows["standards"]:
        of_domain[standard.domain_id].append(standard)
    domains, profile = [], []
    for domain in rows["domains"]:
        table = [_standard_row(s, rows) for s in of_domain[domain.pk]]
        domain_profile = _profile(domain, table)
        profile.append(domain_profile)
        mine = [
            f for pk, f in by_pk.items() if placed[pk] == domain.pk and f["kind"] in DOMAIN_KINDS
        ]
        domains.append(
            {
                "code": domain.code,
                "name": domain.name,
                "summary": domain.summary,
                "groups": _groups(mine),
                "has_findings": bool(mine),
                "standards": table,
                "profile": domain_profile,
            }
        )
    general = [f for pk, f in by_pk.items() if placed[pk] is None and f["kind"] in DOMAIN_KINDS]
    cover = _cover(rows, kind, number, issued_at)
    title = _("%(service)s: improvement report, %(cycle)s (%(version)s)") % {
        "service": cover["service"],
        "cycle": cover["cycle"],
        "version": cover["version_label"],
    }
    return {
        "format": SNAPSHOT_FORMAT,
        "document": {"title": title, "lang": LANGUAGE, "kind": str(kind), "number": number},
        "sections": section_titles(),
        "cover": cover,
        "about": _about(rows),
        "who_took_part": _who_took_part(rows),
        "service_words": {"text": review.service.description},
        "reviewers_summary": {"text": rows["summary"] or ""},
        "findings": {
            "general": {"groups": _groups(general), "has_findings": bool(general)},
            "domains": domains,
        },
        "profile": profile,
        "voices": _voices(rows, standards),
        "learning": [f for f in by_pk.values() if f["kind"] == Finding.Kind.LEARNING],
        "previous": _previous(rows),
        "actions": _actions(rows, standards, by_pk),
        "appendix": {
            "standards": [
                {
                    "code": domain.code,
                    "name": domain.name,
                    "standards": [
                        {
                            "code": s.code,
                            "title": s.title,
                            "type_label": _label(Standard.Type.choices, s.type),
                            "statement": s.statement,
                        }
                        for s in of_domain[domain.pk]
                    ],
                }
                for domain in rows["domains"]
            ],
            "agenda": [
                {
                    "day": _day(item.day),
                    "starts": _time(item.starts_at),
                    "ends": _time(item.ends_at),
                    "title": item.title,
                    "meets_label": _label(AgendaItem.Meets.choices, item.meets),
                    "note": item.note,
                }
                for item in rows["agenda"]
            ],
            "accuracy_log": _accuracy_log(rows, by_pk),
            "glossary": glossary(),
        },
    }
