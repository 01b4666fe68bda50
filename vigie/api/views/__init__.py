"""Viewsets of the REST API v1, one module per resource family."""
