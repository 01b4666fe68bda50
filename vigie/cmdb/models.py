"""Configuration items of each client, their relations and impact analysis."""
