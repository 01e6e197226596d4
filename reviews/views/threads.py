"""Thread pages: a review's threads, starting one, one thread with its comments and the reply
box, editing one's own comment, and how a person wants to hear about new comments.

Every view starts from the review and the person's `Access` (reviews/peer_review/__init__.py):
a review they cannot see is 404, and so is a thread they may not read (a member of the host
service is never told that a team-only thread exists). Every write goes through
reviews/peer_review/threads.py, which checks the same policy again on the locked review. A
write refused because of the review's stage re-shows the page with the reason and what the
person typed (409); field errors re-show it with the errors (400).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from assurance.views.team import next_url
from reviews.models import Comment, Review, Thread
from reviews.peer_review import Access, get_review_access, get_thread, require, threads_for
from reviews.peer_review import threads as thread_actions
from reviews.self_assessment import Invalid
from reviews.thread_forms import CommentEmailsForm, CommentForm, ThreadForm
from reviews.views.self_assessment import put_errors

THREADS_PER_PAGE = 50
WHOLE_REVIEW = "review"  # the ?standard= value for threads about the review as a whole


def _detail_url(thread: Thread, anchor: str = "") -> str:
    url = reverse("reviews:thread_detail", args=[thread.review_id, thread.pk])
    return f"{url}#{anchor}" if anchor else url


def _status(request: HttpRequest, refused: str) -> int:
    """A page shown again after a POST: refused because of the stage (409) or with errors."""
    if request.method != "POST":
        return 200
    return 409 if refused else 400


# The list -----------------------------------------------------------------------------------------


@login_required
@require_GET
def thread_list(request: HttpRequest, pk: int) -> HttpResponse:
    """The threads this person may read, newest activity first, filtered by who reads them
    (for those who read both kinds) and by standard."""
    review, access = get_review_access(request.user, pk)
    require(bool(access.visibilities))
    threads = (
        threads_for(access, review)
        .select_related("standard", "started_by")
        .annotate(comment_count=Count("comments"))
        .order_by("-last_comment_at", "-pk")
    )
    both = len(access.visibilities) > 1
    visibility = request.GET.get("visibility", "")
    if both and visibility in access.visibilities:
        threads = threads.filter(visibility=visibility)
    else:
        visibility = ""
    standards = list(review.framework_version.standards.order_by("domain__order", "order"))
    code = request.GET.get("standard", "")
    chosen = next((standard for standard in standards if standard.code == code), None)
    if chosen is not None:
        threads = threads.filter(standard=chosen)
    elif code == WHOLE_REVIEW:
        threads = threads.filter(standard__isnull=True)
    else:
        code = ""
    paginator = Paginator(threads, THREADS_PER_PAGE)
    page_obj = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "reviews/threads/thread_list.html",
        {
            "review": review,
            "access": access,
            "page_obj": page_obj,
            "standards": standards,
            "whole_review": WHOLE_REVIEW,
            "chosen_standard": code,
            "chosen_visibility": visibility,
            "visibility_choices": Thread.Visibility.choices if both else [],
            "filtered": bool(code or visibility),
            "can_start": access.dialogue_open,
            "closed": thread_actions.closed_reason(review),
        },
    )


# Starting a thread --------------------------------------------------------------------------------


def _preselected(request: HttpRequest, review: Review) -> dict:
    """`?standard=<code>` chooses that standard of this review to start with."""
    code = request.GET.get("standard", "")
    standard = review.framework_version.standards.filter(code=code).first() if code else None
    return {"standard": standard} if standard else {}


@login_required
@require_http_methods(["GET", "POST"])
def thread_add(request: HttpRequest, pk: int) -> HttpResponse:
    review, access = get_review_access(request.user, pk)
    require(bool(access.visibilities))
    refused = thread_actions.closed_reason(review)
    if request.method == "POST":
        form = ThreadForm(request.POST, review=review, access=access)
        if not refused and form.is_valid():
            data = form.cleaned_data
            try:
                thread = thread_actions.start_thread(
                    review,
                    by=request.user,
                    visibility=data["visibility"],
                    title=data["title"],
                    body=data["body"],
                    standard=data["standard"],
                )
            except thread_actions.ThreadsClosed as error:
                refused = str(error)
            except Invalid as error:
                put_errors(form, error.errors)
            else:
                messages.success(request, _("Your thread was started."))
                return redirect(_detail_url(thread))
    else:
        form = ThreadForm(initial=_preselected(request, review), review=review, access=access)
    return render(
        request,
        "reviews/threads/thread_add.html",
        {
            "review": review,
            "form": form,
            "refused": refused,
            "posted": request.method == "POST",
            "shared_readers": thread_actions.readers_of(Thread.Visibility.SHARED, review),
        },
        status=_status(request, refused),
    )


# One thread ---------------------------------------------------------------------------------------


def _thread_page(
    request: HttpRequest,
    review: Review,
    access: Access,
    thread: Thread,
    *,
    form: CommentForm | None = None,
    refused: str = "",
) -> HttpResponse:
    thread.review = review
    comments = list(thread.comments.select_related("author"))
    for comment in comments:
        comment.thread = thread
    can_reply = access.may_comment(thread)
    return render(
        request,
        "reviews/threads/thread_detail.html",
        {
            "review": review,
            "thread": thread,
            "comments": comments,
            "editable": {comment.pk for comment in comments if access.may_edit_comment(comment)},
            "can_reply": can_reply,
            "may_start_finding": access.may_write_findings,
            "closed": "" if can_reply else thread_actions.closed_reason(review),
            "form": form or CommentForm(),
            "refused": refused,
            "readers": thread_actions.readers_of(thread.visibility, review),
        },
        status=_status(request, refused),
    )


@login_required
@require_GET
def thread_detail(request: HttpRequest, pk: int, thread_pk: int) -> HttpResponse:
    review, access = get_review_access(request.user, pk)
    thread = get_thread(access, review, thread_pk)
    return _thread_page(request, review, access, thread)


@login_required
@require_POST
def thread_reply(request: HttpRequest, pk: int, thread_pk: int) -> HttpResponse:
    review, access = get_review_access(request.user, pk)
    thread = get_thread(access, review, thread_pk)
    form = CommentForm(request.POST)
    refused = "" if access.may_comment(thread) else thread_actions.closed_reason(review)
    if not refused and form.is_valid():
        try:
            comment = thread_actions.add_comment(
                thread, by=request.user, body=form.cleaned_data["body"]
            )
        except thread_actions.ThreadsClosed as error:
            refused = str(error)
        except Invalid as error:
            put_errors(form, error.errors)
        else:
            messages.success(request, _("Your reply was posted."))
            return redirect(_detail_url(thread, f"comment-{comment.pk}"))
    return _thread_page(request, review, access, thread, form=form, refused=refused)


# Editing one's own comment ------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def comment_edit(request: HttpRequest, pk: int, comment_pk: int) -> HttpResponse:
    """The author changes their comment while the review is open; it is then marked as
    edited. Someone else's comment is 403; one in a thread the person may not read, 404."""
    review, access = get_review_access(request.user, pk)
    comment = get_object_or_404(
        Comment.objects.filter(thread__review=review).select_related("thread__standard", "author"),
        pk=comment_pk,
    )
    thread = comment.thread
    thread.review = review
    if not access.reads_thread(thread):
        raise Http404
    context = {"review": review, "thread": thread, "comment": comment}
    if not access.may_edit_comment(comment):
        if comment.author_id != request.user.pk:
            context["forbidden"] = _("You can change only your own comments.")
            return render(request, "reviews/threads/comment_edit.html", context, status=403)
        refused = thread_actions.edit_closed_reason(review)
    else:
        refused = ""
    form = CommentForm.for_comment(comment, request.POST if request.method == "POST" else None)
    if request.method == "POST" and not refused and form.is_valid():
        try:
            thread_actions.edit_comment(comment, by=request.user, body=form.cleaned_data["body"])
        except thread_actions.ThreadsClosed as error:
            refused = str(error)
        except Invalid as error:
            put_errors(form, error.errors)
        else:
            messages.success(request, _("Your comment was changed."))
            return redirect(_detail_url(thread, f"comment-{comment.pk}"))
    context.update({"form": form, "refused": refused, "posted": request.method == "POST"})
    return render(
        request,
        "reviews/threads/comment_edit.html",
        context,
        status=_status(request, refused),
    )


# E-mails about comments ------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def comment_emails(request: HttpRequest) -> HttpResponse:
    """The signed-in person chooses an e-mail per comment, a daily digest, or none."""
    form = CommentEmailsForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your choice about e-mails was saved."))
        return redirect(next_url(request, reverse("reviews:comment_emails")))
    return render(
        request,
        "reviews/threads/comment_emails.html",
        {"form": form, "back": next_url(request, "")},
        status=400 if form.errors else 200,
    )
