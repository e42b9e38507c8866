"""Pure rules of the clients context: no I/O, tested without a database."""
