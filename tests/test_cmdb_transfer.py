"""CSV export/import (round trip, idempotence, bad files), the command line, class attribute validation."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.utils import translation

from tests.conftest import World
from vigie.cmdb import services, transfer
from vigie.cmdb.classes import clean_attributes
from vigie.cmdb.models import CIClass, ConfigurationItem


@pytest.fixture(autouse=True)
def _english(settings: Any) -> Iterator[None]:
    """These tests read the English wording (the French one is checked by the catalog tests)."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def seed(world: World) -> None:
    services.create_item(
        by=world.admin,
        organization=world.client_a,
        name="SRV-COMPTA",
        ci_class=CIClass.SERVER,
        vendor="Dell",
        site=world.site_a,
        owner=world.tech_a,
        attributes={"cpu_cores": 8, "os": "Debian 12"},
        external_id="inv-1",
    )
    services.create_item(
        by=world.admin,
        organization=world.client_a,
        name="boulangerie-martin.fr",
        ci_class=CIClass.DOMAIN_NAME,
        attributes={"registrar": "OVH", "expires_on": "2027-03-01"},
    )
    services.create_item(
        by=world.admin,
        organization=world.client_a,
        name="Certificat web",
        ci_class=CIClass.TLS_CERTIFICATE,
        attributes={"hosts": ["www.martin.test", "martin.test"], "expires_on": "2026-12-31"},
        users=[world.requester_a],
    )


def test_round_trip_is_idempotent(world: World) -> None:
    seed(world)
    exported = transfer.export_csv(world.client_a).encode()
    before = {item.pk: (item.name, item.attributes, item.site_id, item.owner_id) for item in ConfigurationItem.objects.all()}
    report = transfer.import_csv(by=world.admin, organization=world.client_a, data=exported)
    assert report.ok and report.created == 0 and report.updated == 3
    after = {item.pk: (item.name, item.attributes, item.site_id, item.owner_id) for item in ConfigurationItem.objects.all()}
    assert after == before
    certificate = ConfigurationItem.objects.get(name="Certificat web")
    assert list(certificate.users.all()) == [world.requester_a]
    # Into another client, the same file creates the items (its people and sites are unknown there: refused).
    elsewhere = transfer.import_csv(by=world.admin, organization=world.client_b, data=exported)
    assert not elsewhere.ok and ConfigurationItem.objects.filter(organization=world.client_b).count() == 0


def test_dry_run_writes_nothing(world: World) -> None:
    data = b"name,ci_class,attr:registrar,attr:expires_on\nmartin.test,domain_name,Gandi,2026-05-01\n"
    report = transfer.import_csv(by=world.admin, organization=world.client_a, data=data, dry_run=True)
    assert report.ok and report.created == 1 and not report.written
    assert not ConfigurationItem.objects.exists()
    assert transfer.import_csv(by=world.admin, organization=world.client_a, data=data).created == 1
    assert ConfigurationItem.objects.get().attributes == {"registrar": "Gandi", "expires_on": "2026-05-01"}


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("name,ci_class\nSRV,server\n".encode("utf-16"), "not UTF-8"),
        (b"name,vendor\nSRV,Dell\n", "Missing column(s): ci_class"),
        (b"name,ci_class,colour_of_box\nSRV,server,red\n", "Unknown column(s): colour_of_box"),
    ],
)
def test_bad_files(world: World, data: bytes, expected: str) -> None:
    report = transfer.import_csv(by=world.admin, organization=world.client_a, data=data)
    assert not report.ok
    assert any(expected in message for message in report.file_errors)
    assert not ConfigurationItem.objects.exists()


def test_bad_lines_are_reported_and_nothing_is_written(world: World) -> None:
    data = (
        b"name,ci_class,purchase_date,attr:cpu_cores,owner\n"
        b"SRV1,server,2024-01-02,4,\n"
        b"SRV2,server,02/01/2024,4,\n"
        b"SRV3,server,,beaucoup,\n"
        b"SRV4,toaster,,,\n"
        b"SRV5,server,,,nobody@nowhere.test\n"
        b"SRV1,server,,,\n"
    )
    report = transfer.import_csv(by=world.admin, organization=world.client_a, data=data)
    lines = {error.line: " ".join(error.messages) for error in report.line_errors}
    assert set(lines) == {3, 4, 5, 6}
    assert "not a date" in lines[3]
    assert "whole number" in lines[4]
    assert "ci_class" in lines[5]
    assert "nobody@nowhere.test" in lines[6]
    assert not ConfigurationItem.objects.exists()  # all or nothing


def test_command_line(world: World, tmp_path) -> None:
    path = tmp_path / "cis.csv"
    path.write_text("name,ci_class,attr:operator,attr:bandwidth_mbps\nFibre,internet_link,Orange,1000\n", encoding="utf-8")
    out = io.StringIO()
    call_command("cmdb", "import", str(path), "--organization", world.client_a.slug, stdout=out)
    assert "1 configuration items created" in out.getvalue()
    exported = io.StringIO()
    call_command("cmdb", "export", "--organization", world.client_a.slug, stdout=exported)
    assert "Fibre,internet_link" in exported.getvalue()
    path.write_text("name,ci_class,attr:bandwidth_mbps\nFibre 2,internet_link,vite\n", encoding="utf-8")
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command(
            "cmdb", "import", str(path), "--organization", world.client_a.slug, stdout=io.StringIO(), stderr=io.StringIO()
        )
    with pytest.raises(CommandError):
        call_command("cmdb", "export", "--organization", "nulle-part")


def test_class_attribute_validation() -> None:
    cleaned, errors = clean_attributes(CIClass.SERVER, {"cpu_cores": "4", "ram_gb": 16, "os": " Windows Server 2022 "})
    assert cleaned == {"cpu_cores": 4, "ram_gb": 16, "os": "Windows Server 2022"} and not errors
    _cleaned, errors = clean_attributes(CIClass.SERVER, {"cpu_cores": True, "colour": "red"})
    assert set(errors) == {"cpu_cores", "colour"}
    _cleaned, errors = clean_attributes(CIClass.DOMAIN_NAME, {"registrar": "OVH"})
    assert set(errors) == {"expires_on"}  # required for a domain name
    _cleaned, errors = clean_attributes(CIClass.TLS_CERTIFICATE, {"expires_on": "31/12/2026"})
    assert set(errors) == {"expires_on"}
    assert clean_attributes(CIClass.LAPTOP, "not a dict")[1]


def test_service_refuses_bad_attributes_and_fields(world: World) -> None:
    with pytest.raises(ValidationError) as refused:
        services.create_item(
            by=world.admin, organization=world.client_a, name="X", ci_class=CIClass.SERVER, attributes={"cpu_cores": "x"}
        )
    assert "attributes" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        services.create_item(
            by=world.admin, organization=world.client_a, name="X", ci_class=CIClass.SERVER, hosting_country="France"
        )
    assert "hosting_country" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        services.create_item(
            by=world.admin, organization=world.client_a, name="X", ci_class=CIClass.SERVER, site=None, owner=world.requester_b
        )
    assert "owner" in refused.value.message_dict
    with pytest.raises(PermissionDenied):  # the provider has no CMDB of its own
        services.create_item(by=world.admin, organization=world.provider, name="X", ci_class=CIClass.SERVER)
    assert not ConfigurationItem.objects.exists()
