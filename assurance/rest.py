"""Conventions every API module follows: pagination, the conflict error and the error shape.

Every error the API returns is a JSON problem body:
`{"code": "<stable machine code>", "message": "<plain English>", "errors": {field: [messages]}}`.
`errors` is present only for validation problems.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions, pagination, status
from rest_framework.response import Response
from rest_framework.views import exception_handler


class PageNumberPagination(pagination.PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 200


class Conflict(exceptions.APIException):
    """A write made against a stale version, or a move the current state does not allow."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"
    default_detail = "The object has changed or is in a state that does not allow this."


def _flatten(detail) -> list[str]:
    if isinstance(detail, dict):
        return [message for value in detail.values() for message in _flatten(value)]
    if isinstance(detail, list):
        return [message for item in detail for message in _flatten(item)]
    return [str(detail)]


def _field_errors(detail, prefix: str = "") -> dict[str, list[str]]:
    """Flatten DRF's nested error detail into {"field.sub[0]": [messages]}."""
    if isinstance(detail, dict):
        errors: dict[str, list[str]] = {}
        for key, value in detail.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            errors.update(_field_errors(value, name))
        return errors
    if isinstance(detail, list) and any(isinstance(item, dict | list) for item in detail):
        errors = {}
        for index, item in enumerate(detail):
            errors.update(_field_errors(item, f"{prefix}[{index}]"))
        return errors
    return {prefix or "non_field_errors": _flatten(detail)}


def problem_exception_handler(exc, context):
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        # Keep the policy's own words ("You cannot invite people to this role.") when it has any.
        exc = exceptions.PermissionDenied(str(exc) or None)
    response = exception_handler(exc, context)
    if response is None:
        return None  # a real server error: Django's 500 handling and logging take over
    if isinstance(exc, exceptions.ValidationError):
        body = {
            "code": "invalid",
            "message": "The request has errors. Correct them and try again.",
            "errors": _field_errors(exc.detail),
        }
    else:
        codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
        code = codes if isinstance(codes, str) else "error"
        body = {"code": code, "message": " ".join(_flatten(response.data))}
        extra = getattr(exc, "extra", None)
        if extra:
            body.update(extra)
    return Response(body, status=response.status_code, headers=_retry_headers(response))


def _retry_headers(response) -> dict[str, str]:
    return {
        name: response[name]
        for name in ("Retry-After", "WWW-Authenticate", "Allow")
        if response.has_header(name)
    }
