"""The review cycle: cycles, reviews and everything a review gathers on its way to a report."""
