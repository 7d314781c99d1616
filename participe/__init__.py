"""Participe for the people who extend it: the public API's list and the test kit."""
