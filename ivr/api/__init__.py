"""The supervisor's HTTP API, the live event stream and the wallboard page (FastAPI).

:func:`ivr.api.app.create_app` builds the ASGI app from a :class:`ivr.api.hub.Hub`
(the floor, the metrics, the stream), a :class:`ivr.api.control.Control` (the way
into the engine) and the tokens of the configuration file.
"""
