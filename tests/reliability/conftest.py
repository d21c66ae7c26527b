from tests.reliability.cluster import qclusters  # noqa: F401
