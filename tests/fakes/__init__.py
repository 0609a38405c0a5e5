"""Fakes of external executables, for testing storagectl's boundaries for real."""
