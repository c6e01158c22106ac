"""Reconciliation suites (Great Expectations) and the published-report audit.

expectations.runner   run_suites, write_results, render_data_docs, ValidationReport
expectations.audit    audit_published, write_findings, Finding
expectations.suites   the suites, by name
See expectations/README.md.
"""

import os

# Great Expectations must never phone home: set before anything imports it.
os.environ["GX_ANALYTICS_ENABLED"] = "false"
