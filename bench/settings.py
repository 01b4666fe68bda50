"""Settings of ``make bench``: Vigie's own settings plus two bench-only pieces.

* ``bench.middleware.BenchInstrumentationMiddleware`` (outermost) adds a
  ``Server-Timing: app;dur=<ms>`` header and an ``X-Bench-Queries`` header with the
  number of SQL queries the request ran;
* ``bench.urls`` serves the whole application plus ``/bench/bare/`` (a tiny response
  through the same middleware stack: the framework's ceiling) and ``/bench/bare-api/``
  (the same through Django REST Framework with token authentication).

Production code has no bench route: these only exist under ``DJANGO_SETTINGS_MODULE=bench.settings``.
"""

from vigie.settings import *  # noqa: F403
from vigie.settings import MIDDLEWARE

ROOT_URLCONF = "bench.urls"
MIDDLEWARE = ["bench.middleware.BenchInstrumentationMiddleware", *MIDDLEWARE]
# Requests are logged by the bench client; keep the server's log to warnings.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
