"""Settings of the test clusters: FleetOps' own, plus an optional queue of their own.

``Q_QUEUE`` sets django-q2's ``cluster_name`` (the queue a cluster serves) while the site
``name`` (the signing salt shared by every cluster) stays FleetOps', so a test can hand one
task to each of two clusters (django-q2's "multiple queues in one site").
"""

import os

from fleetops.settings import *  # noqa: F403

Q_CLUSTER = {**Q_CLUSTER, "cluster_name": os.environ.get("Q_QUEUE") or Q_CLUSTER["name"]}  # noqa: F405

if os.environ.get("RUN_OWNER_GRACE_SECONDS"):
    FLEETOPS_RUN_OWNER_GRACE_SECONDS = int(os.environ["RUN_OWNER_GRACE_SECONDS"])
