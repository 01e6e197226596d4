"""The review cycle in the REST API, split by concern like reviews/models/:

- reviews/api/cycle.py: cycles, enrolment, reviews, their moves, history and carry-forward;
- reviews/api/self_assessment.py: responses, perspectives and progress on last cycle's actions;
- reviews/api/evidence.py: evidence, read-only (files download from the evidence pages).

Every endpoint calls the same functions as the pages (reviews/cycles.py, reviews/workflow.py,
reviews/self_assessment.py). Rights come from the review (reviews/permissions.py): a review,
response or perspective the person cannot see is 404, one they can see but may not change 403.
The viewsets are registered on the router in assurance/api/__init__.py.
"""

# The router imports this package's modules, and they import assurance/api/network.py, whose
# package is the router. Loading the router first settles that cycle whichever side is imported
# first (a test importing reviews.api.cycle before any URL is resolved, say).
import assurance.api  # noqa: F401
