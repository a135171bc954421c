from gateway.config import Route
from gateway.router import Router


def test_routes_add_plugins_in_order_once_and_skip_disabled() -> None:
    router = Router(
        [
            Route(type="request.submitted", plugins=["protocol"]),
            Route(
                type="request.submitted",
                match={"request_type": "fee_exemption"},
                plugins=["taxis", "protocol"],
            ),
            Route(type="request.submitted", plugins=["off"]),
            Route(type="payment.completed", plugins=["genesis"]),
        ],
        enabled=["protocol", "taxis", "genesis"],
    )
    assert router.plugins_for("request.submitted", {"request_type": "fee_exemption"}) == [
        "protocol",
        "taxis",
    ]
    assert router.plugins_for("request.submitted", {"request_type": "everyday_report"}) == [
        "protocol"
    ]
    assert router.plugins_for("request.submitted", {}) == ["protocol"]
    assert router.plugins_for("payment.failed", {}) == []
