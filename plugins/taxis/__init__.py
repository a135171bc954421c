"""Tax-registry plugin (issue 3, in progress): ΚΑΔ look-up over AADE's RgWsPublic2.

Ready so far: the contract (contracts/taxis/RgWsPublic2.wsdl), the
fee-exemption rule (`rule.py`) and the error-code mapping (`codes.py`). The
hooks, connector and mock come next; until then no entry point names this
package, so it cannot be enabled.
"""
