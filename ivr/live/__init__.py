"""The live driver: Asterisk's calls through the journey engine, and the composition root of ``ivr serve``."""
