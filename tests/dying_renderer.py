"""A PDF renderer process that stops at once, as a renderer does when it crashes (python -m tests.dying_renderer)."""

raise SystemExit(1)
