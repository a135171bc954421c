"""What every SOAP plugin needs: a zeep async client from a local WSDL, over httpx, hardened.

The WSDL is read from `gateway/contracts/`, never fetched. zeep refuses DTDs, entities
and external references in answers. The HTTP status of the answer being read
is kept per task, because zeep's Fault does not carry it.

Answers are read leniently: an element the WSDL does not know is dropped
before zeep parses the answer, and logged once. A backend that adds a field
(AADE has) would otherwise fail every call: an outage caused by a schema
addition. Well-formedness, DTDs and entities stay strict.
"""

from __future__ import annotations

import contextvars
import logging
from pathlib import Path
from typing import Any

import httpx
import zeep
from lxml import etree
from zeep.proxy import AsyncServiceProxy
from zeep.transports import AsyncTransport

from gateway.plugin_kit.http_client import DEFAULT_MAX_ANSWER_BYTES, backend_client

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
    """One backend's operations as awaitables: `soap.service.OperationName(**fields)`.

    The binding is the WSDL's own (its first service's first port) unless one
    is named: the vendor's real WSDL, with its own service and port names,
    then drops into `gateway/contracts/` unchanged.
    """

    def __init__(
        self,
        wsdl: Path,
        address: str,
        timeout: float,
        wsse: Any = None,
        binding: str | None = None,
        logger: logging.Logger | None = None,
        max_answer_bytes: int = DEFAULT_MAX_ANSWER_BYTES,
    ) -> None:
        self.http = backend_client(
            timeout=timeout,
            max_answer_bytes=max_answer_bytes,
            event_hooks={"response": [_remember_status]},
        )
        self._wsdl_http = httpx.Client()  # zeep insists on one; the WSDL is a local file
        self.client = zeep.AsyncClient(
            str(wsdl),
            transport=AsyncTransport(client=self.http, wsdl_client=self._wsdl_http),
            wsse=wsse,
            settings=HARDENED,
            plugins=[UnknownElements(logger or logging.getLogger("gateway.soap"))],
        )
        # AsyncClient.create_service would build the synchronous proxy; bind the async one to our endpoint
        chosen = self.client.wsdl.bindings[binding] if binding else _first_binding(self.client)
        self.service = AsyncServiceProxy(self.client, chosen, address=address)

    def reset_status(self) -> None:
        _last_status.set(None)

    async def aclose(self) -> None:
        await self.http.aclose()
        self._wsdl_http.close()


def _first_binding(client: zeep.AsyncClient) -> Any:
    """The binding of the WSDL's first service's first port; ValueError when it declares none."""
    for service in client.wsdl.services.values():
        for port in service.ports.values():
            return port.binding
    raise ValueError("the WSDL declares no service with a port")


class UnknownElements(zeep.Plugin):
    """Drops from an answer every element its operation's schema does not name; logs each once.

    Nothing else changes: known elements keep their order and values, nils
    stay nils, and a Fault is left to zeep.
    """

    def __init__(self, logger: logging.Logger) -> None:
        self.logger = logger
        self.seen: set[str] = set()

    def ingress(self, envelope: Any, http_headers: Any, operation: Any) -> tuple[Any, Any]:
        output = getattr(getattr(operation, "output", None), "body", None)
        body = next((c for c in envelope if _local(c) == "Body"), None)
        if output is not None and body is not None:
            for answer in body:
                if _local(answer) == output.qname.localname:
                    self._prune(answer, output.type, output.qname.localname)
        return envelope, http_headers

    def _prune(self, node: Any, xsd_type: Any, path: str) -> None:
        try:
            elements = dict(xsd_type.elements)
        except (AttributeError, TypeError):
            return  # a simple type: its text is its value
        known = {element.qname.localname: element for element in elements.values()}
        for child in list(node):
            if not isinstance(child.tag, str):
                continue  # a comment or a processing instruction
            name = _local(child)
            element = known.get(name)
            if element is None:
                node.remove(child)
                where = f"{path}/{name}"
                if where not in self.seen:
                    self.seen.add(where)
                    self.logger.warning(
                        "the service's answer holds %s, which the WSDL does not name: ignored "
                        "(logged once; update gateway/contracts/ when the service documents it)",
                        where,
                    )
                continue
            self._prune(child, element.type, f"{path}/{name}")


def _local(node: Any) -> str:
    return etree.QName(node).localname if isinstance(node.tag, str) else ""
