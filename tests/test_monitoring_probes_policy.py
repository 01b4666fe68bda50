"""The probe policy (SSRF protection), validation of probe checks, and the policy's page and API."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from tests.conftest import World
from tests.test_api_support import api_as
from tests.test_monitoring_probes import job, run
from tests.test_monitoring_probes_support import Server
from vigie.monitoring import checks
from vigie.monitoring.models import ProbePolicy
from vigie.monitoring.probes import services
from vigie.monitoring.probes.policy import AddressPolicy, PolicyRefused, parse_networks, resolve_checked
from vigie.monitoring.probes.validation import validate_probe


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


REFUSED_BY_DEFAULT = [
    "127.0.0.1",
    "127.8.9.10",
    "10.1.2.3",
    "172.16.0.1",
    "192.168.1.1",
    "100.64.0.1",  # carrier-grade NAT
    "169.254.169.254",  # cloud metadata
    "169.254.10.1",
    "224.0.0.1",
    "240.0.0.1",
    "0.0.0.0",
    "255.255.255.255",
    "::1",
    "::",
    "fe80::1",
    "fc00::1",
    "ff02::1",
    "::ffff:127.0.0.1",  # IPv4-mapped loopback
    "::ffff:169.254.169.254",
    "::ffff:10.0.0.1",
    "::127.0.0.1",  # IPv4-compatible
    "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
    "2002:7f00:1::1",  # 6to4 of 127.0.0.1
    "2002:0a00:0001::1",  # 6to4 of 10.0.0.1
    "fe80::1%eth0",
    "not an address",
]


@pytest.mark.parametrize("address", REFUSED_BY_DEFAULT)
def test_default_policy_refuses_non_public_addresses(address: str) -> None:
    assert not AddressPolicy().allows(address)


@pytest.mark.parametrize("address", ["8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "::ffff:8.8.8.8"])
def test_default_policy_allows_public_addresses(address: str) -> None:
    assert AddressPolicy().allows(address)


def test_allowed_networks_and_public_switch() -> None:
    policy = AddressPolicy(
        tuple(parse_networks("10.20.0.0/16\n# the office\n192.168.1.0/24\n169.254.0.0/16")), allow_public=False
    )
    assert policy.allows("10.20.3.4")
    assert policy.allows("::ffff:10.20.3.4")
    assert policy.allows("192.168.1.200")
    assert not policy.allows("10.21.0.1")
    assert not policy.allows("8.8.8.8")
    assert policy.allows("169.254.1.1")
    assert not policy.allows("169.254.169.254")  # the metadata address stays refused whatever the networks
    assert not policy.allows("127.0.0.1")


def test_every_resolved_address_is_checked() -> None:
    # "localhost" resolves to loopback: refused without a policy allowing it, by name as by address.
    with pytest.raises(PolicyRefused):
        asyncio.run(resolve_checked("localhost", 80, AddressPolicy()))
    only_v4 = AddressPolicy(tuple(parse_networks("127.0.0.0/8")), False)
    addresses = asyncio.run(resolve_checked("localhost", 80, AddressPolicy(tuple(parse_networks("127.0.0.0/8\n::1/128")), False)))
    assert "127.0.0.1" in addresses
    if "::1" in addresses:  # a name with one refused address is refused as a whole
        with pytest.raises(PolicyRefused):
            asyncio.run(resolve_checked("localhost", 80, only_v4))


@pytest.fixture(scope="module")
def web() -> Iterator[Server]:
    server = Server()
    yield server
    server.close()


def test_loopback_refused_without_policy_and_never_connected(web: Server) -> None:
    from tests.test_monitoring_probes_support import Handler

    before = Handler.requests
    for kind, target, port in [
        ("http", f"{web.url}/ok", None),
        ("tcp", "127.0.0.1", web.port),
        ("tls", "localhost", web.port),
        ("icmp", "127.0.0.1", None),
    ]:
        outcome = run(job(kind, target, port, policy=AddressPolicy()))
        assert not outcome.ok
        assert outcome.message.endswith("not allowed by the client's probe policy."), outcome.message
        assert outcome.latency_ms is None
    assert Handler.requests == before


def test_loopback_allowed_by_the_client_policy(web: Server) -> None:
    policy = AddressPolicy(tuple(parse_networks("127.0.0.0/8")), True)
    assert run(job("http", f"{web.url}/ok", policy=policy)).ok
    assert run(job("tcp", "127.0.0.1", web.port, policy=policy)).ok


def test_redirect_to_a_refused_address_is_refused(web: Server) -> None:
    from tests.test_monitoring_probes_support import Handler

    policy = AddressPolicy(tuple(parse_networks("127.0.0.1/32")), False)
    for target in (f"http://127.0.0.2:{web.port}/ok", "http://169.254.169.254/latest/meta-data/", "http://[::ffff:10.0.0.1]/"):
        before = Handler.requests
        outcome = run(job("http", f"{web.url}/redirect?to={target}", policy=policy))
        assert not outcome.ok
        assert "not allowed by the client's probe policy" in outcome.message
        assert Handler.requests == before + 1  # the first hop only
    # The same redirect inside the allowed network is followed.
    assert run(job("http", f"{web.url}/redirect?to={web.url}/ok", policy=policy)).ok


# -- validation -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "fields", "field"),
    [
        ("http", {"target": "ftp://example.com/"}, "target"),
        ("http", {"target": "file:///etc/passwd"}, "target"),
        ("http", {"target": "gopher://example.com"}, "target"),
        ("http", {"target": "http://"}, "target"),
        ("http", {"target": "http://example.com:70000/"}, "target"),
        ("http", {"target": "https://example.com", "options": {"expected_status": [200, 700]}}, "options"),
        ("http", {"target": "https://example.com", "options": {"keyword": 12}}, "options"),
        ("http", {"target": "https://example.com", "options": {"follow_redirect": True}}, "options"),
        ("http", {"target": "https://example.com", "options": ["keyword"]}, "options"),
        ("http", {"target": "https://example.com", "options": {"max_latency_ms": -1}}, "options"),
        ("tcp", {"target": "db.example.com", "port": None}, "port"),
        ("tcp", {"target": "db.example.com", "port": 0}, "port"),
        ("tcp", {"target": "db.example.com", "port": 65536}, "port"),
        ("tcp", {"target": "db example com", "port": 22}, "target"),
        ("tcp", {"target": "", "port": 22}, "target"),
        ("icmp", {"target": "example.com:22"}, "target"),
        ("icmp", {"target": "example.com", "options": {"count": 50}}, "options"),
        ("tls", {"target": "example.com", "options": {"warning_days": "soon"}}, "options"),
        ("dns", {"target": "not a domain"}, "target"),
        ("dns", {"target": "example.com", "options": {"record_type": "SRV"}}, "options"),
        ("dns", {"target": "example.com", "options": {"nameserver": "dns.example.com"}}, "options"),
        ("domain", {"target": "localhost"}, "target"),
        ("http", {"target": "https://example.com", "interval_seconds": 0}, "interval_seconds"),
        ("http", {"target": "https://example.com", "timeout_seconds": 120}, "timeout_seconds"),
        ("http", {"target": "https://example.com", "retries": 11}, "retries"),
        ("http", {"target": "https://example.com", "port": 8080}, "port"),
    ],
)
def test_validation_names_the_field(kind: str, fields: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as raised:
        validate_probe(kind, fields)
    assert list(raised.value.message_dict) == [field]


def test_validation_cleans_good_values() -> None:
    cleaned = validate_probe(
        "dns",
        {"target": "Example.COM.", "options": {"record_type": "mx", "expected": [" 10 mail.example.com "]}, "timeout_seconds": 5},
    )
    assert cleaned == {
        "target": "example.com",
        "options": {"record_type": "MX", "expected": ["10 mail.example.com"]},
        "timeout_seconds": 5.0,
    }
    assert validate_probe("tcp", {"target": "db.example.com:5432", "port": None})["target"] == "db.example.com:5432"
    assert (
        validate_probe("http", {"target": "https://[2001:db8::1]:8443/health"})["target"] == "https://[2001:db8::1]:8443/health"
    )


def test_validation_messages_are_localised() -> None:
    with translation.override("fr"), pytest.raises(ValidationError) as raised:
        validate_probe("tcp", {"target": "db.example.com", "port": 70000})
    message = raised.value.message_dict["port"][0]
    assert message == translation.gettext("The port must be a number from 1 to 65535.") or "port" in message


@pytest.mark.django_db
def test_create_check_validates_probe(world: World) -> None:
    with pytest.raises(ValidationError) as raised:
        checks.create_check(by=world.admin, organization=world.client_a, kind="http", name="Site", target="javascript:alert(1)")
    assert "target" in raised.value.message_dict
    with pytest.raises(ValidationError) as raised:
        checks.create_check(by=world.admin, organization=world.client_a, kind="tcp", name="SSH", target="srv.example.com")
    assert "port" in raised.value.message_dict
    check = checks.create_check(
        by=world.admin,
        organization=world.client_a,
        kind="http",
        name="Site",
        target="https://example.com",
        options={"keyword": "Bienvenue"},
    )
    assert check.next_run_at is not None and check.options == {"keyword": "Bienvenue"}


# -- the staff page and the API -------------------------------------------------------------------------


@pytest.mark.django_db
def test_policy_page_for_staff_serving_the_client(world: World, login: Any) -> None:
    url = reverse("monitoring:probe_policy", args=[world.client_a.pk])
    client = login(world.tech_a)
    page = client.get(url)
    assert page.status_code == 200
    saved = client.post(url, {"allowed_networks": "10.20.0.0/16\n192.168.1.7", "allow_public": "on"})
    assert saved.status_code == 302
    policy = ProbePolicy.objects.get(organization=world.client_a)
    assert policy.allowed_networks == "10.20.0.0/16\n192.168.1.7/32" and policy.allow_public
    refused = client.post(url, {"allowed_networks": "10.20.0.0/16\nlocalhost"})
    assert refused.status_code == 422
    assert "Ligne 2" in refused.content.decode()
    assert ProbePolicy.objects.get(organization=world.client_a).allowed_networks == "10.20.0.0/16\n192.168.1.7/32"


@pytest.mark.django_db
def test_policy_page_is_a_404_for_others(world: World, login: Any) -> None:
    url = reverse("monitoring:probe_policy", args=[world.client_a.pk])
    for user in (world.tech_b, world.manager_a, world.requester_a, world.manager_b):
        assert login(user).get(url).status_code == 404
        assert login(user).post(url, {"allowed_networks": "0.0.0.0/1"}).status_code == 404
    assert not ProbePolicy.objects.exists()


@pytest.mark.django_db
def test_policy_api(world: World) -> None:
    api = api_as(world.tech_a)
    created = api.post(
        "/api/v1/probe-policies/", {"organization": world.client_a.pk, "allowed_networks": "10.0.0.0/8"}, format="json"
    )
    assert created.status_code == 201, created.content
    policy_id = created.json()["id"]
    assert created.json()["allow_public"] is True
    changed = api.patch(f"/api/v1/probe-policies/{policy_id}/", {"allow_public": False}, format="json")
    assert changed.status_code == 200 and changed.json()["allowed_networks"] == "10.0.0.0/8"
    bad = api.patch(f"/api/v1/probe-policies/{policy_id}/", {"allowed_networks": "10.0.0.0/33"}, format="json")
    assert bad.status_code == 400 and "allowed_networks" in bad.content.decode()
    assert api.get("/api/v1/probe-policies/").json()["count"] == 1
    for outsider in (world.tech_b, world.manager_a, world.manager_b):
        other = api_as(outsider)
        assert other.get(f"/api/v1/probe-policies/{policy_id}/").status_code == 404
        assert other.patch(f"/api/v1/probe-policies/{policy_id}/", {"allow_public": True}, format="json").status_code == 404
        assert other.get("/api/v1/probe-policies/").json()["count"] == 0
        assert other.post("/api/v1/probe-policies/", {"organization": world.client_a.pk}, format="json").status_code == 400
    assert ProbePolicy.objects.get().allow_public is False


def test_services_refuse_a_network_of_everything() -> None:
    with pytest.raises(ValidationError):
        services.clean_networks("0.0.0.0/0")
    assert services.clean_networks("10.0.0.1/8\n\n10.0.0.0/8 # dup") == "10.0.0.0/8"


@pytest.mark.django_db
def test_the_demo_probes_pass_their_own_validation(world: World) -> None:
    from django.utils import timezone

    from vigie.monitoring.demo import load_demo
    from vigie.monitoring.models import PROBE_KINDS, Check

    load_demo(timezone.now())
    probes = Check.objects.filter(kind__in=PROBE_KINDS)
    assert {check.kind for check in probes} >= {"http", "tcp", "tls", "dns", "domain"}
    for check in probes:
        fields = {"target": check.target, "options": check.options}
        if check.port is not None:
            fields["port"] = check.port
        validate_probe(check.kind, fields)
