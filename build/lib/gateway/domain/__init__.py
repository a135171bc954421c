"""Check-digit rules of Greek identifiers; pure functions, no I/O."""
