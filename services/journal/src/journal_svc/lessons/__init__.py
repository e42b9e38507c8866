"""Lessons: generated from a group's schedule or added one-off, changed, cancelled."""
