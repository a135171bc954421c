"""Runnable mock backends, one per back-office system, on a shared base with fault injection."""
