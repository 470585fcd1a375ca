"""Outbound work: the pure rules of who may be called, when, and how often.

- :mod:`ivr.outbound.policy`: the contact policy, checked at the moment of
  dialing (``ContactRules.check``): do-not-call, opt-out, consent, campaign
  dates, retries, quiet hours, holidays and frequency caps.
- :mod:`ivr.outbound.hours`: calling hours in the customer's local time.
- :mod:`ivr.outbound.retries`: a campaign's retry rules over a customer's attempts.

Pure like the routing core: no I/O, the time from an injected clock.
"""
