"""Graph checks across a set of flows, all problems at once (:func:`validator.check_flow_set`).

- every target names a node of the flow (with a close-match hint), every
  transfer or call names a flow, every calendar and queue exists
  (:mod:`.validator`, :mod:`.references`);
- every node is reachable from ``start``; no loop without caller input (a
  caller would be stuck hearing prompts); every node, and every menu in
  particular, has a way out: a normal path (not a failure or give-up exit) to a
  queue, a hang-up, a transfer, a callback, a voicemail or a sub-flow's return
  (:mod:`.shape`);
- a variable is read only where every path from ``start`` has set it
  (:mod:`.variables`);
- each DNIS starts one flow only (:mod:`.validator`); ``return`` only in
  sub-flows (no DNIS); custom prompts have a text for every language of the
  flows that play them (:mod:`.references`).
"""
