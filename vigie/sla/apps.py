from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SlaConfig(AppConfig):
    name = "vigie.sla"
    label = "sla"
    verbose_name = _("Service levels")

    def ready(self) -> None:
        # The worker discovers ``tasks`` modules only: register the recomputation tasks too.
        from vigie.sla import config_tasks  # noqa: F401
