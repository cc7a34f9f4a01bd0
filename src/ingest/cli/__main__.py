"""`python -m ingest.cli ...`: the `ingest` command."""

import sys

from ingest.cli.main import main

sys.exit(main())
