"""Municipal integration gateway: durable intake, routing and delivery of portal events."""

__version__ = "0.1.0"
