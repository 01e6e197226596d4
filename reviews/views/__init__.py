"""Pages of the review cycle, split by screen: cycles, the review, the self-assessment, evidence."""
