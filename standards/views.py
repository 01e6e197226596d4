"""Framework pages: the list, one version with its standards, and the coordinators' upload."""

from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.db.models import Count, Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from standards.forms import FrameworkUploadForm
from standards.models import Domain, Framework, FrameworkVersion, Standard


@login_required
def framework_list(request: HttpRequest) -> HttpResponse:
    frameworks = Framework.objects.prefetch_related(
        Prefetch(
            "versions",
            queryset=FrameworkVersion.objects.select_related("framework").annotate(
                standard_count=Count("standards", distinct=True),
                domain_count=Count("domains", distinct=True),
            ),
        )
    ).order_by("name")
    return render(
        request,
        "standards/framework_list.html",
        {
            "frameworks": frameworks,
            "can_import": request.user.has_perm("standards.import_framework"),
        },
    )


@login_required
def version_detail(request: HttpRequest, slug: str, label: str) -> HttpResponse:
    version = get_object_or_404(
        FrameworkVersion.objects.select_related(
            "framework", "crosswalk_in__from_version__framework"
        ),
        framework__slug=slug,
        label=label,
    )
    domains = Domain.objects.filter(version=version).prefetch_related(
        Prefetch("standards", queryset=Standard.objects.order_by("order"))
    )
    crosswalk = getattr(version, "crosswalk_in", None)
    return render(
        request,
        "standards/version_detail.html",
        {
            "version": version,
            "domains": domains,
            "crosswalk": crosswalk,
            "can_import": request.user.has_perm("standards.import_framework"),
        },
    )


GUIDE = Path(settings.BASE_DIR) / "docs" / "frameworks.md"


@login_required
def format_guide(request: HttpRequest) -> HttpResponse:
    """docs/frameworks.md, shown in the app so a coordinator never needs the source tree."""
    import markdown

    html = markdown.markdown(
        GUIDE.read_text(encoding="utf-8"), extensions=["tables", "fenced_code", "toc"]
    )
    # The document's own "# title" becomes the page's h1 in the template.
    body = html.split("</h1>", 1)[-1]
    return render(request, "standards/format_guide.html", {"guide": body})


@login_required
@permission_required("standards.import_framework", raise_exception=True)
@require_http_methods(["GET", "POST"])
def framework_upload(request: HttpRequest) -> HttpResponse:
    from standards.yaml_format import FrameworkImportError, import_framework

    form = FrameworkUploadForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
    )
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = import_framework(upload.read(), source=upload.name, user=request.user)
        except FrameworkImportError as error:
            for problem in error.problems:
                where = f"{problem.path}: " if problem.path else ""
                form.add_error("file", f"{where}{problem.message}")
        else:
            if result.created:
                messages.success(
                    request, _("%(version)s was imported.") % {"version": result.version}
                )
            else:
                messages.info(
                    request,
                    _(
                        "%(version)s was already imported with exactly this content. "
                        "Nothing changed."
                    )
                    % {"version": result.version},
                )
            return redirect(
                "standards:version_detail",
                slug=result.version.framework.slug,
                label=result.version.label,
            )
    example = FrameworkVersion.objects.select_related("framework").order_by("pk").first()
    return render(request, "standards/framework_upload.html", {"form": form, "example": example})


@login_required
@permission_required("standards.import_framework", raise_exception=True)
def version_export(request: HttpRequest, slug: str, label: str) -> HttpResponse:
    from standards.yaml_format import export_framework

    version = get_object_or_404(
        FrameworkVersion.objects.select_related("framework"), framework__slug=slug, label=label
    )
    response = HttpResponse(
        export_framework(version), content_type="application/yaml; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{slug}-{label}.yaml"'
    return response
