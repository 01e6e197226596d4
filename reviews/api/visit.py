"""The visit in the API: visits (with their agenda and calendar file) and agenda items.

Reading: the visits of the reviews whose visit the person reads (the review team, the network's
coordinators and the host service's team, reviews/peer_review/__init__.py); any other visit or
item is a 404. Writing goes through reviews/peer_review/visit.py, as on the pages, after the
policy's answer for this person: someone who never plans the visit gets 403; the planners, when
the review is not at the planning stage, 409 `not_editable`.

A visit's changes carry the version the client started from, as responses do (If-Match or a
`version` field; 428 without it, 409 `stale` with `current` when someone saved first), and reads
and writes send the version as the ETag. Agenda items need no version: each change to one makes
a new version of its visit, which numbers the calendar file's updates.
"""

from django.db.models import Prefetch, QuerySet
from django.http import HttpResponse
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, pagination, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response as RestResponse

from assurance.models import User
from assurance.rest import IdFilter, problem_responses
from reviews.api.cycle import PersonRefSerializer, named_choice_field
from reviews.api.self_assessment import (
    IF_MATCH,
    StaleConflict,
    VersionSerializer,
    expected_version,
    refused,
    with_etag,
)
from reviews.models import AgendaItem, Review, Visit
from reviews.peer_review import access_for, calendar, visit_reviews
from reviews.peer_review import visit as visit_actions
from reviews.self_assessment import Invalid, StaleWrite

VisitModeField = named_choice_field("VisitModeEnum", Visit.Mode.choices)
MeetsField = named_choice_field("AgendaMeetsEnum", AgendaItem.Meets.choices)
LIMITS = visit_actions.LIMITS


def visible_visits(user: User) -> QuerySet:
    return Visit.objects.filter(review__in=visit_reviews(user))


def check_may_edit(user: User, review: Review) -> None:
    """The policy first, before anything posted is looked at: 403, or 409 `not_editable`."""
    try:
        visit_actions.check_may_edit(access_for(user, review))
    except visit_actions.VisitClosed as error:
        raise refused(error) from None


# Serializers ----------------------------------------------------------------------------------


@extend_schema_field(
    {
        "type": "string",
        "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?$",
        "example": "09:30:00",
    }
)
class LocalTimeField(serializers.TimeField):
    """A time of day at the visit, in local time (Europe/London) and without an offset, e.g.
    09:30:00. (JSON Schema's `time` format would need an offset, which these times have not.)"""


class AgendaEntrySerializer(serializers.ModelSerializer):
    meets = MeetsField(read_only=True)
    starts_at = LocalTimeField(read_only=True)
    ends_at = LocalTimeField(read_only=True, allow_null=True)

    class Meta:
        model = AgendaItem
        fields = ["id", "day", "starts_at", "ends_at", "title", "meets", "note"]
        read_only_fields = fields


class VisitSerializer(serializers.ModelSerializer):
    mode = VisitModeField(read_only=True)
    updated_by = PersonRefSerializer(read_only=True, allow_null=True)
    agenda = AgendaEntrySerializer(many=True, read_only=True)

    class Meta:
        model = Visit
        fields = [
            "id",
            "review",
            "mode",
            "starts_on",
            "ends_on",
            "location",
            "access_needs",
            "version",
            "updated_by",
            "updated_at",
            "agenda",
        ]
        read_only_fields = fields


class VisitWriteSerializer(VersionSerializer):
    """For PUT every field but the texts is needed (the texts become empty when left out); for
    PATCH the fields sent change and the others keep their stored values."""

    mode = VisitModeField()
    starts_on = serializers.DateField(help_text="The first day of the visit.")
    ends_on = serializers.DateField(help_text="The last day: the first day for a one-day visit.")
    location = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=LIMITS["location"]
    )
    access_needs = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=LIMITS["access_needs"]
    )


class ReviewChoiceSerializer(serializers.Serializer):
    """The review a new visit is for: only reviews whose visit the person reads are known."""

    review = serializers.PrimaryKeyRelatedField(queryset=Review.objects.none())

    def get_fields(self):
        fields = super().get_fields()
        user = getattr(self.context.get("request"), "user", None)
        if user is not None:
            fields["review"].queryset = Review.objects.filter(pk__in=visit_reviews(user))
        return fields


class VisitCreateSerializer(ReviewChoiceSerializer, VisitWriteSerializer):
    version = None


class AgendaItemSerializer(AgendaEntrySerializer):
    review = serializers.IntegerField(source="visit.review_id", read_only=True)

    class Meta(AgendaEntrySerializer.Meta):
        fields = ["id", "visit", "review", *AgendaEntrySerializer.Meta.fields[1:]]
        read_only_fields = fields


class AgendaItemWriteSerializer(serializers.Serializer):
    day = serializers.DateField(help_text="A day of the visit.")
    starts_at = LocalTimeField(help_text="Local time (Europe/London), e.g. 09:30.")
    ends_at = LocalTimeField(required=False, allow_null=True, default=None)
    title = serializers.CharField(max_length=LIMITS["title"])
    meets = MeetsField(help_text="Who the review team meets.")
    note = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=LIMITS["note"]
    )


class VisitChoiceSerializer(serializers.Serializer):
    """The visit a new agenda item is for: only visits the person reads are known."""

    visit = serializers.PrimaryKeyRelatedField(queryset=Visit.objects.none())

    def get_fields(self):
        fields = super().get_fields()
        user = getattr(self.context.get("request"), "user", None)
        if user is not None:
            fields["visit"].queryset = visible_visits(user).select_related("review__service")
        return fields


class AgendaItemCreateSerializer(VisitChoiceSerializer, AgendaItemWriteSerializer):
    pass


# Filters and pages ----------------------------------------------------------------------------
# By plain id: an id the person cannot see gives an empty list, as one that does not exist.


class VisitFilter(filters.FilterSet):
    review = IdFilter(field_name="review_id")

    class Meta:
        model = Visit
        fields = ["review"]


class AgendaItemFilter(filters.FilterSet):
    review = IdFilter(field_name="visit__review_id")
    visit = IdFilter(field_name="visit_id")

    class Meta:
        model = AgendaItem
        fields = ["review", "visit"]


class VisitPagination(pagination.CursorPagination):
    """A visit per review, every cycle: paged by cursor, newest first."""

    ordering = ("-pk",)
    page_size_query_param = "page_size"
    max_page_size = 200


class CalendarRenderer(BaseRenderer):
    """Lets a client ask for `text/calendar`; an error still comes as the JSON problem body."""

    media_type = "text/calendar"
    format = "ics"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, str):
            return data.encode()
        response = (renderer_context or {}).get("response")
        if response is not None:
            response["Content-Type"] = "application/json"
        return JSONRenderer().render(data)


# Viewsets -------------------------------------------------------------------------------------

VISIT_WRITE = (
    "Send the version you started from (If-Match or `version`; without it 428). If someone "
    "saved a newer one meanwhile: 409 `stale`, with `current`. For the lead reviewer and the "
    "host's service lead (else 403), while the review is submitted or in peer review (else 409 "
    "`not_editable`). A last day before the first, or a change of dates that would leave an "
    "agenda item outside the visit's days: 400. Moving the first day moves the agenda with it. "
    "Everyone on the review team and the service's team is e-mailed what changed."
)


@extend_schema_view(
    retrieve=extend_schema(description="One visit with its agenda; its `version` is the ETag."),
    create=extend_schema(
        request=VisitCreateSerializer,
        responses={201: VisitSerializer, **problem_responses(409)},
        description=(
            "Plan the visit of a review, for the lead reviewer and the host's service lead "
            "(else 403), while the review is submitted or in peer review (else 409 "
            "`not_editable`). A review that already has a visit: 409 `stale`, with `current`."
        ),
    ),
    update=extend_schema(
        request=VisitWriteSerializer,
        responses={200: VisitSerializer, **problem_responses(409, 428)},
        parameters=[IF_MATCH],
        description="Replace the visit's details. " + VISIT_WRITE,
    ),
    partial_update=extend_schema(
        request=VisitWriteSerializer(partial=True),
        responses={200: VisitSerializer, **problem_responses(409, 428)},
        parameters=[IF_MATCH],
        description="Change some of the visit's details. " + VISIT_WRITE,
    ),
)
class VisitViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The visits of the reviews the person works on or belongs to, each with its agenda.
    Filter by `review`."""

    serializer_class = VisitSerializer
    pagination_class = VisitPagination
    filterset_class = VisitFilter

    def get_queryset(self):
        return (
            visible_visits(self.request.user)
            .select_related("review__service", "updated_by")
            .prefetch_related(
                Prefetch("agenda", queryset=AgendaItem.objects.order_by("day", "starts_at", "pk"))
            )
            .order_by("-pk")
        )

    def _current(self, pk: int) -> dict:
        return VisitSerializer(self.get_queryset().get(pk=pk)).data

    def retrieve(self, request, *args, **kwargs):
        response = super().retrieve(request, *args, **kwargs)
        return with_etag(response, response.data["version"])

    def create(self, request):
        chosen = ReviewChoiceSerializer(data=request.data, context={"request": request})
        chosen.is_valid(raise_exception=True)
        review = chosen.validated_data["review"]
        check_may_edit(request.user, review)
        serializer = VisitCreateSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        values = dict(serializer.validated_data)
        values.pop("review")
        try:
            visit = visit_actions.save_visit(
                review, by=request.user, expected_version=None, **values
            )
        except StaleWrite as error:
            raise StaleConflict(error, self._current(error.current.pk)) from None
        except (visit_actions.VisitClosed, Invalid) as error:
            raise refused(error) from None
        body = self._current(visit.pk)
        return with_etag(RestResponse(body, status=status.HTTP_201_CREATED), visit.version)

    def update(self, request, pk=None):
        return self._save(request, partial=False)

    def partial_update(self, request, pk=None):
        return self._save(request, partial=True)

    def _save(self, request, *, partial: bool):
        visit = self.get_object()
        check_may_edit(request.user, visit.review)
        serializer = VisitWriteSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        values = dict(serializer.validated_data)
        version = expected_version(request, values.pop("version", None))
        merged = {
            name: values.get(name, getattr(visit, name)) for name in visit_actions.VISIT_FIELDS
        }
        try:
            saved = visit_actions.save_visit(
                visit.review, by=request.user, expected_version=version, **merged
            )
        except StaleWrite as error:
            raise StaleConflict(error, self._current(visit.pk)) from None
        except (visit_actions.VisitClosed, Invalid) as error:
            raise refused(error) from None
        return with_etag(RestResponse(self._current(saved.pk)), saved.version)

    @extend_schema(
        responses={
            (200, "text/calendar"): OpenApiResponse(
                OpenApiTypes.STR, description="An iCalendar (RFC 5545) file."
            )
        },
        description=(
            "The visit as an iCalendar file: an all-day event for the visit and one event per "
            "agenda item (times in UTC). SEQUENCE is the visit's version. 404 while the visit "
            "has no dates."
        ),
    )
    @action(
        detail=True,
        methods=["get"],
        renderer_classes=[JSONRenderer, CalendarRenderer],
        pagination_class=None,
        filterset_class=None,
    )
    def calendar(self, request, pk=None) -> HttpResponse:
        return calendar.calendar_download(self.get_object())


class AgendaItemPagination(pagination.CursorPagination):
    ordering = ("-visit_id", "day", "starts_at", "pk")
    page_size_query_param = "page_size"
    max_page_size = 200


AGENDA_WRITE = (
    "For the lead reviewer and the host's service lead (else 403), while the review is "
    "submitted or in peer review (else 409 `not_editable`). A day outside the visit's days, or "
    "an end before the start: 400. The visit's version goes up, and everyone on the review team "
    "and the service's team is e-mailed what changed."
)


@extend_schema_view(
    create=extend_schema(
        request=AgendaItemCreateSerializer,
        responses={201: AgendaItemSerializer, **problem_responses(409)},
        description="Add an item to a visit's agenda. " + AGENDA_WRITE,
    ),
    partial_update=extend_schema(
        request=AgendaItemWriteSerializer(partial=True),
        responses={200: AgendaItemSerializer, **problem_responses(409)},
        description="Change an agenda item: the fields sent change. " + AGENDA_WRITE,
    ),
    destroy=extend_schema(
        responses={204: None, **problem_responses(409)},
        description="Remove an item from the agenda. " + AGENDA_WRITE,
    ),
)
class AgendaItemViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The agenda items of the visits the person reads, by visit and in time order. Filter by
    `review` or `visit`."""

    serializer_class = AgendaItemSerializer
    pagination_class = AgendaItemPagination
    filterset_class = AgendaItemFilter

    def get_queryset(self):
        return (
            AgendaItem.objects.filter(visit__in=visible_visits(self.request.user))
            .select_related("visit__review__service")
            .order_by("-visit_id", "day", "starts_at", "pk")
        )

    def _current(self, pk: int) -> dict:
        return AgendaItemSerializer(self.get_queryset().get(pk=pk)).data

    def create(self, request):
        chosen = VisitChoiceSerializer(data=request.data, context={"request": request})
        chosen.is_valid(raise_exception=True)
        visit = chosen.validated_data["visit"]
        check_may_edit(request.user, visit.review)
        serializer = AgendaItemCreateSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        values = dict(serializer.validated_data)
        values.pop("visit")
        try:
            item = visit_actions.add_agenda_item(visit, by=request.user, **values)
        except (visit_actions.VisitClosed, Invalid) as error:
            raise refused(error) from None
        return RestResponse(self._current(item.pk), status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        item = self.get_object()
        check_may_edit(request.user, item.visit.review)
        serializer = AgendaItemWriteSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        try:
            saved = visit_actions.update_agenda_item(
                item, by=request.user, **serializer.validated_data
            )
        except (visit_actions.VisitClosed, Invalid) as error:
            raise refused(error) from None
        return RestResponse(self._current(saved.pk))

    def destroy(self, request, pk=None):
        item = self.get_object()
        check_may_edit(request.user, item.visit.review)
        try:
            visit_actions.remove_agenda_item(item, by=request.user)
        except visit_actions.VisitClosed as error:
            raise refused(error) from None
        return RestResponse(status=status.HTTP_204_NO_CONTENT)
