"""The performance dashboard (issue 14): built in the next change."""
