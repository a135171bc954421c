"""Helpers only plugins use (SOAP, HTTP failures, the send log, the storage they are lent).

Plugins reach them through `gateway.plugin_api`, never directly: that module
is the one promise the core makes to them.
"""
