"""A cold `feedback run` starts faster: Prefect's temporary API server boots in its own
process while this one loads dbt and the flow, and Great Expectations loads in the
background while the run lands, ingests and builds.

Without PREFECT_API_URL, Prefect starts a temporary local server the first time a flow
runs and waits for it (about 5 s here); the imports the run needs take as long again (Great
Expectations alone about 3 s, and it is needed only after dbt build). They are fixed costs
of every nightly run in a fresh process, so they are overlapped. With PREFECT_API_URL set (a
Prefect server, or a served deployment) no server is started.
"""

from __future__ import annotations

import importlib
import threading

# Imported before the flow starts. The flow first: importing it sets up Prefect's logging,
# which dbt's import would otherwise pre-empt with a plain root handler.
RUN_IMPORTS = ("flows.nightly", "dbt.cli.main")
# Imported in the background, needed later (expectations.gx first: it turns GX's usage
# statistics off before great_expectations is imported). An `import` of the same module
# in the run waits for the background one to finish (Python's per-module import lock).
LATER_IMPORTS = ("expectations.gx", "great_expectations", "expectations.runner")


def start_temporary_server() -> threading.Thread | None:
    """Start Prefect's temporary server in the background when the run will need one."""
    from prefect.settings import PREFECT_API_URL, PREFECT_SERVER_EPHEMERAL_ENABLED

    if PREFECT_API_URL.value() or not PREFECT_SERVER_EPHEMERAL_ENABLED.value():
        return None

    def start() -> None:
        from prefect.server.api.server import SubprocessASGIServer

        SubprocessASGIServer().start()  # the same instance the flow's client will use

    return _in_background(start, "prefect-server-start")


def _in_background(target, name: str) -> threading.Thread:
    thread = threading.Thread(target=target, name=name, daemon=True)
    thread.start()
    return thread


def _import_all(modules: tuple[str, ...]) -> None:
    for module in modules:
        importlib.import_module(module)


def prepare_run() -> threading.Thread:
    """Overlap the temporary server's start with the run's imports; return when the server
    is up and the flow and dbt are loaded (a server that fails to start is left to Prefect
    to report at the flow's start). Returns the thread still importing what is needed later."""
    server = start_temporary_server()
    _import_all(RUN_IMPORTS)
    later = _in_background(lambda: _import_all(LATER_IMPORTS), "later-imports")
    if server is not None:
        server.join()
    return later
