from django.contrib import admin

from vigie.monitoring.models import AlertPolicy, MaintenanceWindow, ProbePolicy

admin.site.register(AlertPolicy)
admin.site.register(ProbePolicy)
admin.site.register(MaintenanceWindow)
