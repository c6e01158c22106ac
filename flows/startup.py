"""A cold `feedback run` starts faster: Prefect's temporary API server boots in its own
process while this one loads dbt, Great Expectations and the flow.

Without PREFECT_API_URL, Prefect starts a temporary local server the first time a flow
runs and waits for it (about 5 s here); the imports the run needs take as long again. Both
are fixed costs of every nightly run in a fresh process, so they are overlapped. With
PREFECT_API_URL set (a Prefect server, or a served deployment) nothing is started.
"""

from __future__ import annotations

import importlib
import threading

# What a nightly run imports anyway. The flow first: importing it sets up Prefect's logging,
# which dbt's import would otherwise pre-empt with a plain root handler. expectations.gx
# before great_expectations: it turns GX's usage statistics off.
RUN_IMPORTS = ("flows.nightly", "expectations.gx", "great_expectations", "dbt.cli.main")


def start_temporary_server() -> threading.Thread | None:
    """Start Prefect's temporary server in the background when the run will need one."""
    from prefect.settings import PREFECT_API_URL, PREFECT_SERVER_EPHEMERAL_ENABLED

    if PREFECT_API_URL.value() or not PREFECT_SERVER_EPHEMERAL_ENABLED.value():
        return None

    def start() -> None:
        from prefect.server.api.server import SubprocessASGIServer

        SubprocessASGIServer().start()  # the same instance the flow's client will use

    thread = threading.Thread(target=start, name="prefect-server-start", daemon=True)
    thread.start()
    return thread


def prepare_run() -> None:
    """Overlap the temporary server's start with the run's imports; return when both are
    done (a server that fails to start is left to Prefect to report at the flow's start)."""
    server = start_temporary_server()
    for module in RUN_IMPORTS:
        importlib.import_module(module)
    if server is not None:
        server.join()
