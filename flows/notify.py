"""Tell people when a nightly run fails: a JSON POST to a webhook (Teams, Slack, or any
receiver). The URL is a secret: it comes from the environment (FEEDBACK_WEBHOOK_URL) and is
never logged or written anywhere."""

from __future__ import annotations

import logging
import os
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.util import Retry

ENV_WEBHOOK_URL = "FEEDBACK_WEBHOOK_URL"
URLLIB3_LOGGERS = ("urllib3.connectionpool", "urllib3.util.retry")
log = logging.getLogger(__name__)


def post_notification(
    payload: dict[str, Any], url: str | None = None, timeout_s: float = 10
) -> bool:
    """POST `payload` as JSON; retried on 429/5xx; False (logged, not raised) when it fails."""
    url = url or os.environ.get(ENV_WEBHOOK_URL)
    if not url:
        return False
    session = requests.Session()
    retry = Retry(
        total=3,
        backoff_factor=0.5,
        status_forcelist=(429, 500, 502, 503, 504),
        allowed_methods=frozenset({"POST"}),
    )
    session.mount("http://", HTTPAdapter(max_retries=retry))
    session.mount("https://", HTTPAdapter(max_retries=retry))
    redact = _RedactUrl(url)
    for name in URLLIB3_LOGGERS:
        logging.getLogger(name).addFilter(redact)
    try:
        response = session.post(url, json=payload, timeout=timeout_s)
        response.raise_for_status()
    except requests.RequestException as exc:
        log.error("Failure notification not delivered (%s)", type(exc).__name__)
        return False
    finally:
        for name in URLLIB3_LOGGERS:
            logging.getLogger(name).removeFilter(redact)
    log.info("Failure notification delivered to the webhook")
    return True


class _RedactUrl(logging.Filter):
    """Hide the webhook URL's path and query (where Teams and Slack keep the secret) in
    urllib3's log records: it logs the path when it retries a broken connection."""

    def __init__(self, url: str) -> None:
        super().__init__()
        parts = urlsplit(url)
        secret = parts.path + (f"?{parts.query}" if parts.query else "")
        self.secrets = [s for s in (url, secret, parts.path, parts.query) if len(s) > 1]

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if any(secret in message for secret in self.secrets):
            for secret in self.secrets:
                message = message.replace(secret, "<webhook URL>")
            record.msg, record.args = message, None
        return True


def notify_flow_failure(flow, flow_run, state) -> None:
    """Prefect state hook (on_failure, on_crashed): post the run's outcome to the webhook."""
    post_notification(
        {
            "flow": flow.name,
            "flow_run": flow_run.name,
            "flow_run_id": str(flow_run.id),
            "state": state.type.value if state.type else str(state),
            "message": state.message,
        }
    )
