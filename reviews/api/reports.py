"""Improvement reports in the API: report versions, their render jobs, and the accuracy check.

- `reports`: the versions the person may read (`view_report`: the host's team, the review team
  for drafts, the lead reviewer for finals, the network's coordinators, and the commissioners
  of a body a final report is shared with). Filter by `review`. Each carries its render jobs'
  state, the sha256 of its stored PDFs and the host's agreement. `pdf` and `summary` download
  the stored bytes through the same function as the pages (checked against the sha256, and
  written to the access log); a PDF not rendered yet, or one that no longer matches its
  fingerprint, is 409. `agree` records the host's service lead's agreement to the latest draft.
- `render-jobs`: one render's state; `retry` queues a failed render again (the lead reviewer
  and the network's coordinators).
- `accuracy-comments`: the comments on the versions the person reads (filter by `report`); the
  host's service lead adds them to the latest draft while the review is in the accuracy check,
  and the lead reviewer answers them (`answer`).

Writes go through reviews/report/accuracy.py and reviews/report/issuing.py, as on the pages:
who may not write gets 403, a draft whose accuracy check is not open 409 `not_editable`, input
the rules refuse 400 with field errors. A version the person may not read is 404.
"""

from django.http import Http404
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import exceptions, mixins, pagination, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response as RestResponse

from assurance.permissions import ObjectPolicyPermission, can
from assurance.rest import Conflict, IdFilter, problem_responses
from reviews.api.cycle import PersonRefSerializer, named_choice_field
from reviews.models import AccuracyComment, RenderJob, Report
from reviews.report import accuracy, issuing
from reviews.report.accuracy import BODY_MAX
from reviews.report_forms import NOTE_MAX
from reviews.self_assessment import Invalid
from reviews.views.reports import (
    NotReadable,
    jobs_prefetch,
    pdf_response,
    readable_reports,
    review_perms,
)

ReportKindField = named_choice_field("ReportKindEnum", Report.Kind.choices)
RenderWhatField = named_choice_field("RenderWhatEnum", RenderJob.What.choices)
RenderStatusField = named_choice_field("RenderStatusEnum", RenderJob.Status.choices)
CommentKindField = named_choice_field("AccuracyCommentKindEnum", AccuracyComment.Kind.choices)
AnswerField = named_choice_field("AccuracyAnswerEnum", AccuracyComment.Answer.choices)


class ReportReaderPermission(ObjectPolicyPermission):
    """Everything here belongs to a report version: reading needs `view_report` on it (else
    404). Who may write is decided by the write paths and the checks in each action (403)."""

    def has_object_permission(self, request, view, obj) -> bool:
        if not can(request.user, "reviews.view_report", view.report_of(obj)):
            raise Http404
        return True


def refused(error: Exception) -> Exception:
    if isinstance(error, accuracy.AccuracyClosed):
        return Conflict(str(error), code="not_editable")
    return exceptions.ValidationError({name: [message] for name, message in error.errors.items()})


def require(allowed: bool, message: str) -> None:
    if not allowed:
        raise exceptions.PermissionDenied(message)


@extend_schema_field(serializers.CharField(allow_null=True))
class BlankAsNullField(serializers.CharField):
    """A text that is blank until something happens (a PDF's sha256 before it is rendered)."""

    def to_representation(self, value):
        return value or None


# Render jobs ----------------------------------------------------------------------------------


class RenderJobSerializer(serializers.ModelSerializer):
    what = RenderWhatField(read_only=True)
    status = RenderStatusField(read_only=True)
    error = serializers.CharField(read_only=True, help_text="Why it failed, in words.")

    class Meta:
        model = RenderJob
        fields = [
            "id",
            "report",
            "what",
            "status",
            "error",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields


@extend_schema_view(
    retrieve=extend_schema(
        description="One render of a report or its commissioner summary: queued, rendering, "
        "ready or failed (with the reason)."
    )
)
class RenderJobViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The renders of the report versions you read."""

    serializer_class = RenderJobSerializer
    permission_classes = [ReportReaderPermission]

    def report_of(self, job: RenderJob) -> Report:
        return job.report

    def get_queryset(self):
        return RenderJob.objects.filter(
            report__in=readable_reports(self.request.user)
        ).select_related("report__review")

    @extend_schema(
        request=None,
        responses={201: RenderJobSerializer, **problem_responses(409)},
        description=(
            "Queue a failed render again, as a new job (the failed one stays on record): the "
            "review's lead reviewer or the network's coordinators (else 403). 409 `not_failed` "
            "when the render has not failed."
        ),
    )
    @action(detail=True, methods=["post"])
    def retry(self, request, pk=None):
        job = self.get_object()
        perms = review_perms(request.user, job.report.review)
        require(
            bool(perms & {"lead_review", "manage_review"}),
            _("Only the lead reviewer and the network's coordinators can try a render again."),
        )
        try:
            again = issuing.retry_render(job, by=request.user)
        except issuing.ReportError as error:
            raise Conflict(str(error), code="not_failed") from None
        return RestResponse(RenderJobSerializer(again).data, status=status.HTTP_201_CREATED)


# Reports --------------------------------------------------------------------------------------


class ReportSerializer(serializers.ModelSerializer):
    kind = ReportKindField(read_only=True)
    issued_by = PersonRefSerializer(read_only=True, allow_null=True)
    supersedes = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True, help_text="The version this one corrects."
    )
    superseded_by = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True, help_text="The correction that replaces this version."
    )
    sha256 = BlankAsNullField(
        read_only=True, help_text="The fingerprint of the stored PDF; null until it is rendered."
    )
    summary_sha256 = BlankAsNullField(
        read_only=True,
        help_text="The fingerprint of the commissioner summary (finals only); null until "
        "it is rendered.",
    )
    render_jobs = RenderJobSerializer(many=True, read_only=True)
    host_agreed_by = PersonRefSerializer(
        read_only=True, allow_null=True, help_text="The service lead who agreed this draft."
    )

    class Meta:
        model = Report
        fields = [
            "id",
            "review",
            "number",
            "kind",
            "issued_at",
            "issued_by",
            "supersedes",
            "superseded_by",
            "correction_note",
            "sha256",
            "summary_sha256",
            "render_jobs",
            "host_agreed_by",
            "host_agreed_at",
            "host_agreement_note",
        ]
        read_only_fields = fields


class AgreeSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=NOTE_MAX)


class ReportPagination(pagination.CursorPagination):
    """Every review adds versions, so reports are paged by cursor, newest first."""

    ordering = ("-issued_at", "-pk")
    page_size_query_param = "page_size"
    max_page_size = 200


class ReportFilter(filters.FilterSet):
    review = IdFilter(field_name="review_id")
    kind = filters.ChoiceFilter(choices=Report.Kind.choices)

    class Meta:
        model = Report
        fields = ["review", "kind"]


PDF_RESPONSES = {(200, "application/pdf"): OpenApiTypes.BINARY, **problem_responses(409)}


class ReportViewSet(viewsets.ReadOnlyModelViewSet):
    """The report versions you may read, newest first. Filter by `review` or `kind`. The
    frozen content itself is in the PDF (`pdf`), and on the report's page."""

    serializer_class = ReportSerializer
    permission_classes = [ReportReaderPermission]
    pagination_class = ReportPagination
    filterset_class = ReportFilter

    def report_of(self, report: Report) -> Report:
        return report

    def get_queryset(self):
        return (
            readable_reports(self.request.user)
            .select_related(
                "review__service",
                "review__cycle",
                "issued_by",
                "host_agreed_by",
                "supersedes",
                "superseded_by",
            )
            .prefetch_related(jobs_prefetch())
            .defer("snapshot")
        )

    def _download(self, request, *, summary: bool):
        report = self.get_object()
        try:
            return pdf_response(report, by=request.user, summary=summary)
        except NotReadable as error:
            raise Conflict(str(error), code=error.code) from None

    @extend_schema(
        responses=PDF_RESPONSES,
        description=(
            "The stored PDF, as an attachment, after checking it against its sha256. Every "
            "download is written to the access log. 409 `not_rendered` while it is being "
            "prepared; 409 `mismatch` when the stored file no longer matches its fingerprint "
            "(nothing is sent)."
        ),
    )
    @action(detail=True, methods=["get"])
    def pdf(self, request, pk=None):
        return self._download(request, summary=False)

    @extend_schema(
        responses=PDF_RESPONSES,
        description=(
            "The one-page commissioner summary of a final report, as `pdf` does for the report. "
            "Drafts have no summary (404)."
        ),
    )
    @action(detail=True, methods=["get"])
    def summary(self, request, pk=None):
        return self._download(request, summary=True)

    @extend_schema(
        request=AgreeSerializer,
        responses={200: ReportSerializer, **problem_responses(409)},
        description=(
            "The host's service lead (else 403) agrees the latest draft and its actions, with "
            "an optional note. 409 `not_editable` when the review is not in the accuracy check "
            "or a newer draft replaced this one."
        ),
    )
    @action(detail=True, methods=["post"])
    def agree(self, request, pk=None):
        report = self.get_object()
        require(
            can(request.user, "reviews.submit_review", report.review),
            _("The service lead agrees the report for the service."),
        )
        serializer = AgreeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            accuracy.agree_draft(
                report, by=request.user, note=serializer.validated_data.get("note", "")
            )
        except accuracy.AccuracyClosed as error:
            raise refused(error) from None
        return RestResponse(ReportSerializer(self.get_queryset().get(pk=report.pk)).data)


# Accuracy comments ----------------------------------------------------------------------------


class AccuracyCommentSerializer(serializers.ModelSerializer):
    kind = CommentKindField(read_only=True)
    author = PersonRefSerializer(read_only=True, allow_null=True)
    answer = AnswerField(read_only=True, allow_null=True, help_text="Null until answered.")
    answered_by = PersonRefSerializer(read_only=True, allow_null=True)
    anchor = serializers.CharField(
        read_only=True,
        help_text="What it is about: `section:<key>`, `finding:<id>` or `action:<id>` of the "
        "draft's snapshot.",
    )

    class Meta:
        model = AccuracyComment
        fields = [
            "id",
            "report",
            "anchor",
            "kind",
            "body",
            "author",
            "created_at",
            "answer",
            "answer_reason",
            "answered_by",
            "answered_at",
        ]
        read_only_fields = fields


class AccuracyCommentCreateSerializer(serializers.Serializer):
    report = serializers.PrimaryKeyRelatedField(
        queryset=Report.objects.none(), help_text="The draft: a version you can read."
    )
    anchor = serializers.CharField(
        max_length=100,
        help_text="`section:<key>`, `finding:<id>` or `action:<id>` of the draft's snapshot.",
    )
    kind = CommentKindField()
    body = serializers.CharField(max_length=BODY_MAX)

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        if request is not None:
            fields["report"].queryset = readable_reports(request.user)
        return fields


class AccuracyAnswerSerializer(serializers.Serializer):
    answer = AnswerField()
    answer_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=BODY_MAX,
        help_text="Needed unless the answer is `accepted`.",
    )


class OldestFirst(pagination.CursorPagination):
    """Comments read as a conversation, oldest first; paged by cursor."""

    ordering = ("created_at", "pk")
    page_size_query_param = "page_size"
    max_page_size = 200


class AccuracyCommentFilter(filters.FilterSet):
    report = IdFilter(field_name="report_id")

    class Meta:
        model = AccuracyComment
        fields = ["report"]


@extend_schema_view(
    create=extend_schema(
        request=AccuracyCommentCreateSerializer,
        responses={201: AccuracyCommentSerializer, **problem_responses(409)},
        description=(
            "Comment on a section, finding or action of the latest draft: the host's service "
            "lead (else 403), while the review is in the accuracy check (else 409 "
            "`not_editable`). A report you cannot read is an unknown id (400)."
        ),
    )
)
class AccuracyCommentViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """The accuracy comments on the report versions you read, oldest first, with their
    answers. Filter by `report`."""

    serializer_class = AccuracyCommentSerializer
    permission_classes = [ReportReaderPermission]
    pagination_class = OldestFirst
    filterset_class = AccuracyCommentFilter

    def report_of(self, comment: AccuracyComment) -> Report:
        return comment.report

    def get_queryset(self):
        return AccuracyComment.objects.filter(
            report__in=readable_reports(self.request.user)
        ).select_related("report__review", "author", "answered_by")

    def _current(self, pk: int, *, created: bool = False) -> RestResponse:
        body = AccuracyCommentSerializer(self.get_queryset().get(pk=pk)).data
        return RestResponse(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    def create(self, request):
        serializer = AccuracyCommentCreateSerializer(
            data=request.data, context={"request": request}
        )
        serializer.is_valid(raise_exception=True)
        values = dict(serializer.validated_data)
        report = values.pop("report")
        require(
            can(request.user, "reviews.submit_review", report.review),
            _("The service lead makes the accuracy comments."),
        )
        try:
            comment = accuracy.add_accuracy_comment(report, by=request.user, **values)
        except (accuracy.AccuracyClosed, Invalid) as error:
            raise refused(error) from None
        return self._current(comment.pk, created=True)

    @extend_schema(
        request=AccuracyAnswerSerializer,
        responses={200: AccuracyCommentSerializer, **problem_responses(409)},
        description=(
            "Answer a comment: the review's lead reviewer (else 403), while the accuracy check "
            "of its draft is open (else 409 `not_editable`). A reason is needed unless the "
            "answer is `accepted` (else 400)."
        ),
    )
    @action(detail=True, methods=["post"])
    def answer(self, request, pk=None):
        comment = self.get_object()
        require(
            can(request.user, "reviews.lead_review", comment.report.review),
            _("The lead reviewer answers accuracy comments."),
        )
        serializer = AccuracyAnswerSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            accuracy.answer_accuracy_comment(
                comment,
                by=request.user,
                answer=serializer.validated_data["answer"],
                reason=serializer.validated_data.get("answer_reason", ""),
            )
        except (accuracy.AccuracyClosed, Invalid) as error:
            raise refused(error) from None
        return self._current(comment.pk)
