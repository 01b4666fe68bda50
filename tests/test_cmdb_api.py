"""The CMDB API: CRUD with class attributes, filters and search, relations, impact, import, deletion."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from tests.conftest import World
from tests.test_api_support import api_as
from vigie.cmdb import services
from vigie.cmdb.models import CIClass, ConfigurationItem, Relation

ITEMS = "/api/v1/configuration-items/"


def test_create_read_update_and_errors(world: World) -> None:
    api = api_as(world.tech_a)
    created = api.post(
        ITEMS,
        {"organization": world.client_a.pk, "name": "SRV01", "ci_class": "server", "attributes": {"cpu_cores": 4}},
        format="json",
    )
    assert created.status_code == 201, created.json()
    assert created.json()["attributes"] == {"cpu_cores": 4}
    bad = api.post(
        ITEMS,
        {"organization": world.client_a.pk, "name": "SRV02", "ci_class": "server", "attributes": {"cpu_cores": "lots"}},
        format="json",
    )
    assert bad.status_code == 400 and "attributes" in bad.json()["error"]["fields"]
    typo = api.post(
        ITEMS, {"organization": world.client_a.pk, "name": "SRV03", "ci_class": "server", "colour": "red"}, format="json"
    )
    assert typo.status_code == 400 and "colour" in typo.json()["error"]["fields"]
    foreign = api.post(ITEMS, {"organization": world.client_b.pk, "name": "SRV04", "ci_class": "server"}, format="json")
    assert foreign.status_code == 400 and "organization" in foreign.json()["error"]["fields"]
    pk = created.json()["id"]
    changed = api.patch(f"{ITEMS}{pk}/", {"status": "in_maintenance"}, format="json")
    assert changed.status_code == 200 and changed.json()["status"] == "in_maintenance"
    assert ConfigurationItem.objects.count() == 1


def test_filters_search_and_visibility(world: World) -> None:
    services.create_item(by=world.admin, organization=world.client_a, name="SRV-Dell", ci_class=CIClass.SERVER, vendor="Dell")
    laptop = services.create_item(
        by=world.admin, organization=world.client_a, name="PC-Rose", ci_class=CIClass.LAPTOP, users=[world.requester_a]
    )
    services.create_item(by=world.admin, organization=world.client_b, name="SRV-B", ci_class=CIClass.SERVER)
    names = lambda response: sorted(row["name"] for row in response.json()["results"])  # noqa: E731
    assert names(api_as(world.tech_a).get(ITEMS)) == ["PC-Rose", "SRV-Dell"]
    assert names(api_as(world.tech_a).get(ITEMS, {"search": "dell"})) == ["SRV-Dell"]
    assert names(api_as(world.tech_a).get(ITEMS, {"ci_class": "laptop"})) == ["PC-Rose"]
    assert names(api_as(world.manager_a).get(ITEMS)) == ["PC-Rose", "SRV-Dell"]
    assert names(api_as(world.requester_a).get(ITEMS)) == ["PC-Rose"]
    assert names(api_as(world.requester_a2).get(ITEMS)) == []
    # A requester reads the laptop they use but cannot change it.
    assert api_as(world.requester_a).patch(f"{ITEMS}{laptop.pk}/", {"name": "X"}, format="json").status_code == 403
    assert api_as(world.manager_a).delete(f"{ITEMS}{laptop.pk}/").status_code == 403


def test_relations_impact_and_deletion(world: World) -> None:
    host = services.create_item(by=world.admin, organization=world.client_a, name="ESX01", ci_class=CIClass.SERVER)
    vm = services.create_item(by=world.admin, organization=world.client_a, name="VM01", ci_class=CIClass.VIRTUAL_MACHINE)
    other = services.create_item(by=world.admin, organization=world.client_b, name="SRV-B", ci_class=CIClass.SERVER)
    api = api_as(world.admin)
    created = api.post("/api/v1/relations/", {"source": vm.pk, "target": host.pk, "kind": "hosted_on"}, format="json")
    assert created.status_code == 201, created.json()
    cross = api.post("/api/v1/relations/", {"source": vm.pk, "target": other.pk, "kind": "depends_on"}, format="json")
    assert cross.status_code == 400 and "target" in cross.json()["error"]["fields"]
    self_relation = api.post("/api/v1/relations/", {"source": vm.pk, "target": vm.pk, "kind": "depends_on"}, format="json")
    assert self_relation.status_code == 400
    impact = api.get(f"{ITEMS}{host.pk}/impact/").json()
    assert [row["name"] for row in impact["items"]] == ["VM01"] and impact["items"][0]["path"] == [host.pk, vm.pk]
    refused = api.delete(f"{ITEMS}{host.pk}/")
    assert refused.status_code == 400 and ConfigurationItem.objects.filter(pk=host.pk).exists()
    assert api.delete(f"{ITEMS}{host.pk}/?confirm=true").status_code == 204
    assert not Relation.objects.exists()


def test_import_and_export(world: World) -> None:
    api = api_as(world.tech_a)
    upload = SimpleUploadedFile(
        "cis.csv", b"name,ci_class,vendor\nSRV01,server,HPE\nSRV02,server,Dell\n", content_type="text/csv"
    )
    dry = api.post(f"{ITEMS}import/", {"organization": world.client_a.pk, "file": upload, "dry_run": True}, format="multipart")
    assert dry.status_code == 200 and dry.json()["created"] == 2 and not ConfigurationItem.objects.exists()
    upload = SimpleUploadedFile("cis.csv", b"name,ci_class,purchase_date\nSRV01,server,hier\n", content_type="text/csv")
    bad = api.post(f"{ITEMS}import/", {"organization": world.client_a.pk, "file": upload}, format="multipart")
    assert bad.status_code == 400 and bad.json()["line_errors"][0]["line"] == 2
    upload = SimpleUploadedFile("cis.csv", b"name,ci_class\nSRV01,server\n", content_type="text/csv")
    assert api.post(f"{ITEMS}import/", {"organization": world.client_b.pk, "file": upload}, format="multipart").status_code == 400
    services.create_item(by=world.admin, organization=world.client_a, name="SRV09", ci_class=CIClass.SERVER)
    exported = api.get(f"{ITEMS}export/{world.client_a.slug}/")
    assert exported.status_code == 200 and b"SRV09,server" in exported.content
    assert api.get(f"{ITEMS}export/{world.client_b.slug}/").status_code == 404
