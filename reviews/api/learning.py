"""The network learning report in the API: `learning-reports/{cycle id}/`.

The same dict as the page and the PDF (reviews/report/learning.py `build_learning_context`):
for the cycle's published reviews, how many services' review teams saw each standard each way,
with counts below the network's threshold shown as "fewer than N"; the common development
themes; and the learning hosts agreed to share. No service or organisation is named and nothing
is ranked. For the network's coordinators and the members of its services; anyone else gets
404, commissioners included. One report per cycle, so there is no list.

The serializers below describe the dict for the OpenAPI schema; they carry it through unchanged.
"""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.response import Response as RestResponse

from reviews.report.learning import get_cycle_for_learning, learning_context


class LearningCountSerializer(serializers.Serializer):
    count = serializers.IntegerField(
        allow_null=True, help_text="The number, or null when it is not shown."
    )
    suppressed = serializers.BooleanField(help_text="True when the number is not given exactly.")
    display = serializers.CharField(help_text='As printed: "7", "fewer than 5" or "5 or more".')


class LearningDaySerializer(serializers.Serializer):
    iso = serializers.CharField()
    display = serializers.CharField()


class LearningCoverSerializer(serializers.Serializer):
    network = serializers.CharField()
    cycle = serializers.CharField()
    title = serializers.CharField()
    issued = LearningDaySerializer(allow_null=True, help_text="Set on a printed copy only.")
    is_draft = serializers.BooleanField()


class LearningDocumentSerializer(serializers.Serializer):
    title = serializers.CharField()
    lang = serializers.CharField()
    kind = serializers.CharField()


class LearningColumnSerializer(serializers.Serializer):
    rating = serializers.CharField(
        help_text='met, partly_met, not_yet_met, not_applicable, or "" for no view recorded.'
    )
    label = serializers.CharField()


class LearningCellSerializer(LearningCountSerializer):
    rating = serializers.CharField()
    label = serializers.CharField()


class LearningStandardSerializer(serializers.Serializer):
    code = serializers.CharField()
    title = serializers.CharField()
    type_label = serializers.CharField()
    withheld = serializers.BooleanField(
        help_text="True when every count of the standard is withheld, so that a hidden count "
        "cannot be worked out by subtraction."
    )
    counts = LearningCellSerializer(many=True)


class LearningThemeSerializer(serializers.Serializer):
    services = LearningCountSerializer()
    development = serializers.ListField(child=serializers.CharField())
    even_better_if = serializers.ListField(child=serializers.CharField())


class LearningStandardThemeSerializer(LearningThemeSerializer):
    code = serializers.CharField()
    title = serializers.CharField()


class LearningDomainSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    standards = LearningStandardSerializer(many=True)
    themes = LearningStandardThemeSerializer(many=True)
    domain_theme = LearningThemeSerializer(allow_null=True)


class LearningVersionSerializer(serializers.Serializer):
    framework = serializers.CharField()
    version = serializers.CharField()
    reviews = LearningCountSerializer()
    counted = serializers.BooleanField()
    note = serializers.CharField(allow_blank=True)
    columns = LearningColumnSerializer(many=True)
    domains = LearningDomainSerializer(many=True)
    has_themes = serializers.BooleanField()
    general_themes = LearningThemeSerializer(allow_null=True)


class LearningStandardRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    title = serializers.CharField()


class LearningItemSerializer(serializers.Serializer):
    title = serializers.CharField()
    body = serializers.CharField(allow_blank=True)
    standards = LearningStandardRefSerializer(many=True)


class LearningReportSerializer(serializers.Serializer):
    format = serializers.IntegerField()
    document = LearningDocumentSerializer()
    cover = LearningCoverSerializer()
    threshold = serializers.IntegerField(help_text="The network's smallest number shown.")
    reviews = LearningCountSerializer(help_text="How many published reviews the report covers.")
    has_reports = serializers.BooleanField()
    about = serializers.ListField(child=serializers.CharField())
    protection = serializers.ListField(
        child=serializers.CharField(), help_text="How small numbers are protected, in words."
    )
    versions = LearningVersionSerializer(many=True)
    learning = LearningItemSerializer(many=True)


class LearningReportViewSet(viewsets.ViewSet):
    """A cycle's network learning report, by the cycle's id."""

    lookup_value_regex = r"\d+"

    @extend_schema(
        parameters=[
            OpenApiParameter("id", int, OpenApiParameter.PATH, description="The cycle's id.")
        ],
        responses={200: LearningReportSerializer},
    )
    def retrieve(self, request, pk=None):
        cycle = get_cycle_for_learning(request.user, pk)
        return RestResponse(LearningReportSerializer(learning_context(cycle)).data)
