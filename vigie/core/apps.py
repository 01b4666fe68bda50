from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "vigie.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from vigie.core import crypto, signals

        crypto.register_checks()

        signals.connect()
