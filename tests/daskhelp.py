"""One 2-worker Dask LocalCluster shared by the study and SBC tests (started on first use).

Starting worker processes costs seconds and each worker loads the cached numba kernels
once, so all tests in a session share this cluster; it is closed at interpreter exit.
"""

from __future__ import annotations

import atexit
import logging

_STATE: dict = {}


def shared_client():
    """A distributed Client on a LocalCluster of 2 single-threaded worker processes."""
    if "client" not in _STATE:
        from distributed import Client, LocalCluster

        cluster = LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        )
        client = Client(cluster)
        _STATE.update(client=client, cluster=cluster)
        atexit.register(_close)
    return _STATE["client"]


def worker_addresses(client) -> list[str]:
    return sorted(client.scheduler_info()["workers"])


def _close():
    client, cluster = _STATE.pop("client", None), _STATE.pop("cluster", None)
    if client is not None:
        client.close()
        cluster.close()
