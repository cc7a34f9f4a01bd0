"""Embedded-mode defaults for Prefect, applied before Prefect is imported.

With no PREFECT_API_URL set, Prefect starts a temporary local server per process
(its "ephemeral mode"): nothing to start by hand. Users override any of these
with their own environment variables.
"""

from __future__ import annotations

import logging
import os

DEFAULTS = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",  # offline machines: no telemetry errors
    "PREFECT_LOGGING_TO_API_ENABLED": "false",  # cuts per-task cost; run states still reach the API
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",  # cold start on a busy 2-core machine
}


def apply(quiet: bool = True) -> None:
    """Set Prefect defaults that the user has not set."""
    for key, value in DEFAULTS.items():
        os.environ.setdefault(key, value)
    if quiet:  # the command line prints one line for a failure itself; --verbose shows Prefect's logs
        os.environ.setdefault("PREFECT_LOGGING_LEVEL", "CRITICAL")
        # Prefect's event queue says "Still processing items" at exit on a slow machine (a logger of its own)
        logging.getLogger("EventsWorker").setLevel(logging.ERROR)
