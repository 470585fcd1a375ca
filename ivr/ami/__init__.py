"""Talking to Asterisk: the sans-IO codec, the supervised connection, and a fake Asterisk for tests."""
