"""The ten reporting views BI tools query directly, and unmanaged models that read them."""
