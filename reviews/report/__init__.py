"""The improvement report: from a review's findings to a frozen, shareable PDF.

- context.py: `build_report_context(review)`, the pure function whose plain dict is the
  snapshot of an issued report (nothing team-only, no safeguarding notes, never a grade);
- rendering.py: `render_pdf(snapshot)`, WeasyPrint behind a URL fetcher that serves only the
  project's own static files, run by a background task and never in a request.
"""
