"""The network learning report: what one cycle's published reviews say together, with no
service named and nothing ranked (DESIGN section 11).

- `build_learning_context(cycle)`: a plain, JSON-serialisable dict for the page, the API and
  the PDF (the page and the API read it through `learning_context`, which keeps it in the
  cache until a final report is issued). Its only sources are the final reports of the
  cycle's published and closed reviews: their frozen snapshots, which hold what each host
  agreed in the accuracy check, never a working draft. For each framework version and
  standard it counts how many services' review teams saw the standard as met, partly met,
  not yet met or not applicable; it gathers the areas for development and "even better ifs"
  as themes, by standard and domain; and it lists the learning the hosts agreed to share.
- `get_cycle_for_learning(user, pk)`: who reads it: the network's coordinators and every active
  member of a service in the network. Anyone else gets 404, commissioners included.
- `request_pdf` and the task `render_learning`: the PDF, drawn in the background onto a
  `RenderJob` (what="learning") and stored with its sha256; `read_pdf` checks the hash.

How small numbers are protected (N is the network's `suppression_threshold`):

1. Any count from 1 to N - 1 is shown as "fewer than N". Zero is shown as it is: it points to
   no service, and hiding it would hide that, say, every service met a standard.
2. A framework version is counted only when at least N services' final reports used it.
   Otherwise none of its standards or themes are shown: with so few reports they would point
   at the services.
3. Every standard's counts add up to the number of reports that used the framework, which is
   shown. So that a hidden count can never be found by taking the shown ones away from that
   total, a standard's counts are all withheld when its hidden counts could add up in only one
   way: when one count alone is hidden, or when the hidden ones must all be 1 or all N - 1.
4. The number of reviews the report covers is exact only when every framework used is counted
   (otherwise "N or more"), so a small framework's number cannot be found by subtraction either.
5. Theme titles are listed once each, in alphabetical order, so their number says nothing about
   how many services wrote them. The names of the network's services and organisations are
   taken out of every title and text.
6. Nothing is added up across standards, and everything follows the framework's own order or
   the alphabet, never the size of a number.
"""

import hashlib
import logging
import re
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Count, Max
from django.http import Http404
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from assurance import permissions
from assurance.models import Service, User
from assurance.tasks import task
from reviews.models import Cycle, Finding, Rating, RenderJob, Report, Review
from reviews.report.issuing import ReportError, checked_bytes
from standards.models import FrameworkVersion, Standard

logger = logging.getLogger(__name__)

FORMAT = 1
LANGUAGE = "en-GB"
TEMPLATE = "reviews/pdf/learning.html"
# The learning report's print stylesheet; it imports the report's own (css/print/report.css).
STYLESHEET = "css/print/learning.css"
COUNTED_STAGES = (Review.Status.PUBLISHED, Review.Status.CLOSED)
RATINGS = (Rating.MET, Rating.PARTLY_MET, Rating.NOT_YET_MET, Rating.NOT_APPLICABLE)
NOT_RECORDED = ""
THEME_KINDS = (Finding.Kind.DEVELOPMENT, Finding.Kind.EVEN_BETTER_IF)
WAITING = (RenderJob.Status.QUEUED, RenderJob.Status.RENDERING)


# Who reads it ---------------------------------------------------------------------------------


def may_read(user: User, cycle: Cycle) -> bool:
    """The network's coordinators and the active members of its services: exactly the people
    who can see one of the network's services."""
    services = Service.objects.filter(network_id=cycle.network_id)
    return permissions.objects_for_user(user, "assurance.view_service", services).exists()


def get_cycle_for_learning(user: User, pk) -> Cycle:
    """The cycle, or 404 for anyone who may not read its learning report."""
    try:
        cycle = Cycle.objects.select_related("network").get(pk=pk)
    except (Cycle.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if not may_read(user, cycle):
        raise Http404
    return cycle


# Numbers --------------------------------------------------------------------------------------


def shown(count: int, threshold: int) -> dict:
    """One count as the report shows it: the number, or "fewer than N" from 1 to N - 1 (a
    threshold of 1 or 0 hides nothing)."""
    if 0 < count < threshold:
        return {
            "count": None,
            "suppressed": True,
            "display": _("fewer than %(n)d") % {"n": threshold},
        }
    return {"count": count, "suppressed": False, "display": str(count)}


def at_least(threshold: int) -> dict:
    return {"count": None, "suppressed": True, "display": _("%(n)d or more") % {"n": threshold}}


def only_one_way(hidden: list[int], threshold: int) -> bool:
    """Whether counts hidden as "fewer than N" (so each is from 1 to N - 1) could be worked out
    from their sum, which anyone can find by taking the shown counts away from the total (rule
    3 of the module)."""
    if not hidden:
        return False
    total = sum(hidden)
    return len(hidden) == 1 or total in (len(hidden), len(hidden) * (threshold - 1))


def protect_row(counts: dict[str, int], columns: list[str], threshold: int) -> dict:
    """A standard's counts, one per column, with rules 1 and 3 applied."""
    hidden = [counts[c] for c in columns if shown(counts[c], threshold)["suppressed"]]
    withheld = only_one_way(hidden, threshold)
    cells = []
    for column in columns:
        if withheld:
            cell = {"count": None, "suppressed": True, "display": "–"}
        else:
            cell = shown(counts[column], threshold)
        cells.append({"rating": column, "label": _label(column), **cell})
    return {"withheld": withheld, "counts": cells}


# Names ----------------------------------------------------------------------------------------


def _fold(name: str) -> str:
    return " ".join(name.replace("’", "'").split()).casefold()


class _Redactor:
    """Takes the names of the network's services and organisations out of free text: whole
    names, longest first (so "Alder House Trust" goes before "Alder House"), whatever their case;
    a straight apostrophe matches a curly one."""

    def __init__(self, services: Iterable[str], organisations: Iterable[str]):
        self.kinds = {_fold(name): _("[an organisation]") for name in organisations if name.strip()}
        self.kinds.update({_fold(name): _("[a service]") for name in services if name.strip()})
        parts = [
            re.escape(name).replace("'", "['’]").replace(r"\ ", r"\s+")
            for name in sorted(self.kinds, key=len, reverse=True)
        ]
        self.pattern = (
            re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)", re.IGNORECASE)
            if parts
            else None
        )

    def __call__(self, text: str) -> str:
        text = text or ""
        if self.pattern is None:
            return text
        return self.pattern.sub(lambda match: self.kinds[_fold(match.group(0))], text)


# Reading the reports --------------------------------------------------------------------------


def _final_snapshots(cycle: Cycle) -> list[dict]:
    """Each counted review's report in force (its newest final version): one row per review."""
    rows = (
        Report.objects.filter(
            review__cycle=cycle, review__status__in=COUNTED_STAGES, kind=Report.Kind.FINAL
        )
        .order_by("review_id", "-number")
        .values("review_id", "review__framework_version_id", "snapshot")
    )
    newest: dict[int, dict] = {}
    for row in rows:
        newest.setdefault(row["review_id"], row)
    return list(newest.values())


def _findings_of(snapshot: dict) -> list[dict]:
    """Every area for development and "even better if" in a report, wherever it is placed."""
    findings = snapshot.get("findings", {})
    places = [findings.get("general", {}), *findings.get("domains", [])]
    return [
        {**finding, "placed_in": place.get("code")}
        for place in places
        for group in place.get("groups", [])
        for finding in group.get("findings", [])
        if finding.get("kind") in THEME_KINDS
    ]


def _team_views(snapshot: dict) -> dict[str, str]:
    """Each standard's code and the review team's view of it, in the report."""
    return {
        row["code"]: row.get("team_rating") if row.get("team_rating") in RATINGS else NOT_RECORDED
        for domain in snapshot.get("findings", {}).get("domains", [])
        for row in domain.get("standards", [])
    }


def _label(rating: str) -> str:
    if rating == NOT_RECORDED:
        return _("No view recorded")
    return str(dict(Rating.choices)[rating])


def _sorted_titles(titles: list[str]) -> list[str]:
    """Each title once (ignoring case and spacing), alphabetically."""
    unique: dict[str, str] = {}
    for title in titles:
        key = " ".join(title.split()).casefold()
        if key:
            unique.setdefault(key, " ".join(title.split()))
    return [unique[key] for key in sorted(unique)]


def _themes(findings: list[tuple[int, dict]], standards: dict[str, Standard], redact) -> dict:
    """Themes keyed by where they belong: ("standard", code), ("domain", code) or ("general",)."""
    grouped: dict[tuple, dict] = defaultdict(
        lambda: {"reviews": set(), Finding.Kind.DEVELOPMENT: [], Finding.Kind.EVEN_BETTER_IF: []}
    )
    domain_codes = {s.domain.code for s in standards.values()}
    for review_id, finding in findings:
        codes = [s["code"] for s in finding.get("standards", []) if s.get("code") in standards]
        if codes:
            keys = [("standard", code) for code in dict.fromkeys(codes)]
        elif finding.get("placed_in") in domain_codes:
            keys = [("domain", finding["placed_in"])]
        else:
            keys = [("general",)]
        for key in keys:
            grouped[key]["reviews"].add(review_id)
            grouped[key][finding["kind"]].append(redact(finding.get("title", "")))
    return grouped


def _theme(group: dict, threshold: int) -> dict:
    return {
        "services": shown(len(group["reviews"]), threshold),
        "development": _sorted_titles(group[Finding.Kind.DEVELOPMENT]),
        "even_better_if": _sorted_titles(group[Finding.Kind.EVEN_BETTER_IF]),
    }


def _version_section(
    version: FrameworkVersion,
    standards: list[Standard],
    reports: list[dict],
    threshold: int,
    redact,
) -> dict:
    section = {
        "framework": version.framework.name,
        "version": version.label,
        "reviews": shown(len(reports), threshold),
        "counted": len(reports) >= threshold,
        "note": "",
        "columns": [],
        "domains": [],
        "has_themes": False,
        "general_themes": None,
    }
    if not section["counted"]:
        section["note"] = _(
            "Fewer than %(n)d services' reports used this framework, so its standards and "
            "themes are not shown: with so few, they could point to the services."
        ) % {"n": threshold}
        return section
    by_code = {s.code: s for s in standards}
    tallies: dict[str, dict[str, int]] = {
        code: dict.fromkeys((*RATINGS, NOT_RECORDED), 0) for code in by_code
    }
    findings = []
    for report in reports:
        views = _team_views(report["snapshot"])
        for code in by_code:
            tallies[code][views.get(code, NOT_RECORDED)] += 1
        findings += [(report["review_id"], f) for f in _findings_of(report["snapshot"])]
    columns = list(RATINGS)
    if any(tally[NOT_RECORDED] for tally in tallies.values()):
        columns.append(NOT_RECORDED)
    section["columns"] = [{"rating": c, "label": _label(c)} for c in columns]
    themes = _themes(findings, by_code, redact)
    domains: dict[int, dict] = {}
    for standard in standards:
        domain = standard.domain
        if domain.pk not in domains:
            group = themes.get(("domain", domain.code))
            domains[domain.pk] = {
                "code": domain.code,
                "name": domain.name,
                "standards": [],
                "themes": [],
                "domain_theme": _theme(group, threshold) if group else None,
            }
        row = {
            "code": standard.code,
            "title": standard.title,
            "type_label": str(Standard.Type(standard.type).label),
            **protect_row(tallies[standard.code], columns, threshold),
        }
        domains[domain.pk]["standards"].append(row)
        group = themes.get(("standard", standard.code))
        if group:
            domains[domain.pk]["themes"].append(
                {"code": standard.code, "title": standard.title, **_theme(group, threshold)}
            )
    section["domains"] = list(domains.values())
    section["has_themes"] = bool(themes)
    general = themes.get(("general",))
    section["general_themes"] = _theme(general, threshold) if general else None
    return section


def _learning(reports: list[dict], redact) -> list[dict]:
    """The learning to share of every counted report, each item once, by title."""
    items = {}
    for report in reports:
        for finding in report["snapshot"].get("learning", []):
            title = " ".join(redact(finding.get("title", "")).split())
            body = redact(finding.get("body", "")).strip()
            key = (title.casefold(), body.casefold())
            items.setdefault(
                key,
                {
                    "title": title,
                    "body": body,
                    "standards": [
                        {"code": s.get("code", ""), "title": s.get("title", "")}
                        for s in finding.get("standards", [])
                    ],
                },
            )
    return [items[key] for key in sorted(items)]


def _day(value: datetime | None) -> dict | None:
    if value is None:
        return None
    day = timezone.localtime(value).date()
    return {"iso": day.isoformat(), "display": date_format(day, "j F Y")}


# How long a built learning report is kept (the key changes as soon as anything it reads does).
CACHE_SECONDS = 30 * 60


def learning_context(cycle: Cycle) -> dict:
    """`build_learning_context(cycle)` for the page and the API, kept in the cache while nothing
    it reads has changed.

    It reads only frozen final snapshots, so it changes only when a final report is issued (a
    publication or a correction), when the network's threshold changes or when the names to
    take out change; the key holds each of these. Building it reads every published report of
    the cycle, thousands in a national network, which made the page's time grow with the
    network; the key costs two small queries whatever the size.
    """
    finals = Report.objects.filter(
        review__cycle=cycle, review__status__in=COUNTED_STAGES, kind=Report.Kind.FINAL
    ).aggregate(n=Count("pk"), newest=Max("pk"), issued=Max("issued_at"))
    names = Service.objects.filter(network_id=cycle.network_id).order_by("pk")
    names_sha256 = hashlib.sha256(
        repr(list(names.values_list("pk", "name", "organisation__name"))).encode()
    ).hexdigest()
    key = ":".join(
        str(part)
        for part in (
            "learning",
            FORMAT,
            cycle.pk,
            cycle.created_at.isoformat(),
            get_language(),
            cycle.network.suppression_threshold,
            finals["n"],
            finals["newest"],
            finals["issued"].isoformat() if finals["issued"] else "",
            names_sha256,
        )
    )
    context = cache.get(key)
    if context is None:
        context = build_learning_context(cycle)
        cache.set(key, context, CACHE_SECONDS)
    return context


def build_learning_context(cycle: Cycle, *, made_at: datetime | None = None) -> dict:
    """Everything the learning report shows, as a plain JSON-serialisable dict.

    `made_at` dates a printed copy; the page and the API leave it out. Reads the final reports
    of the cycle's published and closed reviews; writes nothing; makes the same number of
    queries however many reviews, standards or findings there are.
    """
    network = cycle.network
    threshold = network.suppression_threshold
    reports = _final_snapshots(cycle)
    version_ids = {r["review__framework_version_id"] for r in reports}
    versions = sorted(
        FrameworkVersion.objects.filter(pk__in=version_ids).select_related("framework"),
        key=lambda v: (v.framework.name.casefold(), v.label, v.pk),
    )
    standards: dict[int, list[Standard]] = defaultdict(list)
    for standard in (
        Standard.objects.filter(version_id__in=version_ids)
        .select_related("domain")
        .order_by("domain__order", "order", "pk")
    ):
        standards[standard.version_id].append(standard)
    names = list(Service.objects.filter(network=network).values_list("name", "organisation__name"))
    redact = _Redactor(
        services=[service for service, organisation in names],
        organisations=[organisation for service, organisation in names],
    )
    of_version: dict[int, list[dict]] = defaultdict(list)
    for report in reports:
        of_version[report["review__framework_version_id"]].append(report)
    sections = [
        _version_section(v, standards[v.pk], of_version[v.pk], threshold, redact) for v in versions
    ]
    every_version_counted = all(section["counted"] for section in sections)
    if len(reports) < threshold or every_version_counted:
        covers = shown(len(reports), threshold)
    else:
        covers = at_least(threshold)
    title = _("Network learning report: %(network)s, %(cycle)s") % {
        "network": network.name,
        "cycle": cycle.name,
    }
    return {
        "format": FORMAT,
        "document": {"title": title, "lang": LANGUAGE, "kind": "learning"},
        "cover": {
            "network": network.name,
            "cycle": cycle.name,
            "title": _("Network learning report"),
            "issued": _day(made_at),
            "is_draft": False,
        },
        "threshold": threshold,
        "reviews": covers,
        "has_reports": bool(reports),
        "about": [
            _(
                "This report brings together what the published reviews of %(cycle)s found, so "
                "that member services can learn from each other. It names no service and no "
                "organisation, and it never puts one service above another."
            )
            % {"cycle": cycle.name},
            _(
                "It is drawn only from final reports: what each service agreed with its review "
                "team in the accuracy check. The numbers are the review teams' views of each "
                "standard. They are never added up across standards."
            ),
        ],
        "protection": [
            _(
                "Numbers from 1 to %(below)d are shown as “fewer than %(n)d”, so that no service "
                "can be picked out. Zero is shown as 0."
            )
            % {"n": threshold, "below": threshold - 1},
            _("A framework is counted only when at least %(n)d services' final reports used it.")
            % {"n": threshold},
            _(
                "A standard's numbers add up to the number of reports that used its framework. "
                "When its hidden numbers could then be worked out (for example, when only one "
                "is hidden), all of that standard's numbers are withheld and shown as “–”."
            ),
            _(
                "The number of reviews is exact only when every framework used is counted, so "
                "that a small number cannot be found by subtraction."
            ),
            _(
                "Themes are listed once each, in alphabetical order, with the names of services "
                "and organisations taken out. Standards follow the framework's own order."
            ),
        ],
        "versions": sections,
        "learning": _learning(reports, redact),
    }


# The PDF --------------------------------------------------------------------------------------


def render_learning_pdf(context: dict) -> bytes:
    """The learning report as a tagged PDF, drawn like the improvement report and under the same
    time limit (reviews/report/rendering.py). Slow: called by the background task only."""
    from reviews.report.rendering import render_pdf_with_limit, render_seconds

    return render_pdf_with_limit(context, document="learning", seconds=render_seconds())


def _stalled_before() -> datetime:
    """A render started before this has stopped without saying so (its worker died)."""
    from reviews.report.rendering import render_seconds

    return timezone.now() - timedelta(seconds=render_seconds() + 60)


def latest_job(cycle: Cycle) -> RenderJob | None:
    return (
        RenderJob.objects.filter(what=RenderJob.What.LEARNING, cycle=cycle)
        .order_by("-created_at", "-pk")
        .first()
    )


def is_out_of_date(job: RenderJob) -> bool:
    """A ready PDF made before the cycle's newest final report (a publication or correction)."""
    newest = Report.objects.filter(review__cycle_id=job.cycle_id, kind=Report.Kind.FINAL).aggregate(
        newest=Max("issued_at")
    )["newest"]
    return newest is not None and job.created_at < newest


def request_pdf(cycle: Cycle, *, by: User) -> RenderJob:
    """Queue a render of the cycle's learning report; or return the one already on its way, or
    the ready one when no report has been published since it was made."""
    if not may_read(by, cycle):
        raise Http404
    with transaction.atomic():
        Cycle.objects.select_for_update().get(pk=cycle.pk)  # two requests at once make one job
        waiting = (
            RenderJob.objects.filter(what=RenderJob.What.LEARNING, cycle=cycle, status__in=WAITING)
            .exclude(status=RenderJob.Status.RENDERING, started_at__lt=_stalled_before())
            .order_by("-created_at", "-pk")
            .first()
        )
        if waiting is not None:
            return waiting
        latest = latest_job(cycle)
        if latest and latest.status == RenderJob.Status.READY and not is_out_of_date(latest):
            return latest
        job = RenderJob.objects.create(what=RenderJob.What.LEARNING, cycle=cycle, requested_by=by)
        transaction.on_commit(lambda: render_learning.enqueue(job.pk))
    return job


@task()
def render_learning(job_id: int) -> str:
    """The background task: draw the cycle's learning report as it stands now, and store it."""
    started = RenderJob.objects.filter(
        pk=job_id, what=RenderJob.What.LEARNING, status=RenderJob.Status.QUEUED
    ).update(status=RenderJob.Status.RENDERING, started_at=timezone.now())
    if not started:  # delivered twice, or already done: leave it as it is
        return RenderJob.objects.get(pk=job_id).status
    job = RenderJob.objects.select_related("cycle").get(pk=job_id)
    try:
        data = render_learning_pdf(build_learning_context(job.cycle, made_at=timezone.now()))
    except Exception as error:  # any failure becomes a plain reason on the job
        logger.exception("Rendering the learning report of cycle %s failed", job.cycle_id)
        RenderJob.objects.filter(pk=job_id).update(
            status=RenderJob.Status.FAILED,
            error=_("The document could not be drawn because of an unexpected problem (%(kind)s).")
            % {"kind": type(error).__name__},
            finished_at=timezone.now(),
        )
        return RenderJob.Status.FAILED
    job.pdf.save(f"learning-{job.cycle_id}-{job.pk}.pdf", ContentFile(data), save=False)
    job.sha256 = hashlib.sha256(data).hexdigest()
    job.status = RenderJob.Status.READY
    job.finished_at = timezone.now()
    job.save(update_fields=["pdf", "sha256", "status", "finished_at"])
    return RenderJob.Status.READY


def read_pdf(job: RenderJob) -> bytes:
    """The stored bytes of a rendered learning report, after checking them against their hash."""
    if job.status != RenderJob.Status.READY or not job.pdf:
        raise ReportError(_("This PDF has not been made yet."))
    return checked_bytes(job.pdf, job.sha256)
