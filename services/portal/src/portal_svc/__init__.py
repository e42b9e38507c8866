"""Portal: client sign-in and sign-up, the client's own data, knowledge centre."""
