"""The improvement report: from a review's findings to a frozen, shareable PDF.

- context.py: `build_report_context(review)`, the pure function whose plain dict is the
  snapshot of an issued report (nothing team-only, no safeguarding notes, never a grade), with
  reading.py (the rows it reads) and wording.py (its fixed words); summary.py: the one-page
  commissioner summary drawn from that context;
- rendering.py: `render_pdf(snapshot)`, WeasyPrint behind a URL fetcher that serves only the
  project's own static files, run by a background task and never in a request;
- issuing.py: issuing drafts, finals and corrections, the render task, hash-checked reads;
- accuracy.py: the accuracy check (comments, answers, the host's agreement);
- actions.py and sharing.py: the agreed actions and sharing with commissioning bodies;
- learning.py: the network learning report of a cycle.
"""
