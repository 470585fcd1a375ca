"""The live side of ``ivr serve``: the driver between Asterisk and the journey engine.

:class:`~ivr.live.service.LiveService` wires engine, timers, driver and AMI link;
the composition root that builds it is :mod:`ivr.cli.serve`.
"""
