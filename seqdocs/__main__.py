"""`python -m seqdocs` runs the `seqdocs` command: see [seqdocs.cli][seqdocs.cli] for its usage."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
