"""Matrix entries for the peer review: visit pages and API (see table.py)."""

from tests.matrix.table import Route

VISIT_ROUTES: list[Route] = []
