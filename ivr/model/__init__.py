"""The messages and configuration the engine is made of, with no behaviour and no I/O.

The bottom layer: every other package may import it, and it imports nothing of
``ivr`` but :mod:`ivr.errors`, :mod:`ivr.clock` and :mod:`ivr.secret`.

- :mod:`ivr.model.skills`: the centre's skills, queues and seats (``skills/*.yaml``)
- :mod:`ivr.model.flow`: the flow language (``flows/*.yaml``; ``ivr schema`` publishes it)
- :mod:`ivr.model.campaign`: outbound campaigns (``campaigns/*.yaml``)
- :mod:`ivr.model.contact_policy`: the contact policy (``policy.yaml``), attempts, contacts
- :mod:`ivr.model.events`: what a driver tells the engine
- :mod:`ivr.model.commands`: what the engine asks a driver to do
- :mod:`ivr.model.facts`: what happened, for records and measures
- :mod:`ivr.model.outputs`: ``Output``, a command or a fact
- :mod:`ivr.model.directives`: what a flow tells the journey when it is done with a call
- :mod:`ivr.model.queue_view`: the read-only view of queues a flow may branch on
"""
