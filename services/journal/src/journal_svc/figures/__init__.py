"""Figures of groups and teachers, and attendance-weighted pay with effective-dated rates."""
