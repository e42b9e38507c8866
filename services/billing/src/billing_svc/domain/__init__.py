"""Pure billing rules: no I/O, tested without a database."""
