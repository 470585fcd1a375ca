"""Compiled nodes: plain slotted objects the interpreter steps through, one module per family.

- :mod:`ivr.flows.nodes.base`: ``CNode``, which every kind extends, and ``end_flow``
- :mod:`ivr.flows.nodes.dialogue`: play, say, menu, collect
- :mod:`ivr.flows.nodes.customer`: lookup, verify_password
- :mod:`ivr.flows.nodes.control`: branch, set, call, return
- :mod:`ivr.flows.nodes.exits`: queue, transfer, callback, voicemail, hangup

Targets are node objects, resolved when the flow is compiled: a step is a few
attribute reads and method calls, no lookups by name, no validation, no regex
compiling.
"""
