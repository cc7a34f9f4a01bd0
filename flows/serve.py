"""`ingest serve`: the build flow served on a schedule, with a start-up check that the schedule fires.

A Prefect server whose scheduler service fails (e.g. SQLAlchemy 2.1 under Prefect 3.8.8)
accepts the deployment and its cron, then never creates a run: the served process would
poll silently forever. After registering the deployment, a background thread asks the API
whether the scheduler has created an upcoming run for it and prints one warning line if
it has not within the check window. Serving goes on either way (manual runs still work).
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from uuid import UUID

from flows import prefect_env

prefect_env.apply(quiet=False)

from prefect.client.orchestration import get_client  # noqa: E402
from prefect.client.schemas.filters import (  # noqa: E402
    FlowRunFilter,
    FlowRunFilterDeploymentId,
    FlowRunFilterTags,
)
from prefect.client.schemas.sorting import FlowRunSort  # noqa: E402
from prefect.exceptions import TerminationSignal  # noqa: E402
from prefect.runner import Runner  # noqa: E402

from flows.build import build  # noqa: E402

SCHEDULER_TAG = "auto-scheduled"  # Prefect's scheduler service tags (and flags) every run it creates


def scheduled_runs(deployment_id: UUID) -> list:
    """Runs the scheduler created for the deployment since it was last registered (oldest first)."""
    with get_client(sync_client=True) as client:
        registered = client.read_deployment(deployment_id).updated
        runs = client.read_flow_runs(flow_run_filter=FlowRunFilter(
            deployment_id=FlowRunFilterDeploymentId(any_=[deployment_id]),
            tags=FlowRunFilterTags(all_=[SCHEDULER_TAG])), sort=FlowRunSort.EXPECTED_START_TIME_ASC, limit=200)
    return [r for r in runs if r.auto_scheduled and (registered is None or r.created is None or r.created >= registered)]


def check_schedule(deployment_id: UUID, label: str, seconds: float, say: Callable[[str], None],
                   poll: float = 2.0) -> bool:
    """Wait up to `seconds` for a scheduler-created run of the deployment; one line to `say` either way."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            runs = scheduled_runs(deployment_id)
        except Exception as exc:  # noqa: BLE001 - a check, never a reason to stop serving
            if time.monotonic() < deadline:
                time.sleep(poll)
                continue
            say(f"warning: could not check the schedule of deployment {label}: {type(exc).__name__}: {exc}")
            return False
        if runs:
            say(f"schedule ok: the Prefect server has scheduled {len(runs)} run(s) of deployment {label}, "
                f"the first at {runs[0].expected_start_time:%Y-%m-%d %H:%M:%S %Z}")
            return True
        if time.monotonic() >= deadline:
            say(f"warning: the Prefect server has created no scheduled run for deployment {label} after "
                f"{seconds:.0f} s: schedules are not being created; check the server log (the `prefect server "
                f"start` output) for scheduler errors. Still serving: runs started by hand are picked up.")
            return False
        time.sleep(poll)


def serve_build(name: str, cron: str, parameters: dict, check_seconds: float, say: Callable[[str], None]) -> None:
    """Register the build deployment with its cron, check the schedule in the background, serve runs."""
    runner = Runner(name=name, pause_on_shutdown=True, limit=1)
    deployment_id = runner.add_flow(build, name=name, cron=cron, parameters=parameters)
    label = f"{build.name}/{name}"
    say(f"serving deployment {label} (cron {cron!r}); run it now with `prefect deployment run '{label}'`")
    if check_seconds > 0:
        threading.Thread(target=check_schedule, args=(deployment_id, label, check_seconds, say),
                         name="schedule-check", daemon=True).start()
    try:
        asyncio.run(runner.start())
    except (KeyboardInterrupt, TerminationSignal):
        pass  # the runner has stopped (and paused the deployment's schedule)
