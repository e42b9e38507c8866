"""The journal itself: a group's clients x lessons for a period."""
