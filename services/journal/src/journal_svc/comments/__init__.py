"""Comments on a client, a cell, a lesson or a group."""
