"""What every SOAP plugin needs: a zeep async client from a local WSDL, over httpx, hardened.

The WSDL is read from `contracts/`, never fetched. zeep refuses DTDs, entities
and external references in answers. The HTTP status of the answer being read
is kept per task, because zeep's Fault does not carry it.
"""

from __future__ import annotations

import contextvars
from pathlib import Path
from typing import Any

import httpx
import zeep
from zeep.proxy import AsyncServiceProxy
from zeep.transports import AsyncTransport

HARDENED = zeep.Settings(
    strict=True, forbid_dtd=True, forbid_entities=True, forbid_external=True, xml_huge_tree=False
)

_last_status: contextvars.ContextVar[int | None] = contextvars.ContextVar(
    "soap_last_status", default=None
)


async def _remember_status(response: httpx.Response) -> None:
    _last_status.set(response.status_code)


def last_status() -> int | None:
    """The HTTP status of the last answer this task received (None before any)."""
    return _last_status.get()


class SoapService:
    """One backend's operations as awaitables: `soap.service.OperationName(**fields)`."""

    def __init__(
        self, wsdl: Path, binding: str, address: str, timeout: float, wsse: Any = None
    ) -> None:
        self.http = httpx.AsyncClient(timeout=timeout, event_hooks={"response": [_remember_status]})
        self._wsdl_http = httpx.Client()  # zeep insists on one; the WSDL is a local file
        self.client = zeep.AsyncClient(
            str(wsdl),
            transport=AsyncTransport(client=self.http, wsdl_client=self._wsdl_http),
            wsse=wsse,
            settings=HARDENED,
        )
        # AsyncClient.create_service would build the synchronous proxy; bind the async one to our endpoint
        self.service = AsyncServiceProxy(
            self.client, self.client.wsdl.bindings[binding], address=address
        )

    def reset_status(self) -> None:
        _last_status.set(None)

    async def aclose(self) -> None:
        await self.http.aclose()
        self._wsdl_http.close()
