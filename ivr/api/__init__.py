"""The supervisor's HTTP API, the live event stream and the wallboard page (FastAPI).

:func:`ivr.api.app.create_app` builds the ASGI app from a :class:`ivr.api.hub.Hub`
(the floor, the metrics, the stream), a :class:`ivr.api.control.Control` (the way
into the engine), the tokens of the configuration file and the audit log. Those
travel together as one :class:`ivr.api.context.ApiContext`; the handlers live in
:mod:`ivr.api.routes`, one module per resource.
"""
