"""Matrix entries for the peer review: threads pages and API (see table.py)."""

from tests.matrix.table import Route

THREADS_ROUTES: list[Route] = []
