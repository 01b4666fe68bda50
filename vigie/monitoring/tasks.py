"""Huey discovers this module: it imports each supervision area's tasks."""
