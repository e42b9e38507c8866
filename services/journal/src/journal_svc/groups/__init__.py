"""Groups with their teachers and weekly schedule, rooms, and the organisation's settings."""
