"""Observability: logs (:mod:`ivr.obs.logs`), Prometheus metrics (:mod:`ivr.obs.metrics`) and
the live picture of the floor that the API, the wallboard and the metrics read
(:mod:`ivr.obs.floor`, whose views are in :mod:`ivr.obs.floor_views`)."""
