"""Matrix entries for the peer review: reviewing pages and API (see table.py)."""

from tests.matrix.table import Route

REVIEWING_ROUTES: list[Route] = []
