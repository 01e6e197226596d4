"""Evidence in the API, read-only: the documents, links and notes of the reviews the person
can see, and what is recorded about each file. Adding and removing evidence is the evidence
pages' (reviews/evidence.py validates and stores files), and so, for now, is downloading a file
(reviews/views/evidence.py), which writes every download to the access log.
"""

from django.db.models import Prefetch
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action

from assurance.rest import IdFilter
from reviews import evidence as evidence_actions
from reviews.api.cycle import PersonRefSerializer, ReviewPolicyPermission, named_choice_field
from reviews.models import Evidence, Response, Review
from reviews.permissions import visible_reviews

EvidenceKindField = named_choice_field("EvidenceKindEnum", Evidence.Kind.choices)
# A download comes as the type its file was checked to be (reviews/evidence.py), or as
# application/octet-stream when none was recorded.
DOWNLOAD_TYPES = sorted(
    {kind.content_type.split(";")[0] for kind in evidence_actions.FILE_TYPES.values()}
    | {"application/octet-stream"}
)


class EvidenceSerializer(serializers.ModelSerializer):
    kind = EvidenceKindField(read_only=True)
    responses = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True, help_text="The responses this evidence supports."
    )
    uploaded_by = PersonRefSerializer(read_only=True, allow_null=True)
    url = serializers.CharField(
        read_only=True, help_text="A link's web address; empty for files and notes."
    )

    class Meta:
        model = Evidence
        fields = [
            "id",
            "review",
            "responses",
            "kind",
            "title",
            "original_name",
            "content_type",
            "size",
            "sha256",
            "url",
            "note",
            "no_identifiers_attested",
            "uploaded_by",
            "uploaded_at",
        ]
        read_only_fields = fields


class EvidenceFilter(filters.FilterSet):
    review = IdFilter(field_name="review_id")
    response = IdFilter(field_name="responses")
    kind = filters.ChoiceFilter(choices=Evidence.Kind.choices)

    class Meta:
        model = Evidence
        fields = ["review", "response", "kind"]


class EvidenceViewSet(viewsets.ReadOnlyModelViewSet):
    """The evidence of the reviews the person can see. Filter by `review` or `response`."""

    serializer_class = EvidenceSerializer
    permission_classes = [ReviewPolicyPermission]
    review_perms = {}
    filterset_class = EvidenceFilter

    def review_of(self, evidence: Evidence) -> Review:
        return evidence.review

    def get_queryset(self):
        return (
            Evidence.objects.filter(review__in=visible_reviews(self.request.user))
            .select_related("review", "uploaded_by")
            .prefetch_related(Prefetch("responses", queryset=Response.objects.only("pk")))
            .order_by("-uploaded_at", "-pk")
        )

    @extend_schema(
        responses={(200, media_type): OpenApiTypes.BINARY for media_type in DOWNLOAD_TYPES},
        description=(
            "The file, as an attachment. Every download is written to the access log. "
            "Links and notes have no file (404)."
        ),
    )
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        return evidence_actions.download(self.get_object(), by=request.user)
