"""Import of ticket history from another tool's CSV export (ServiceNow, GLPI, Zammad, …).

- ``mapping``: the YAML mapping (which column holds which field, value maps, date formats);
- ``reader``: decoding the file and reading its rows with their line numbers;
- ``rows``: one row → one ticket's values, or the reasons it is rejected;
- ``service``: ``import_tickets(...)``, the two phases (check everything, then write by batches).

The command is ``vigie import tickets`` and the API ``POST /api/v1/imports/``; docs/import.md
is the user documentation.
"""

from vigie.servicedesk.importing.service import ImportInterrupted, import_tickets

# Largest file the API accepts (the command has no limit): 100,000 rows of a typical export
# weigh 20 to 40 MB.
MAX_IMPORT_BYTES = 64 * 1024 * 1024

__all__ = ["MAX_IMPORT_BYTES", "ImportInterrupted", "import_tickets"]
