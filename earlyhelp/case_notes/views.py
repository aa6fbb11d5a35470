"""Case notes pages (being written)."""
