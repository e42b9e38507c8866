"""Identity's current state announced again (service.py): at startup for what the
migrations asked for (startup.py), or by an operator (`python -m identity_svc.announce`)."""
