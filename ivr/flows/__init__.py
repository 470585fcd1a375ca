"""Voice-menu flows: the YAML language, its validator, its interpreter and the tools around it.

- :mod:`ivr.model.flow`: the language (pydantic models; ``ivr schema`` publishes them)
- :mod:`ivr.flows.source`: reading a flows directory with positions
- :mod:`ivr.flows.checks`: graph checks across flows (targets, reachability, loops, variables)
- :mod:`ivr.flows.node_parts`: what a node points at, reads and plays (for the checks and tools)
- :mod:`ivr.flows.compiler`: validated models → plain slotted nodes for the interpreter
- :mod:`ivr.flows.nodes`: those nodes, one module per family (dialogue, customer, control, exits)
- :mod:`ivr.flows.interpreter`: the pure interpreter the journey drives
- :mod:`ivr.flows.catalog`: DNIS → flow, versions and hot reload
- :mod:`ivr.measures.menu_paths`, :mod:`ivr.flows.graph`, :mod:`ivr.tools.prompt_sounds`: around it
"""
