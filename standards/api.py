"""REST API for frameworks: read for every signed-in person; import and export for coordinators."""

from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import BaseParser, MultiPartParser
from rest_framework.response import Response

from standards.models import Domain, Framework, FrameworkVersion, Standard


class CanImportFrameworks(permissions.BasePermission):
    message = "Only network coordinators can import or export frameworks."

    def has_permission(self, request, view) -> bool:
        return request.user.has_perm("standards.import_framework")


class YAMLParser(BaseParser):
    """Hands the raw bytes to the importer, which parses and validates them itself."""

    media_type = "application/yaml"

    def parse(self, stream, media_type=None, parser_context=None):
        return stream.read()


class StandardSerializer(serializers.ModelSerializer):
    domain = serializers.CharField(source="domain.code", read_only=True)

    class Meta:
        model = Standard
        fields = [
            "id",
            "code",
            "domain",
            "title",
            "statement",
            "type",
            "guidance",
            "evidence_prompts",
            "ask",
            "order",
        ]


class DomainSerializer(serializers.ModelSerializer):
    standards = StandardSerializer(many=True, read_only=True)

    class Meta:
        model = Domain
        fields = ["code", "name", "summary", "order", "standards"]


class VersionSummarySerializer(serializers.ModelSerializer):
    framework = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    reference = serializers.CharField(read_only=True)

    class Meta:
        model = FrameworkVersion
        fields = ["id", "framework", "label", "reference", "status", "published_at"]


class VersionDetailSerializer(VersionSummarySerializer):
    domains = DomainSerializer(many=True, read_only=True)

    class Meta(VersionSummarySerializer.Meta):
        fields = [*VersionSummarySerializer.Meta.fields, "change_notes", "domains"]


class FrameworkSerializer(serializers.ModelSerializer):
    versions = VersionSummarySerializer(many=True, read_only=True)

    class Meta:
        model = Framework
        fields = ["slug", "name", "description", "licence", "versions"]


class ImportResultSerializer(serializers.Serializer):
    created = serializers.BooleanField()
    version = VersionSummarySerializer()


class FrameworkViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = FrameworkSerializer
    lookup_field = "slug"
    queryset = Framework.objects.prefetch_related(
        Prefetch("versions", queryset=FrameworkVersion.objects.select_related("framework"))
    ).order_by("name")

    @extend_schema(
        request={
            "application/yaml": OpenApiTypes.STR,
            "multipart/form-data": inline_serializer(
                "FrameworkUpload", {"file": serializers.FileField()}
            ),
        },
        responses={201: ImportResultSerializer, 200: ImportResultSerializer},
        description=(
            "Import a framework version from a YAML document (docs/frameworks.md). "
            "An identical re-import is a no-op (200); a new version is created (201)."
        ),
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="import",
        parser_classes=[YAMLParser, MultiPartParser],
        permission_classes=[permissions.IsAuthenticated, CanImportFrameworks],
    )
    def import_document(self, request):
        from django.conf import settings

        from standards.yaml_format import FrameworkImportError, import_framework

        if isinstance(request.data, bytes):
            data, source = request.data, "request body"
        else:
            upload = request.data.get("file")
            if upload is None:
                raise ValidationError({"file": ["Attach a YAML file in the field 'file'."]})
            if upload.size > settings.FRAMEWORK_MAX_UPLOAD_BYTES:
                raise ValidationError({"file": ["The file is larger than the 5 MB limit."]})
            data, source = upload.read(), upload.name
        try:
            result = import_framework(data, source=source, user=request.user)
        except FrameworkImportError as error:
            errors: dict[str, list[str]] = {}
            for problem in error.problems:
                errors.setdefault(problem.path or "document", []).append(problem.message)
            raise ValidationError(errors) from None
        return Response(
            ImportResultSerializer(result).data,
            status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK,
        )

    @extend_schema(
        parameters=[OpenApiParameter("label", str, OpenApiParameter.PATH)],
        responses={
            # The document, as a YAML parser reads it: the framework, then its domains.
            (200, "application/yaml"): {
                "type": "object",
                "required": ["framework", "domains"],
                "properties": {
                    "framework": {"type": "object"},
                    "domains": {"type": "array", "items": {"type": "object"}},
                },
            }
        },
        description=(
            "Export one version as a YAML document in the public format (docs/frameworks.md)."
        ),
    )
    @action(
        detail=True,
        methods=["get"],
        url_path=r"versions/(?P<label>[^/]+)/export",
        permission_classes=[permissions.IsAuthenticated, CanImportFrameworks],
    )
    def export(self, request, slug=None, label=None):
        from standards.yaml_format import export_framework

        version = get_object_or_404(
            FrameworkVersion.objects.select_related("framework"), framework__slug=slug, label=label
        )
        response = HttpResponse(export_framework(version), content_type="application/yaml")
        response["Content-Disposition"] = f'attachment; filename="{slug}-{label}.yaml"'
        return response


class FrameworkVersionViewSet(viewsets.ReadOnlyModelViewSet):
    filterset_fields = ["status", "framework__slug"]

    def get_queryset(self):
        queryset = FrameworkVersion.objects.select_related("framework").order_by("id")
        if self.action == "retrieve":
            queryset = queryset.prefetch_related(
                Prefetch(
                    "domains",
                    queryset=Domain.objects.prefetch_related(
                        Prefetch("standards", queryset=Standard.objects.select_related("domain"))
                    ),
                )
            )
        return queryset

    def get_serializer_class(self):
        return VersionDetailSerializer if self.action == "retrieve" else VersionSummarySerializer


class StandardViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = StandardSerializer
    queryset = Standard.objects.select_related("domain").order_by(
        "version_id", "domain__order", "order"
    )
    filterset_fields = ["version", "type", "domain__code"]
