"""Plugins shipped with the gateway, one package per back-office system."""
