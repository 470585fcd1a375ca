"""ivr: an IVR and call-centre routing engine beside Asterisk, with a simulator that drives it."""

__version__ = "0.1.0"
