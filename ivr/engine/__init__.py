"""The journey of a call: the one component that owns a call from arrival to end.

Drivers (the simulator, the AMI adapter, the tests) feed it
:mod:`ivr.model.events` and carry out the :mod:`ivr.model.commands` it
returns; it feeds the flow interpreter and the routing core, which do no I/O.
"""
