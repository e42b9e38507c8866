"""Enrolments of clients in groups, transfers, archiving, and waitlists of full groups."""
