"""Apply a machine's inventory to its configuration item.

``apply_inventory`` finds the CI (the agent's own, else the same serial number, else the same
host name within the client), creates it on the first report, updates the CI's record and the
``MachineInventory`` row, replaces the installed software and keeps an ``InventorySnapshot`` of
what changed — nothing when nothing changed. The caller's transaction covers all of it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from vigie.cmdb.classes import CLASS_ATTRIBUTES
from vigie.cmdb.models import CIClass, ConfigurationItem
from vigie.monitoring.agents.facts import FactsError, clean_facts, parse_day, parse_moment
from vigie.monitoring.models import Agent, InstalledSoftware, InventorySnapshot, MachineInventory
from vigie.tenancy.models import Organization

MACHINE_CLASSES = (CIClass.SERVER, CIClass.VIRTUAL_MACHINE, CIClass.WORKSTATION, CIClass.LAPTOP)
# Serial numbers that firmware ships unset: never a way to recognise a machine.
JUNK_SERIALS = {
    "",
    "0",
    "none",
    "n/a",
    "na",
    "to be filled by o.e.m.",
    "default string",
    "system serial number",
    "not specified",
    "not applicable",
    "123456789",
    "0123456789",
    "serial",
}
# The facts whose change is worth a line in the machine's history (free space, boot time and
# pending update counts change all the time: they are state, kept in the inventory row only).
TRACKED_FIELDS = (
    "hostname",
    "vendor",
    "model",
    "serial_number",
    "bios_version",
    "bios_date",
    "cpu",
    "cpu_cores",
    "memory_bytes",
    "os_name",
    "os_version",
    "kernel",
    "os_installed_on",
    "updates_applied_at",
    "antivirus",
    "antivirus_enabled",
    "disks",
)
MAX_LISTED = 200


def usable_serial(serial: str) -> bool:
    return serial.strip().lower() not in JUNK_SERIALS


def guess_class(facts: dict[str, Any]) -> str:
    """Laptop by its chassis, virtual machine when virtualised, server by chassis or OS edition,
    workstation for a desktop; a Linux machine that says nothing is taken for a server."""
    chassis = facts.get("chassis", "")
    system = facts.get("os") or {}
    name = (system.get("name") or "").lower()
    if chassis == "laptop":
        return CIClass.LAPTOP
    if facts.get("virtualization"):
        return CIClass.VIRTUAL_MACHINE
    if chassis == "server" or system.get("server") or "server" in name:
        return CIClass.SERVER
    if chassis == "desktop" or "windows" in name or "mac" in name:
        return CIClass.WORKSTATION
    return CIClass.SERVER


def tracked_view(data: dict[str, Any]) -> dict[str, Any]:
    """The tracked facts of an inventory, flattened for comparison."""
    system = data.get("os") or {}
    antivirus = data.get("antivirus") or {}
    updates = data.get("updates") or {}
    return {
        "hostname": data.get("hostname") or "",
        "vendor": data.get("vendor") or "",
        "model": data.get("model") or "",
        "serial_number": data.get("serial_number") or "",
        "bios_version": data.get("bios_version") or "",
        "bios_date": data.get("bios_date"),
        "cpu": data.get("cpu") or "",
        "cpu_cores": data.get("cpu_cores"),
        "memory_bytes": data.get("memory_bytes"),
        "os_name": system.get("name") or "",
        "os_version": system.get("version") or "",
        "kernel": system.get("kernel") or "",
        "os_installed_on": system.get("installed_on"),
        "updates_applied_at": updates.get("last_applied_at"),
        "antivirus": antivirus.get("name") or "",
        "antivirus_enabled": antivirus.get("enabled"),
        "disks": {disk["mount"]: disk.get("total_bytes") for disk in data.get("disks") or []},
    }


def _find_item(organization: Organization, facts: dict[str, Any], agent: Agent | None) -> ConfigurationItem | None:
    if agent is not None and agent.configuration_item_id is not None:
        item = ConfigurationItem.objects.select_for_update().filter(pk=agent.configuration_item_id).first()
        if item is not None:
            return item
    machines = ConfigurationItem.objects.select_for_update().filter(organization=organization, ci_class__in=MACHINE_CLASSES)
    serial = facts.get("serial_number", "")
    if serial and usable_serial(serial):
        item = machines.filter(serial_number__iexact=serial).order_by("pk").first()
        if item is not None:
            return item
    hostname = facts.get("hostname", "")
    if hostname:
        return machines.filter(name__iexact=hostname).order_by("pk").first()
    return None


def _class_attributes(item: ConfigurationItem, facts: dict[str, Any]) -> dict[str, Any]:
    known = {attribute.name for attribute in CLASS_ATTRIBUTES.get(item.ci_class, ())}
    attributes = dict(item.attributes or {})
    system = facts.get("os") or {}
    values: dict[str, Any] = {"os": " ".join(part for part in (system.get("name"), system.get("version")) if part)[:300]}
    if facts.get("cpu_cores"):
        values["cpu_cores"] = facts["cpu_cores"]
    if facts.get("memory_bytes"):
        values["ram_gb"] = max(1, round(facts["memory_bytes"] / 1024**3))
    addresses = facts.get("ip_addresses") or []
    if addresses:
        values["ip_address"] = addresses[0]
    for name, value in values.items():
        if name in known and value:
            attributes[name] = value
    return attributes


def _update_item(item: ConfigurationItem, facts: dict[str, Any]) -> None:
    changed = False
    serial = facts.get("serial_number", "")
    record = {
        "serial_number": serial if usable_serial(serial) else "",
        "vendor": facts.get("vendor", ""),
        "model": facts.get("model", ""),
    }
    for name, value in record.items():
        if value and getattr(item, name) != value:
            setattr(item, name, value[:100])
            changed = True
    attributes = _class_attributes(item, facts)
    if attributes != item.attributes:
        item.attributes = attributes
        changed = True
    if changed or item.pk is None:
        item.search_text = item.compute_search_text()
        item.save()


def _software_changes(before: dict[str, set[str]], after: dict[str, set[str]]) -> dict[str, Any]:
    added = [{"name": name, "version": ", ".join(sorted(after[name]))} for name in sorted(set(after) - set(before))]
    removed = [{"name": name, "version": ", ".join(sorted(before[name]))} for name in sorted(set(before) - set(after))]
    upgraded = [
        {"name": name, "before": ", ".join(sorted(before[name])), "after": ", ".join(sorted(after[name]))}
        for name in sorted(set(before) & set(after))
        if before[name] != after[name]
    ]
    changes: dict[str, Any] = {}
    for key, entries in (("added", added), ("removed", removed), ("upgraded", upgraded)):
        if entries:
            changes[key] = entries[:MAX_LISTED]
            if len(entries) > MAX_LISTED:
                changes[f"{key}_more"] = len(entries) - MAX_LISTED
    return changes


def _replace_software(item: ConfigurationItem, software: list[dict[str, Any]]) -> dict[str, Any]:
    """Make the CI's software list the reported one; returns the changes (empty if none)."""
    rows = list(InstalledSoftware.objects.filter(configuration_item=item))
    current = {(row.name, row.version): row for row in rows}
    wanted = {(entry["name"][:300], entry["version"][:100]): entry for entry in software}
    before: dict[str, set[str]] = {}
    for name, version in current:
        before.setdefault(name, set()).add(version)
    after: dict[str, set[str]] = {}
    for name, version in wanted:
        after.setdefault(name, set()).add(version)
    gone = [row.pk for key, row in current.items() if key not in wanted]
    if gone:
        InstalledSoftware.objects.filter(pk__in=gone).delete()
    InstalledSoftware.objects.bulk_create(
        [
            InstalledSoftware(
                configuration_item=item,
                name=name,
                version=version,
                publisher=entry.get("publisher", "")[:200],
                installed_on=parse_day(entry.get("installed_on"), "installed_on"),
            )
            for (name, version), entry in wanted.items()
            if (name, version) not in current
        ],
        batch_size=500,
    )
    return _software_changes(before, after)


def _inventory_columns(data: dict[str, Any]) -> dict[str, Any]:
    system = data.get("os") or {}
    updates = data.get("updates") or {}
    antivirus = data.get("antivirus") or {}
    smart = data.get("smart")
    return {
        "os_name": (system.get("name") or "")[:200],
        "os_version": (system.get("version") or "")[:100],
        "os_installed_on": parse_day(system.get("installed_on"), "os.installed_on"),
        "booted_at": parse_moment(data.get("booted_at"), "booted_at"),
        "bios_date": parse_day(data.get("bios_date"), "bios_date"),
        "cpu": (data.get("cpu") or "")[:200],
        "cpu_cores": min(data["cpu_cores"], 32767) if data.get("cpu_cores") else None,
        "memory_bytes": data.get("memory_bytes"),
        "pending_updates": updates.get("pending"),
        "security_updates": updates.get("security"),
        "updates_applied_at": parse_moment(updates.get("last_applied_at"), "updates.last_applied_at"),
        "antivirus_name": (antivirus.get("name") or "")[:200],
        "antivirus_enabled": antivirus.get("enabled"),
        "antivirus_signatures_at": parse_moment(antivirus.get("signatures_at"), "antivirus.signatures_at"),
        "disks_healthy": None if not smart else all(disk["passed"] for disk in smart),
    }


def apply_inventory(
    organization: Organization, facts: dict[str, Any], *, source: str, at: datetime, agent: Agent | None = None
) -> ConfigurationItem:
    """Apply ``facts`` (see ``vigie.monitoring.agents.facts``) to the client's matching CI."""
    cleaned = clean_facts(facts)
    software = cleaned.pop("software", None)
    with transaction.atomic():
        item = _find_item(organization, cleaned, agent)
        if item is None:
            hostname = cleaned.get("hostname") or (agent.hostname if agent else "")
            if not hostname:
                raise FactsError(_("hostname is required."))
            item = ConfigurationItem(organization=organization, name=hostname[:200], ci_class=guess_class(cleaned))
        _update_item(item, cleaned)
        if agent is not None and agent.configuration_item_id != item.pk:
            Agent.objects.filter(configuration_item=item).exclude(pk=agent.pk).update(configuration_item=None)
            agent.configuration_item = item
            agent.save(update_fields=["configuration_item", "updated_at"])

        inventory = MachineInventory.objects.select_for_update().filter(configuration_item=item).first()
        first = inventory is None
        previous: dict[str, Any] = {} if inventory is None else dict(inventory.data)
        data = {**previous, **cleaned}
        changes: dict[str, Any] = {}
        if first:
            changes["first_inventory"] = True
        else:
            before, after = tracked_view(previous), tracked_view(data)
            changes.update(
                {name: {"before": before[name], "after": after[name]} for name in TRACKED_FIELDS if before[name] != after[name]}
            )
        columns = _inventory_columns(data)
        if inventory is None:
            inventory = MachineInventory(configuration_item=item, source=source, collected_at=at, data=data, **columns)
        else:
            inventory.source, inventory.collected_at, inventory.data = source, at, data
            for name, value in columns.items():
                setattr(inventory, name, value)
        inventory.save()
        if software is not None:
            software_changes = _replace_software(item, software)
            if first:
                changes["software_count"] = len(software)
            elif software_changes:
                changes["software"] = software_changes
        if changes:
            InventorySnapshot.objects.create(configuration_item=item, at=at, source=source, changes=changes)
    return item
