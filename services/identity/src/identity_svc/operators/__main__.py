"""`python -m identity_svc.operators`: the operators' command line (operators/cli.py)."""

import sys

from identity_svc.operators.cli import main

sys.exit(main())
