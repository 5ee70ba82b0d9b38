"""Runnable lessons: ``python -m demos.NAME``."""
