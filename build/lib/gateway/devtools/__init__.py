"""Tools around the gateway, never imported by `gateway serve`: the demo, the portal's client,
an in-process runner and free ports, for the demo, the tests and the benchmarks.
"""
