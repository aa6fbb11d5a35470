"""Performance exports (issue 14): built in the next change."""
