"""The web front-end: server-rendered staff pages (/app) and client portal pages (/my).

It has no database: every page is rendered from the gateway's public API, called with the
signed-in person's token.
"""
