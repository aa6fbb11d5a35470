"""Case notes: what happened to a family, written down (being written)."""
