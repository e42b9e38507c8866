"""Pure rules of the journal: no I/O, tested without a database."""
