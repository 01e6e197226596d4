"""Conventions every API module follows: pagination, the conflict error and the error shape.

Every error the API returns is a JSON problem body:
`{"code": "<stable machine code>", "message": "<plain English>", "errors": {field: [messages]}}`.
`errors` is present only for validation problems. `declare_problem_responses` writes the errors
every operation can answer with into the OpenAPI schema, and views declare the others they give
with `problem_responses(409, 428)`, so that clients (and the fuzzer, tests/api/test_fuzz.py)
know every answer. Filters by id use `IdFilter`.
"""

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiResponse, extend_schema_field
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


# The problem body, as the OpenAPI schema describes it: the component `ProblemBody`, which
# `declare_problem_responses` adds to the schema. Some problems carry more (a stale write's
# 409 has `current`), so other properties are allowed.
PROBLEM_SCHEMA = {
    "type": "object",
    "description": "What went wrong, in a stable code and plain English.",
    "properties": {
        "code": {"type": "string", "description": "A stable machine-readable code."},
        "message": {"type": "string"},
        "errors": {
            "type": "object",
            "description": "Validation problems only: each field's messages.",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    },
    "required": ["code", "message"],
}
PROBLEM = {"$ref": "#/components/schemas/ProblemBody"}

_PROBLEM_WORDS = {
    "400": "The request has errors (`invalid`, with `errors` by field).",
    "403": "Not signed in, or not allowed to do this.",
    "404": "No such object, or not one you can see; or no such page of a list.",
    "409": "The object changed since the version sent (`stale`, with `current`), or its "
    "review is at a stage that does not allow this.",
    "428": "No version was sent (`version_required`): send it in If-Match or `version`.",
}


def problem_responses(*codes: int) -> dict[int, OpenApiResponse]:
    """For `extend_schema(responses=...)`: the problem bodies a view answers with besides the
    400, 403 and 404 every operation declares, e.g. `problem_responses(409, 428)`."""
    return {
        code: OpenApiResponse(response=PROBLEM, description=_PROBLEM_WORDS[str(code)])
        for code in codes
    }


def _problems_for(operation: dict) -> list[str]:
    """The errors any operation of this shape can answer with, whatever its view does."""
    parameters = operation.get("parameters", [])
    codes = ["403"]  # every operation needs a signed-in person with the right to it
    if "requestBody" in operation or any(p["in"] in ("query", "header") for p in parameters):
        codes.append("400")
    paged = any(p["in"] == "query" and p["name"] in ("page", "cursor") for p in parameters)
    if paged or any(p["in"] == "path" for p in parameters):
        codes.append("404")
    return codes


def declare_problem_responses(result, generator, request, public):
    """drf-spectacular postprocessing hook: declare the problem responses every operation can
    give (400, 403, 404, by its shape), next to those its view declares (409, 428)."""
    result.setdefault("components", {}).setdefault("schemas", {})["ProblemBody"] = PROBLEM_SCHEMA
    content = {"application/json": {"schema": PROBLEM}}
    for path in result.get("paths", {}).values():
        for operation in path.values():
            responses = operation.setdefault("responses", {})
            for code in _problems_for(operation):
                answer = {"description": _PROBLEM_WORDS[code], "content": content}
                responses.setdefault(code, answer)
            operation["responses"] = dict(sorted(responses.items()))
    return result


# The largest id the database stores (a signed 64-bit integer).
MAX_ID = 2**63 - 1


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})
class IdFilter(filters.NumberFilter):
    """Filter by an object's id: a whole number the database can hold, else 400. (A plain
    NumberFilter takes any decimal: 1.5 would find 1, and 1e300 overflows the database.)"""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)
