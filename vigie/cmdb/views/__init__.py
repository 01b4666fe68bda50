"""Configuration management in the staff interface (``/desk/cmdb/``)."""
