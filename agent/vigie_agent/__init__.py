"""vigie-agent: inventory, health and metrics of a machine, reported to a Vigie server."""

__version__ = "0.1.0"
