"""Matrix entries for the peer review: findings pages and API (see table.py)."""

from tests.matrix.table import Route

FINDINGS_ROUTES: list[Route] = []
