"""Staff pages of service levels (``/desk/sla/``): the overview per client, the calendar and
policy editors and their htmx pieces. Administrators (and service owners, for policies) change;
technicians read."""
