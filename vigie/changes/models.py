"""Requests for change: assessment, CAB approval, schedule, implementation and review."""
