"""Each probe kind against real servers on loopback (no database: the probes themselves)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation

from tests.test_monitoring_probes_support import DnsServer, Handler, Server, TlsServers, closed_port, tls_servers
from vigie.monitoring.probes.base import Outcome, ProbeJob
from vigie.monitoring.probes.policy import AddressPolicy, parse_networks
from vigie.monitoring.probes.runner import ProbeResources, run_probe

LOOPBACK = AddressPolicy(tuple(parse_networks("127.0.0.0/8\n::1/128")), True)


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture(scope="module")
def web() -> Iterator[Server]:
    server = Server()
    yield server
    server.close()


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TlsServers]:
    servers = tls_servers(tmp_path_factory.mktemp("certificates"))
    yield servers
    for server in servers.all():
        server.close()


@pytest.fixture
def trusted_ca(settings: Any, tls: TlsServers) -> Path:
    settings.VIGIE_PROBE_CA_FILE = str(tls.ca_file)
    return tls.ca_file


def job(
    kind: str, target: str, port: int | None = None, policy: AddressPolicy = LOOPBACK, timeout: float = 3, **options: Any
) -> ProbeJob:
    return ProbeJob(
        check_id=1,
        organization_id=1,
        kind=kind,
        name="check",
        target=target,
        port=port,
        options=options,
        timeout=timeout,
        interval=60,
        retries=0,
        severity="critical",
        scheduled_at=datetime.now(UTC),
        claim="test",
        policy=policy,
    )


def run(probe_job: ProbeJob) -> Outcome:
    async def go() -> Outcome:
        resources = ProbeResources()
        try:
            return await run_probe(probe_job, resources)
        finally:
            await resources.aclose()

    return asyncio.run(go())


# -- HTTP -------------------------------------------------------------------------------------------


def test_http_ok_with_keyword_and_latency(web: Server) -> None:
    outcome = run(job("http", f"{web.url}/ok", keyword="tout va bien", keyword_absent="Fatal error"))
    assert outcome.ok, outcome.message
    assert outcome.details["status"] == 200
    assert outcome.details["addresses"] == ["127.0.0.1"]
    assert outcome.latency_ms is not None and outcome.latency_ms > 0


def test_http_unexpected_status(web: Server) -> None:
    outcome = run(job("http", f"{web.url}/status/503"))
    assert not outcome.ok
    assert outcome.message == "Unexpected status 503."
    assert run(job("http", f"{web.url}/status/503", expected_status=[503])).ok
    assert not run(job("http", f"{web.url}/ok", expected_status=[204])).ok


def test_http_keyword_missing_or_forbidden_word_present(web: Server) -> None:
    missing = run(job("http", f"{web.url}/ok", keyword="Commande validée"))
    assert not missing.ok and "not found" in missing.message
    present = run(job("http", f"{web.url}/error-page", keyword_absent="Fatal error"))
    assert not present.ok and present.message == "Keyword “Fatal error” found."


def test_http_latency_threshold(web: Server) -> None:
    slow = run(job("http", f"{web.url}/slow?ms=300", max_latency_ms=100))
    assert not slow.ok
    assert slow.message.startswith("Too slow")
    assert slow.latency_ms is not None and slow.latency_ms >= 300
    assert run(job("http", f"{web.url}/slow?ms=10", max_latency_ms=5000)).ok


def test_http_timeout(web: Server) -> None:
    outcome = run(job("http", f"{web.url}/slow?ms=2000", timeout=0.3))
    assert not outcome.ok
    assert outcome.message == "No answer within the time limit."


def test_http_redirects_followed_limited_or_not(web: Server) -> None:
    followed = run(job("http", f"{web.url}/chain/2"))
    assert followed.ok
    assert followed.details["redirects"] == [f"{web.url}/chain/1", f"{web.url}/chain/0", f"{web.url}/ok"]
    too_many = run(job("http", f"{web.url}/chain/5", max_redirects=2))
    assert not too_many.ok and too_many.message == "More than 2 redirects."
    not_followed = run(job("http", f"{web.url}/chain/1", follow_redirects=False, expected_status=[302]))
    assert not_followed.ok and not_followed.details["status"] == 302
    assert not run(job("http", f"{web.url}/chain/1", follow_redirects=False, expected_status=[200])).ok


def test_http_connection_refused() -> None:
    outcome = run(job("http", f"http://127.0.0.1:{closed_port()}/"))
    assert not outcome.ok
    assert outcome.message.startswith("Connection failed")


def test_https_verified_against_the_ca_and_verification_can_be_turned_off(tls: TlsServers, trusted_ca: Path) -> None:
    assert run(job("http", f"https://localhost:{tls.valid.port}/ok", keyword="Vigie")).ok
    refused = run(job("http", f"https://localhost:{tls.self_signed.port}/ok"))
    assert not refused.ok and "certificate" in refused.message.lower()
    assert not run(job("http", f"https://localhost:{tls.wrong_host.port}/ok")).ok
    assert run(job("http", f"https://localhost:{tls.self_signed.port}/ok", verify_tls=False)).ok


# -- TCP and ICMP -----------------------------------------------------------------------------------


def test_tcp_open_and_closed_port(web: Server) -> None:
    opened = run(job("tcp", "127.0.0.1", web.port))
    assert opened.ok and opened.message == f"Port {web.port} open."
    assert run(job("tcp", f"127.0.0.1:{web.port}")).ok
    closed = run(job("tcp", "127.0.0.1", closed_port()))
    assert not closed.ok and closed.message == "Connection refused."


def test_tcp_by_name_resolves_and_checks_every_address(web: Server) -> None:
    outcome = run(job("tcp", "localhost", web.port))
    assert outcome.ok
    assert outcome.details["address"] in {"127.0.0.1", "::1"}


def test_icmp_ping_loopback() -> None:
    outcome = run(job("icmp", "127.0.0.1", count=3))
    assert outcome.ok, outcome.message
    assert outcome.details == {"address": "127.0.0.1", "sent": 3, "lost": 0}
    assert outcome.latency_ms is not None and outcome.latency_ms < 1000


def test_icmp_no_answer_is_a_failure() -> None:
    # 203.0.113.0/24 (TEST-NET-3) is reserved for documentation: nothing answers from it.
    policy = AddressPolicy(tuple(parse_networks("203.0.113.0/24")), False)
    outcome = run(job("icmp", "203.0.113.5", policy=policy, timeout=0.3))
    assert not outcome.ok
    assert outcome.message == "No answer to ping from 203.0.113.5." or "unreachable" in outcome.message


# -- TLS ----------------------------------------------------------------------------------------------


def test_tls_valid_certificate_details(tls: TlsServers, trusted_ca: Path) -> None:
    outcome = run(job("tls", "localhost", tls.valid.port))
    assert outcome.ok, outcome.message
    details = outcome.details
    assert details["valid"] is True
    assert details["subject"] == "localhost"
    assert details["issuer"] == "Vigie Test CA"
    assert 198 <= details["days_left"] <= 200
    assert datetime.fromisoformat(details["not_after"]) > datetime.now(UTC) + timedelta(days=198)


def test_tls_expiring_soon_is_a_warning(tls: TlsServers, trusted_ca: Path) -> None:
    outcome = run(job("tls", "localhost", tls.expiring.port, warning_days=14))
    assert not outcome.ok
    assert outcome.severity == "warning"
    assert outcome.details["days_left"] == 5
    assert outcome.message.startswith("The certificate expires in 5 days")
    assert run(job("tls", "localhost", tls.expiring.port, warning_days=3)).ok


def test_tls_expired_wrong_host_self_signed(tls: TlsServers, trusted_ca: Path) -> None:
    expired = run(job("tls", "localhost", tls.expired.port))
    assert not expired.ok and expired.severity is None
    assert expired.message == "The certificate has expired."
    assert expired.details["valid"] is False and expired.details["subject"] == "localhost"
    wrong = run(job("tls", "localhost", tls.wrong_host.port))
    assert not wrong.ok and wrong.message == "The certificate does not match the host name."
    assert wrong.details["subject"] == "other.example"
    self_signed = run(job("tls", "localhost", tls.self_signed.port))
    assert not self_signed.ok
    assert self_signed.message == "The certificate is self-signed (not issued by a trusted authority)."


def test_tls_untrusted_without_the_ca(settings: Any, tls: TlsServers) -> None:
    settings.VIGIE_PROBE_CA_FILE = ""
    outcome = run(job("tls", "localhost", tls.valid.port))
    assert not outcome.ok
    assert "trusted authority" in outcome.message


# -- DNS ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def dns_server() -> Iterator[DnsServer]:
    server = DnsServer(
        {
            ("example.test", "A"): ["192.0.2.10", "192.0.2.11"],
            ("example.test", "MX"): ["10 mail.example.test.", "20 backup.example.test."],
            ("example.test", "TXT"): ['"v=spf1 include:_spf.example.test -all"'],
            ("example.test", "NS"): ["ns1.example.test."],
            ("www.example.test", "CNAME"): ["example.test."],
            ("v6.example.test", "AAAA"): ["2001:db8::1"],
        }
    )
    yield server
    server.close()


def test_dns_records_hold_expected_values(dns_server: DnsServer) -> None:
    ns = dns_server.address
    a = run(job("dns", "example.test", nameserver=ns, record_type="A", expected=["192.0.2.10"]))
    assert a.ok, a.message
    assert a.details["records"] == ["192.0.2.10", "192.0.2.11"]
    assert run(job("dns", "example.test", nameserver=ns, record_type="MX", expected=["10 mail.example.test"])).ok
    assert run(
        job("dns", "example.test", nameserver=ns, record_type="TXT", expected=["v=spf1 include:_spf.example.test -all"])
    ).ok
    assert run(job("dns", "www.example.test", nameserver=ns, record_type="CNAME", expected=["example.test."])).ok
    assert run(job("dns", "example.test", nameserver=ns, record_type="NS", expected=["NS1.example.test"])).ok
    assert run(job("dns", "v6.example.test", nameserver=ns, record_type="AAAA", expected=["2001:db8::1"])).ok


def test_dns_missing_value_missing_type_unknown_name(dns_server: DnsServer) -> None:
    ns = dns_server.address
    missing = run(job("dns", "example.test", nameserver=ns, record_type="A", expected=["192.0.2.99"]))
    assert not missing.ok and missing.message == "Expected A records missing: 192.0.2.99."
    no_type = run(job("dns", "v6.example.test", nameserver=ns, record_type="A"))
    assert not no_type.ok and no_type.message == "v6.example.test has no A record."
    unknown = run(job("dns", "nowhere.example.test", nameserver=ns))
    assert not unknown.ok and unknown.message == "The name nowhere.example.test does not exist."


def test_dns_settings_nameserver_and_policy_on_a_check_nameserver(settings: Any, dns_server: DnsServer) -> None:
    settings.VIGIE_PROBE_NAMESERVER = dns_server.address
    assert run(job("dns", "example.test", record_type="A", policy=AddressPolicy())).ok
    # A client's own nameserver is an address it makes the probe reach: the policy applies.
    refused = run(job("dns", "example.test", nameserver=dns_server.address, policy=AddressPolicy()))
    assert not refused.ok and refused.message == "Address 127.0.0.1 not allowed by the client's probe policy."


def test_dns_server_silent_is_a_timeout() -> None:
    outcome = run(job("dns", "example.test", nameserver=f"127.0.0.1:{closed_port()}", timeout=0.5))
    assert not outcome.ok


# -- domain (RDAP) -------------------------------------------------------------------------------------


def _rdap(expires: datetime) -> dict[str, Any]:
    return {
        "objectClassName": "domain",
        "ldhName": "EXAMPLE.FR",
        "events": [
            {"eventAction": "registration", "eventDate": "2004-05-17T00:00:00Z"},
            {"eventAction": "expiration", "eventDate": expires.strftime("%Y-%m-%dT%H:%M:%SZ")},
        ],
        "entities": [
            {"roles": ["registrar"], "vcardArray": ["vcard", [["version", {}, "text", "4.0"], ["fn", {}, "text", "Gandi SAS"]]]}
        ],
    }


def test_domain_expiry_from_rdap(settings: Any, web: Server) -> None:
    settings.VIGIE_RDAP_BASE_URL = f"{web.url}/"
    now = datetime.now(UTC)
    Handler.rdap = {
        "example.fr": _rdap(now + timedelta(days=200, hours=1)),
        "soon.fr": _rdap(now + timedelta(days=10, hours=1)),
        "gone.fr": _rdap(now - timedelta(days=2)),
    }
    fine = run(job("domain", "example.fr"))
    assert fine.ok, fine.message
    assert fine.details["days_left"] == 200 and fine.details["registrar"] == "Gandi SAS"
    soon = run(job("domain", "soon.fr", warning_days=30))
    assert not soon.ok and soon.severity == "warning" and soon.details["days_left"] == 10
    gone = run(job("domain", "gone.fr"))
    assert not gone.ok and gone.severity is None and gone.message.startswith("The domain expired on")
    unknown = run(job("domain", "unknown.fr"))
    assert not unknown.ok and unknown.message == "The domain unknown.fr is not registered."
