"""The nightly flow as a scheduled Prefect deployment: `feedback serve`.

Every night at 02:00 Europe/London by default; at most one run at a time (a run due while
one is in progress is cancelled, never overlaps); the council's settings as parameters.
"""

from __future__ import annotations

from typing import Any

from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy
from prefect.deployments.runner import RunnerDeployment
from prefect.schedules import Cron

from flows.nightly import nightly

DEFAULT_CRON = "0 2 * * *"
DEFAULT_TIMEZONE = "Europe/London"


def nightly_deployment(
    parameters: dict[str, Any] | None = None,
    cron: str = DEFAULT_CRON,
    timezone: str = DEFAULT_TIMEZONE,
) -> RunnerDeployment:
    """The deployment `feedback serve` runs (and tests inspect)."""
    return nightly.to_deployment(
        name="nightly",
        schedule=Cron(cron, timezone=timezone),
        concurrency_limit=ConcurrencyLimitConfig(
            limit=1, collision_strategy=ConcurrencyLimitStrategy.CANCEL_NEW
        ),
        parameters=parameters or {},
        description="Nightly refresh of the complaints warehouse and reports.",
        tags=["feedback-pipeline"],
    )


def serve(
    parameters: dict[str, Any] | None = None,
    cron: str = DEFAULT_CRON,
    timezone: str = DEFAULT_TIMEZONE,
) -> None:
    """Serve the scheduled deployment until stopped (Ctrl+C)."""
    from prefect import serve as prefect_serve

    prefect_serve(nightly_deployment(parameters, cron, timezone))
