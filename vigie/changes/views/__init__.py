"""Views of change management: staff pages, the calendar and its feed, the client's approvals."""
