"""Storing a checked document: the checks against earlier imports, and the bulk write.

Owns a version's identity, `content_sha256` of the normalised document, which
`import_framework` compares to decide between a no-op and a refusal (a published version never
changes). `check_against_database` adds the problems only the database can show: framework-wide
fields that differ from the first import, and a crosswalk from a version or standard code that
was never imported. `write_version` stores everything with bulk inserts; the caller holds the
transaction.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

from standards.models import (
    Crosswalk,
    CrosswalkLink,
    Domain,
    Framework,
    FrameworkVersion,
    Standard,
)
from standards.yaml_format.checking import Checker, show

if TYPE_CHECKING:
    # The user model lives in `assurance`, which `standards` must not import (DESIGN section 3).
    from django.contrib.auth.base_user import AbstractBaseUser


def content_sha256(normalised: dict[str, Any]) -> str:
    """A version's identity: the sha256 of the canonical JSON of its normalised document."""
    canonical = json.dumps(normalised, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def check_against_database(checker: Checker) -> FrameworkVersion | None:
    """Checks that need earlier imports. Returns the stored version with this slug and label."""
    if checker.slug is None:
        return None
    framework = Framework.objects.filter(slug=checker.slug).first()
    existing = None
    if framework is not None and checker.label is not None:
        existing = (
            FrameworkVersion.objects.select_related("framework")
            .filter(framework=framework, label=checker.label)
            .first()
        )
    if existing is not None and not checker.problems:
        # The caller compares content first, so an identical re-import succeeds even if the
        # framework row has been edited since.
        return existing
    if framework is not None:
        for name, value in checker.framework_fields.items():
            stored = getattr(framework, name)
            if value is not None and value != stored:
                shown = f' ("{show(stored)}")' if stored and name != "description" else ""
                checker.add(
                    f"framework.{name}",
                    f"differs from the {name} stored for {checker.slug}{shown}; name, "
                    "description and licence belong to the framework across all its versions, "
                    "so keep them the same in every edition",
                )
    if checker.crosswalk_label is not None:
        _check_crosswalk_source(checker, framework)
    return existing


def _check_crosswalk_source(checker: Checker, framework: Framework | None) -> None:
    reference = f"{checker.slug}@{checker.crosswalk_label}"
    source = (
        FrameworkVersion.objects.filter(framework=framework, label=checker.crosswalk_label).first()
        if framework is not None
        else None
    )
    if source is None:
        labels = (
            list(framework.versions.order_by("published_at").values_list("label", flat=True))
            if framework is not None
            else []
        )
        imported = (
            f"imported versions of {checker.slug}: {', '.join(labels)}"
            if labels
            else f"no version of {checker.slug} has been imported yet"
        )
        checker.add(
            "crosswalk.from",
            f"{reference} has not been imported ({imported}); import the earlier version first",
        )
        return
    codes = set(source.standards.values_list("code", flat=True))
    for index, code in checker.link_sources:
        if code not in codes:
            checker.add(
                f"crosswalk.standards[{index}].from",
                f"expected a standard code in {reference}, found {code}",
            )


def write_version(
    normalised: dict[str, Any], checker: Checker, user: AbstractBaseUser | None
) -> FrameworkVersion:
    """Store a checked document with bulk inserts: the query count grows with batches, not rows."""
    block = normalised["framework"]
    framework, _created = Framework.objects.get_or_create(
        slug=block["slug"],
        defaults={
            "name": block["name"],
            "description": block.get("description", ""),
            "licence": block.get("licence", ""),
        },
    )
    version = FrameworkVersion.objects.create(
        framework=framework,
        label=block["version"],
        status=FrameworkVersion.Status.PUBLISHED,
        imported_by=user,
        content_sha256=content_sha256(normalised),
    )
    domains = Domain.objects.bulk_create(
        Domain(
            version=version,
            code=domain["code"],
            name=domain["name"],
            summary=domain.get("summary", ""),
            order=order,
        )
        for order, domain in enumerate(normalised["domains"], start=1)
    )
    # Standard.order runs through the whole version, so it sorts correctly with or without
    # the domain's order in front of it.
    standards = Standard.objects.bulk_create(
        Standard(
            version=version,
            domain=domain,
            code=standard["code"],
            title=standard["title"],
            statement=standard["statement"],
            type=standard["type"],
            guidance=standard.get("guidance", ""),
            evidence_prompts=standard.get("evidence_prompts", []),
            ask=standard.get("ask", []),
            order=order,
        )
        for order, (domain, standard) in enumerate(
            (
                (domain, standard)
                for domain, document_domain in zip(domains, normalised["domains"], strict=True)
                for standard in document_domain["standards"]
            ),
            start=1,
        )
    )
    if "crosswalk" in normalised:
        crosswalk = Crosswalk.objects.create(
            from_version=FrameworkVersion.objects.get(
                framework=framework, label=checker.crosswalk_label
            ),
            to_version=version,
        )
        sources = dict(crosswalk.from_version.standards.values_list("code", "pk"))
        targets = {standard.code: standard.pk for standard in standards}
        CrosswalkLink.objects.bulk_create(
            CrosswalkLink(
                crosswalk=crosswalk,
                source_id=sources[link["from"]],
                target_id=targets[link["to"]],
                relation=link["relation"],
                order=order,
            )
            for order, link in enumerate(normalised["crosswalk"]["standards"], start=1)
        )
    return version
