"""Development-only key pair for the gateway's internal tokens.

Published on purpose so that `make run` works with no settings. Settings refuse these keys
when environment=production.
"""

DEV_INTERNAL_PRIVATE_KEY = """-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIOOrAwHGE7I6f7RQkSjdeJF1G+lmXz5k+6df/EjNJKRk
-----END PRIVATE KEY-----
"""

DEV_INTERNAL_PUBLIC_KEY = """-----BEGIN PUBLIC KEY-----
MCowBQYDK2VwAyEAk8jEw3YJfVgrRD3mZgDXLKz+mf9g8nOxH4XVT7WqUmo=
-----END PUBLIC KEY-----
"""

# X25519 key pair of notifications: identity and clients seal one-time links to the public
# key (crm_platform.sealing); only notifications opens them. Development only, like the above.
DEV_SEAL_PRIVATE_KEY = "yM2OwwDEjLHeXW0o2iRMXh9ghk778ApL6ppuAvrVrFw="
DEV_SEAL_PUBLIC_KEY = "L-H2gwH8Yt8Fs5WTkNS-MnvfXZyeNf-HLds09qAYsFg="
