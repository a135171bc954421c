import asyncio

from gateway.store import Store
from gateway.store.cache import Cache


async def test_put_get_expire_forget_and_namespaces(store: Store) -> None:
    taxis, other = Cache(store, "taxis"), Cache(store, "genesis")
    assert await taxis.get("090165560") is None
    await taxis.put("090165560", {"name": "ΚΑΦΕΝΕΙΟ"}, 60)
    assert await taxis.get("090165560") == {"name": "ΚΑΦΕΝΕΙΟ"}
    assert await other.get("090165560") is None
    await taxis.put("090165560", {"name": "new"}, 60)
    assert await taxis.get("090165560") == {"name": "new"}
    await taxis.put("short", {"x": 1}, 0.05)
    await asyncio.sleep(0.1)
    assert await taxis.get("short") is None
    await taxis.forget("090165560")
    assert await taxis.get("090165560") is None
