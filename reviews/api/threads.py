"""Threads and comments in the API.

Lists hold only what the person may read (`visible_threads`: the team and coordinators read
both kinds, the host service only shared threads), so a team-only thread or one of its comments
is 404 for the host, as for anyone else who may not read it. Writes go through
reviews/peer_review/threads.py, as on the pages:

- a visibility or a thread the person may not use: 403;
- the review not at a stage that takes comments (or edits): 409 `closed`;
- text the rules refuse: 400 with field errors.

Nothing is ever deleted: there is no DELETE, and only a comment's author may change its body.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, pagination, serializers, status, viewsets
from rest_framework.response import Response as RestResponse

from assurance.rest import Conflict, IdFilter, problem_responses
from reviews.api.cycle import PersonRefSerializer, named_choice_field
from reviews.api.self_assessment import StandardRefSerializer
from reviews.models import Comment, Review, Thread
from reviews.peer_review import threads as thread_actions
from reviews.peer_review import visible_threads
from reviews.permissions import visible_reviews
from reviews.self_assessment import Invalid
from standards.models import Standard

VisibilityField = named_choice_field("ThreadVisibilityEnum", Thread.Visibility.choices)


def refused(error: Exception) -> Exception:
    """The API error for a refusal of reviews/peer_review/threads.py."""
    if isinstance(error, thread_actions.ThreadsClosed):
        return Conflict(str(error), code="closed")
    if isinstance(error, Invalid):
        return exceptions.ValidationError(
            {name: [message] for name, message in error.errors.items()}
        )
    return exceptions.PermissionDenied(str(error) or None)


# Serializers ----------------------------------------------------------------------------------


class ThreadSerializer(serializers.ModelSerializer):
    standard = StandardRefSerializer(
        read_only=True, allow_null=True, help_text="null: about the review as a whole."
    )
    visibility = VisibilityField(
        read_only=True,
        help_text="`team`: the review team and coordinators only. `shared`: also the host "
        "service. It never changes.",
    )
    started_by = PersonRefSerializer(read_only=True, allow_null=True)
    comment_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Thread
        fields = [
            "id",
            "review",
            "standard",
            "visibility",
            "title",
            "started_by",
            "created_at",
            "last_comment_at",
            "comment_count",
        ]
        read_only_fields = fields


class ThreadCreateSerializer(serializers.Serializer):
    """A new thread with its first comment. A review you cannot see is an unknown id."""

    review = serializers.PrimaryKeyRelatedField(queryset=Review.objects.none())
    standard = serializers.PrimaryKeyRelatedField(
        queryset=Standard.objects.all(),
        required=False,
        allow_null=True,
        help_text="One of the review's standards; leave out for the review as a whole.",
    )
    visibility = VisibilityField(
        help_text="Who can read it, for good: `team` only for the review team and coordinators."
    )
    title = serializers.CharField(max_length=thread_actions.TITLE_MAX)
    body = serializers.CharField(
        max_length=thread_actions.BODY_MAX, help_text="The first comment, as plain text."
    )

    def get_fields(self):
        fields = super().get_fields()
        user = getattr(self.context.get("request"), "user", None)
        if user is not None:
            fields["review"].queryset = visible_reviews(user)
        return fields


class CommentSerializer(serializers.ModelSerializer):
    author = PersonRefSerializer(read_only=True, allow_null=True)
    visibility = VisibilityField(
        source="thread.visibility", read_only=True, help_text="Who can read the thread."
    )
    edited = serializers.BooleanField(source="is_edited", read_only=True)

    class Meta:
        model = Comment
        fields = [
            "id",
            "thread",
            "visibility",
            "author",
            "body",
            "created_at",
            "edited",
            "edited_at",
        ]
        read_only_fields = fields


class CommentCreateSerializer(serializers.Serializer):
    """A reply. A thread you cannot read is an unknown id."""

    thread = serializers.PrimaryKeyRelatedField(queryset=Thread.objects.none())
    body = serializers.CharField(max_length=thread_actions.BODY_MAX, help_text="Plain text.")

    def get_fields(self):
        fields = super().get_fields()
        user = getattr(self.context.get("request"), "user", None)
        if user is not None:
            fields["thread"].queryset = visible_threads(user)
        return fields


class CommentUpdateSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=thread_actions.BODY_MAX, help_text="Plain text.")


# Filters and paging ---------------------------------------------------------------------------
# By plain id: an id the person cannot see gives an empty list, as one that does not exist.


class ThreadFilter(filters.FilterSet):
    review = IdFilter(field_name="review_id")
    standard = IdFilter(field_name="standard_id")
    visibility = filters.ChoiceFilter(choices=Thread.Visibility.choices)

    class Meta:
        model = Thread
        fields = ["review", "standard", "visibility"]


class CommentFilter(filters.FilterSet):
    thread = IdFilter(field_name="thread_id")
    review = IdFilter(field_name="thread__review_id")

    class Meta:
        model = Comment
        fields = ["thread", "review"]


class ThreadPagination(pagination.CursorPagination):
    """Threads keep coming, so they are paged by cursor, newest first."""

    ordering = ("-created_at", "-pk")
    page_size_query_param = "page_size"
    max_page_size = 200


class CommentPagination(pagination.CursorPagination):
    """Comments in the order they were written."""

    ordering = ("created_at", "pk")
    page_size_query_param = "page_size"
    max_page_size = 200


# Viewsets ---------------------------------------------------------------------------------------


@extend_schema_view(
    create=extend_schema(
        request=ThreadCreateSerializer,
        responses={201: ThreadSerializer, **problem_responses(409)},
        description=(
            "Start a thread with its first comment, for the review team, the coordinators and "
            "the host service. The host may start only `shared` threads (else 403). 409 "
            "`closed` when the review is not at a stage that takes comments. A standard of "
            "another framework is a 400 field error."
        ),
    )
)
class ThreadViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """The threads the person may read, across reviews. Filter by `review`, `standard` (its id)
    or `visibility`."""

    serializer_class = ThreadSerializer
    pagination_class = ThreadPagination
    filterset_class = ThreadFilter

    def get_queryset(self):
        return (
            visible_threads(self.request.user)
            .select_related("standard__domain", "started_by")
            .annotate(comment_count=Count("comments"))
        )

    def create(self, request):
        serializer = ThreadCreateSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            thread = thread_actions.start_thread(
                data["review"],
                by=request.user,
                visibility=data["visibility"],
                title=data["title"],
                body=data["body"],
                standard=data.get("standard"),
            )
        except (thread_actions.ThreadsClosed, Invalid, PermissionDenied) as error:
            raise refused(error) from None
        body = ThreadSerializer(self.get_queryset().get(pk=thread.pk)).data
        return RestResponse(body, status=status.HTTP_201_CREATED)


@extend_schema_view(
    create=extend_schema(
        request=CommentCreateSerializer,
        responses={201: CommentSerializer, **problem_responses(409)},
        description=(
            "Reply in a thread you can read. 409 `closed` when the review is not at a stage "
            "that takes comments."
        ),
    ),
    partial_update=extend_schema(
        request=CommentUpdateSerializer,
        responses={200: CommentSerializer, **problem_responses(409)},
        description=(
            "Change your own comment's body (someone else's: 403); it is then marked as edited. "
            "409 `closed` once the report is published or the review withdrawn."
        ),
    ),
)
class CommentViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """The comments of the threads the person may read, oldest first. Filter by `thread` or
    `review`."""

    serializer_class = CommentSerializer
    pagination_class = CommentPagination
    filterset_class = CommentFilter

    def get_queryset(self):
        return Comment.objects.filter(thread__in=visible_threads(self.request.user)).select_related(
            "thread", "author"
        )

    def create(self, request):
        serializer = CommentCreateSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            comment = thread_actions.add_comment(data["thread"], by=request.user, body=data["body"])
        except (thread_actions.ThreadsClosed, Invalid, PermissionDenied) as error:
            raise refused(error) from None
        body = CommentSerializer(self.get_queryset().get(pk=comment.pk)).data
        return RestResponse(body, status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        comment = self.get_object()
        serializer = CommentUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            thread_actions.edit_comment(
                comment, by=request.user, body=serializer.validated_data["body"]
            )
        except (thread_actions.ThreadsClosed, Invalid, PermissionDenied) as error:
            raise refused(error) from None
        return RestResponse(CommentSerializer(self.get_queryset().get(pk=comment.pk)).data)
