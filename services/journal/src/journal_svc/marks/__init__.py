"""Attendance marks, make-ups and the make-up seat finder."""
