"""Identity: organisations, branches, staff, roles and grants, portal accounts, tokens."""
