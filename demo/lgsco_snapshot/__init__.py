"""A local snapshot of the Ombudsman's (LGSCO's) website for the offline demo.

The demo scrapes "the LGSCO" through the same code path as a real run: this package serves,
on 127.0.0.1, the all-authorities annual statistics (Kent County Council's published
figures, invented but consistent figures for other authorities, see :mod:`.statistics`),
robots.txt, the decision search listing and decision statements built from the demo
council's Ombudsman log (:mod:`.decisions`). Nothing here is a real decision.

* :func:`serve_snapshot` - context manager yielding the base URL of the running snapshot.
* :func:`write_statistics` - the statistics files into a folder (for ``--lgsco-stats DIR``).
* ``python -m demo.lgsco_snapshot.run --delivery DIR`` - serve it and run the pipeline.
"""

from demo.lgsco_snapshot.server import serve_snapshot, statistics_urls
from demo.lgsco_snapshot.statistics import statistics_files, write_statistics

ORGANISATION = "Kent County Council"

__all__ = [
    "ORGANISATION",
    "serve_snapshot",
    "statistics_files",
    "statistics_urls",
    "write_statistics",
]
