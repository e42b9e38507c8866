"""Journal: groups, schedules, lessons, enrolments, attendance, make-ups, comments, staff pay."""
