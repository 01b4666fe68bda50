"""The CMDB bench (issue #4): impact analysis and the CI list on 100,000 CIs and 300,000 relations.

``.venv/bin/python -m bench.cmdb_bench`` (or ``run()`` from bench/run.py) uses its own
PostgreSQL database, ``vigie_bench_cmdb``, generated once with COPY and reused while its size
matches. Measured, in the same run:

* impact of one CI (p50/p95 over many CIs): the in-memory graph, the recursive SQL way, and a
  raw recursive query through psycopg (no ORM, ids only) as the baseline;
* through a real server (gunicorn, as the provider's administrator who sees every client): the
  CI list page, the list searched, one client's list, the impact API, beside a bare endpoint.

Writes bench/results/cmdb.json and cmdb.md.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from bench.database import conninfo_for, ensure_database

REPO = Path(__file__).resolve().parent.parent
DATABASE_URL = "postgres://postgres@127.0.0.1:5432/vigie_bench_cmdb"
CIS = 100_000
RELATIONS = 300_000
CLIENTS = 40
IMPACT_TARGET_MS = 100.0
LIST_TARGET_MS = 150.0
ADMIN_EMAIL = "bench.admin@cmdb.bench"
RAW_IMPACT = """
WITH RECURSIVE closure(id) AS (
  SELECT %(origin)s::bigint
  UNION
  SELECT r.source_id FROM cmdb_relation r JOIN closure c ON r.target_id = c.id
  WHERE r.kind IN ('depends_on', 'runs_on', 'hosted_on')
) SELECT id FROM closure
"""


def log(message: str) -> None:
    print(f"[cmdb-bench {datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def existing_size(conninfo: str) -> tuple[int, int]:
    import psycopg

    with psycopg.connect(conninfo) as conn:
        cis = conn.execute("SELECT count(*) FROM cmdb_configurationitem").fetchone()
        relations = conn.execute("SELECT count(*) FROM cmdb_relation").fetchone()
    return (cis[0] if cis else 0), (relations[0] if relations else 0)


# --------------------------------------------------------------------------- generation

VENDORS = ["Dell", "HPE", "Lenovo", "Cisco", "Fortinet", "Synology", "Microsoft", "Ubiquiti", "Brother", "Apple"]
APPS = ["ERP", "Paie", "CRM", "GED", "Messagerie", "Intranet", "Comptabilité", "Caisse", "Planning", "Extranet"]


def _copy(conn: Any, table: str, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
    with conn.cursor().copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def generate(conninfo: str, *, cis: int, relations: int, clients: int, seed: int = 7) -> dict[str, Any]:
    """Clients with realistic shapes: applications depending on databases and on each other,
    running on VMs (web farms in redundancy groups), VMs hosted on hosts (clusters in
    redundancy groups), laptops and printers connected to switches, backup jobs backing up
    VMs; business services supported by applications; a few cycles."""
    import psycopg

    from vigie.accounts.models import User
    from vigie.catalog.models import BusinessService
    from vigie.tenancy.models import Membership, Organization, OrganizationKind, Role

    started = time.monotonic()
    generator = random.Random(seed)
    with psycopg.connect(conninfo) as conn:
        conn.execute(
            "TRUNCATE cmdb_ticketconfigurationitem, cmdb_servicecomponent, cmdb_relation, cmdb_redundancygroup, "
            "cmdb_configurationitem_users, cmdb_configurationitem, catalog_businessservice, tenancy_membership "
            "RESTART IDENTITY CASCADE"
        )
        conn.execute("DELETE FROM accounts_user WHERE email LIKE '%%.bench'")
        conn.execute("DELETE FROM tenancy_organization WHERE slug LIKE 'bench-%%'")
    provider = Organization.objects.create(kind=OrganizationKind.PROVIDER, name="Bench provider", slug="bench-provider")
    admin = User.objects.create_user(email=ADMIN_EMAIL, password=None, first_name="Bench", last_name="Admin")
    Membership.objects.create(user=admin, organization=provider, role=Role.ADMIN)
    organizations = [Organization(name=f"Client {n:03d}", slug=f"bench-client-{n:03d}") for n in range(clients)]
    Organization.objects.bulk_create(organizations)
    users_by_org: dict[int, list[int]] = {}
    for organization in organizations:
        people = User.objects.bulk_create(
            [User(email=f"user{k}.{organization.slug}@cmdb.bench", password="!", first_name=f"User{k}") for k in range(20)]
        )
        Membership.objects.bulk_create([Membership(user=u, organization=organization, role=Role.REQUESTER) for u in people])
        users_by_org[organization.pk] = [u.pk for u in people]
    services_by_org: dict[int, list[int]] = {}
    for organization in organizations:
        created = BusinessService.objects.bulk_create(
            [
                BusinessService(
                    organization=organization, name=f"Service {k}", criticality=1 + k % 4, hourly_downtime_cost=100 * (k + 1)
                )
                for k in range(15)
            ]
        )
        services_by_org[organization.pk] = [s.pk for s in created]

    per_client = cis // clients
    relations_per_client = relations // clients
    now = datetime.now(UTC)
    ci_rows: list[tuple[Any, ...]] = []
    rel_rows: list[tuple[Any, ...]] = []
    group_rows: list[tuple[Any, ...]] = []
    component_rows: list[tuple[Any, ...]] = []
    user_rows: list[tuple[Any, ...]] = []
    next_ci = 1
    next_group = 1
    for organization in organizations:
        org = organization.pk
        mix = {
            "host": 0.04,
            "vm": 0.22,
            "database": 0.08,
            "application": 0.14,
            "network_device": 0.04,
            "internet_link": 0.01,
            "backup_job": 0.05,
            "printer": 0.02,
            "laptop": 0.25,
            "workstation": 0.10,
            "saas_subscription": 0.05,
        }
        ids: dict[str, list[int]] = {kind: [] for kind in mix}
        for kind, share in mix.items():
            for k in range(max(2, int(per_client * share))):
                ci_class = "server" if kind == "host" else ("virtual_machine" if kind == "vm" else kind)
                name = f"{kind.upper()[:3]}-{org}-{k:05d}" if kind != "application" else f"{APPS[k % len(APPS)]} {k}"
                vendor = VENDORS[generator.randrange(len(VENDORS))]
                serial = f"SN{generator.randrange(10**9):09d}"
                attributes = "{}" if kind != "backup_job" else json.dumps({"target": "NAS"})
                if kind == "internet_link":
                    attributes = json.dumps({"operator": "Orange", "bandwidth_mbps": 1000})
                ci_rows.append(
                    (
                        next_ci,
                        now,
                        now,
                        org,
                        name,
                        ci_class,
                        "in_production",
                        None,
                        None,
                        1 + generator.randrange(4),
                        serial,
                        vendor,
                        f"Model {k % 17}",
                        date(2020, 1, 1) + timedelta(days=k % 1500),
                        None,
                        None,
                        "internal",
                        "on_premises",
                        "",
                        "FR",
                        "EU",
                        attributes,
                        "",
                        "",
                        f"{name} {serial} {vendor} model {k % 17}".lower(),
                    )
                )
                ids[kind].append(next_ci)
                next_ci += 1
        edges: set[tuple[int, int, str]] = set()

        def add(
            source: int,
            target: int,
            kind: str,
            group: int | None = None,
            *,
            _edges: set[tuple[int, int, str]] = edges,
            _org: int = org,
        ) -> None:
            if source != target and (source, target, kind) not in _edges:
                _edges.add((source, target, kind))
                rel_rows.append((now, now, _org, source, target, kind, group, ""))

        def new_group(name: str, needed: int, *, _org: int = org) -> int:
            nonlocal next_group
            group_rows.append((next_group, now, now, _org, f"{name} {next_group}", needed, ""))
            next_group += 1
            return next_group - 1

        hosts = ids["host"]
        clusters = [hosts[i : i + 3] for i in range(0, len(hosts), 3)]
        cluster_groups = [new_group("Cluster", 1) for _ in clusters]
        for vm in ids["vm"]:
            index = generator.randrange(len(clusters))
            if len(clusters[index]) > 1 and generator.random() < 0.5:
                for host in clusters[index]:
                    add(vm, host, "hosted_on", cluster_groups[index])
            else:
                add(vm, generator.choice(hosts), "hosted_on")
        for database in ids["database"]:
            add(database, generator.choice(ids["vm"]), "runs_on")
        for application in ids["application"]:
            if generator.random() < 0.3:
                farm = new_group("Ferme", 1)
                for vm in generator.sample(ids["vm"], 2):
                    add(application, vm, "runs_on", farm)
            else:
                add(application, generator.choice(ids["vm"]), "runs_on")
            for database in generator.sample(ids["database"], generator.randint(1, 2)):
                add(application, database, "depends_on")
            if generator.random() < 0.3:
                add(application, generator.choice(ids["application"]), "depends_on")  # some cycles among applications
        links_group = new_group("Accès internet", 1)
        for switch in ids["network_device"]:
            for link in ids["internet_link"]:
                add(switch, link, "depends_on", links_group)
        for device in ids["laptop"] + ids["workstation"] + ids["printer"]:
            add(device, generator.choice(ids["network_device"]), "connected_to")
            if device in ids["laptop"] and generator.random() < 0.5:
                add(device, generator.choice(ids["saas_subscription"]), "depends_on")
        for job in ids["backup_job"]:
            for vm in generator.sample(ids["vm"], 3):
                add(job, vm, "backs_up")
        everything = [pk for kind in ids.values() for pk in kind]
        while len(edges) < relations_per_client:
            source, target = generator.sample(everything, 2)
            add(source, target, generator.choice(["depends_on", "connected_to", "depends_on", "runs_on"]))
        for service in services_by_org[org]:
            for application in generator.sample(ids["application"], 3):
                component_rows.append((now, now, org, service, application, None))
        people = users_by_org[org]
        for application in ids["application"]:
            for user in generator.sample(people, 5):
                user_rows.append((application, user))
        for laptop, user in zip(ids["laptop"], people * (len(ids["laptop"]) // len(people) + 1), strict=False):
            user_rows.append((laptop, user))

    ci_columns = [
        "id",
        "created_at",
        "updated_at",
        "organization_id",
        "name",
        "ci_class",
        "status",
        "owner_id",
        "site_id",
        "criticality",
        "serial_number",
        "vendor",
        "model",
        "purchase_date",
        "warranty_end",
        "end_of_support",
        "data_classification",
        "hosting",
        "hosting_provider",
        "hosting_country",
        "hosting_jurisdiction",
        "attributes",
        "description",
        "external_id",
        "search_text",
    ]
    with psycopg.connect(conninfo) as conn:
        _copy(conn, "cmdb_configurationitem", ci_columns, ci_rows)
        _copy(
            conn,
            "cmdb_redundancygroup",
            ["id", "created_at", "updated_at", "organization_id", "name", "minimum_up", "description"],
            group_rows,
        )
        _copy(
            conn,
            "cmdb_relation",
            [
                "created_at",
                "updated_at",
                "organization_id",
                "source_id",
                "target_id",
                "kind",
                "redundancy_group_id",
                "description",
            ],
            rel_rows,
        )
        _copy(
            conn,
            "cmdb_servicecomponent",
            ["created_at", "updated_at", "organization_id", "service_id", "configuration_item_id", "redundancy_group_id"],
            component_rows,
        )
        _copy(conn, "cmdb_configurationitem_users", ["configurationitem_id", "user_id"], user_rows)
        for table in ("cmdb_configurationitem", "cmdb_redundancygroup"):
            conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        conn.commit()
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE")
    return {
        "cis": len(ci_rows),
        "relations": len(rel_rows),
        "redundancy_groups": len(group_rows),
        "service_components": len(component_rows),
        "clients": clients,
        "seconds": round(time.monotonic() - started, 1),
    }


# --------------------------------------------------------------------------- measurements


def _stats(durations: list[float]) -> dict[str, float]:
    ordered = sorted(durations)
    return {
        "p50": round(statistics.median(ordered), 2),
        "p95": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 2),
        "max": round(ordered[-1], 2),
    }


def measure_impact(conninfo: str, *, samples: int, seed: int = 11) -> dict[str, Any]:
    """Impact of one CI, three ways, over the same sample of CIs (hosts, VMs, databases, switches, anything)."""
    import psycopg

    from vigie.cmdb import impact
    from vigie.cmdb.models import ConfigurationItem

    generator = random.Random(seed)
    interesting = list(
        ConfigurationItem.objects.filter(ci_class__in=["server", "virtual_machine", "database", "network_device"]).values_list(
            "pk", flat=True
        )
    )
    anything = list(ConfigurationItem.objects.values_list("pk", flat=True)[:: max(1, CIS // 5000)])
    origins = generator.sample(interesting, samples // 2) + generator.sample(anything, samples - samples // 2)
    items = {item.pk: item for item in ConfigurationItem.objects.filter(pk__in=origins)}
    results: dict[str, Any] = {}
    sizes: list[int] = []
    for method in (impact.MEMORY, impact.SQL):
        impact.analyse(items[origins[0]], method=method)
        durations = []
        for pk in origins:
            started = time.perf_counter()
            answer = impact.analyse(items[pk], method=method)
            durations.append((time.perf_counter() - started) * 1000)
            if method == impact.MEMORY:
                sizes.append(len(answer.items))
        results[method] = _stats(durations)
    durations = []
    with psycopg.connect(conninfo) as conn:
        conn.execute(RAW_IMPACT, {"origin": origins[0]}).fetchall()
        for pk in origins:
            started = time.perf_counter()
            conn.execute(RAW_IMPACT, {"origin": pk}).fetchall()
            durations.append((time.perf_counter() - started) * 1000)
    results["raw_sql"] = _stats(durations)
    results["samples"] = len(origins)
    results["impacted_cis"] = {"p50": statistics.median(sizes), "max": max(sizes)}
    for method in (impact.MEMORY, impact.SQL):
        results[method]["ratio_to_raw_p50"] = round(results[method]["p50"] / max(results["raw_sql"]["p50"], 0.01), 1)
        results[method]["met"] = results[method]["p95"] <= IMPACT_TARGET_MS
    results["default_method"] = impact.DEFAULT_METHOD
    return results


def _session_cookie() -> tuple[str, str]:
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    from vigie.accounts.models import User
    from vigie.accounts.services import issue_api_token

    admin = User.objects.get(email=ADMIN_EMAIL)
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(admin.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = admin.get_session_auth_hash()
    session.save()
    _token, raw = issue_api_token(admin, name="cmdb-bench")
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}", raw


def measure_server(environment: dict[str, str], *, requests: int, data_dir: Path) -> dict[str, Any]:
    from django.db import connections

    from bench import loadgen, processes
    from vigie.cmdb.models import ConfigurationItem
    from vigie.tenancy.models import Organization

    cookie, token = _session_cookie()
    client = Organization.objects.filter(slug="bench-client-007").values_list("pk", flat=True).first()
    hosts = list(ConfigurationItem.objects.filter(ci_class="server").values_list("pk", flat=True)[:200])
    connections.close_all()
    port = processes.free_port()
    env = processes.base_environment(environment)
    server = processes.web_server(env, port=port, workers=2, threads=2, log_dir=data_dir / "logs")
    page = {"Cookie": cookie}
    api = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    terms = ["dell", "sn12", "erp", "model 3", "lap-", "cisco"]
    scenarios: dict[str, Callable[[int], loadgen.Request]] = {
        "bare": lambda i: loadgen.Request("GET", "/bench/bare/", page),
        "list": lambda i: loadgen.Request("GET", f"/desk/cmdb/?page={1 + i % 20}", page),
        "list_client": lambda i: loadgen.Request(
            "GET", f"/desk/cmdb/?{urlencode({'client': client, 'ci_class': 'laptop'})}", page
        ),
        "search": lambda i: loadgen.Request("GET", f"/desk/cmdb/?{urlencode({'q': terms[i % len(terms)]})}", page),
        "api_list": lambda i: loadgen.Request(
            "GET", f"/api/v1/configuration-items/?{urlencode({'search': terms[i % len(terms)]})}", api
        ),
        "impact_api": lambda i: loadgen.Request("GET", f"/api/v1/configuration-items/{hosts[i % len(hosts)]}/impact/", api),
        "detail": lambda i: loadgen.Request("GET", f"/desk/cmdb/{hosts[i % len(hosts)]}/", page),
    }
    results: dict[str, Any] = {}
    try:
        server.start()
        processes.wait_until_ready(server, port)
        for name, make in scenarios.items():
            loadgen.run("127.0.0.1", port, make, concurrency=1, requests=10, seconds=60)
            samples, elapsed = loadgen.run("127.0.0.1", port, make, concurrency=1, requests=requests, seconds=180)
            summary = loadgen.summarize(samples, elapsed)
            results[name] = {
                "client_ms": summary["client_ms"],
                "server_ms": summary["server_ms"],
                "queries": summary["queries"],
                "ok": summary["ok"],
                "requests": summary["requests"],
            }
            target = (
                LIST_TARGET_MS
                if name in {"list", "list_client", "search", "api_list"}
                else IMPACT_TARGET_MS
                if name == "impact_api"
                else None
            )
            if target is not None:
                p95 = summary["client_ms"]["p95"]
                results[name]["target_ms"] = target
                results[name]["met"] = p95 is not None and p95 <= target and summary["ok"] == summary["requests"]
            log(
                f"{name}: p50 {summary['client_ms']['p50']} ms, p95 {summary['client_ms']['p95']} ms, ok {summary['ok']}/{summary['requests']}"
            )
    finally:
        server.stop()
    return results


def write(results: dict[str, Any], output_dir: Path) -> tuple[Path, Path]:
    output_dir.mkdir(parents=True, exist_ok=True)
    json_path = output_dir / "cmdb.json"
    json_path.write_text(json.dumps(results, indent=2, default=str) + "\n")
    lines = [
        "# CMDB bench",
        "",
        f"Run {results['at']} on {results['dataset']['cis']:,} CIs and {results['dataset']['relations']:,} relations "
        f"({results['dataset']['clients']} clients), PostgreSQL {results.get('postgres', '?')}.",
        "",
        "## Impact of one CI (in process, ms)",
        "",
        "| way | p50 | p95 | max | × raw p50 | target p95 ≤ 100 ms |",
        "|---|---|---|---|---|---|",
    ]
    impact_results = results["impact"]
    for key, label in (
        ("memory", "in-memory graph"),
        ("sql", "recursive SQL (ORM + fixed point)"),
        ("raw_sql", "raw recursive query (psycopg, ids only)"),
    ):
        row = impact_results[key]
        lines.append(
            f"| {label} | {row['p50']} | {row['p95']} | {row['max']} | {row.get('ratio_to_raw_p50', '1.0')} | {'met' if row.get('met') else ('—' if key == 'raw_sql' else 'NOT met')} |"
        )
    lines += [
        "",
        f"{impact_results['samples']} origins; impacted CIs per origin: median {impact_results['impacted_cis']['p50']}, max {impact_results['impacted_cis']['max']}. Default way: `{impact_results['default_method']}`.",
        "",
    ]
    if results.get("server"):
        lines += [
            "## Through the server (gunicorn 2×2, one client at a time, ms)",
            "",
            "| request | p50 | p95 | server p50 | queries | target |",
            "|---|---|---|---|---|---|",
        ]
        for name, row in results["server"].items():
            queries = row["queries"]["distinct"] if row.get("queries") else "—"
            target = (
                f"≤ {row['target_ms']:.0f} ms: {'met' if row['met'] else 'NOT met'}"
                if "target_ms" in row
                else "baseline"
                if name == "bare"
                else ""
            )
            lines.append(
                f"| {name} | {row['client_ms']['p50']} | {row['client_ms']['p95']} | {row['server_ms']['p50']} | {queries} | {target} |"
            )
    md_path = output_dir / "cmdb.md"
    md_path.write_text("\n".join(lines) + "\n")
    return json_path, md_path


def run(
    *,
    database_url: str = DATABASE_URL,
    cis: int = CIS,
    relations: int = RELATIONS,
    clients: int = CLIENTS,
    samples: int = 300,
    requests: int = 100,
    regenerate: bool = False,
    server: bool = True,
    output_dir: Path | None = None,
) -> dict[str, Any]:
    """Generate (once) and measure; returns the results (also written to bench/results/cmdb.*)."""
    data_dir = REPO / "var" / "bench-cmdb"
    data_dir.mkdir(parents=True, exist_ok=True)
    environment = {
        "VIGIE_DATABASE_URL": database_url,
        "VIGIE_DATA_DIR": str(data_dir),
        "VIGIE_DEBUG": "false",
        "VIGIE_LANGUAGE": "en",
        "VIGIE_ALLOWED_HOSTS": "127.0.0.1,localhost",
    }
    for key in [k for k in os.environ if k.startswith("VIGIE_") and not k.startswith("VIGIE_BENCH_")]:
        del os.environ[key]
    os.environ.update(environment)
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    ensure_database(database_url, log)
    conninfo = conninfo_for(database_url)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    present = existing_size(conninfo)
    if regenerate or present[0] < cis * 0.95 or present[1] < relations * 0.95:
        log(f"generating {cis:,} CIs and {relations:,} relations over {clients} clients")
        dataset = generate(conninfo, cis=cis, relations=relations, clients=clients)
        log(f"generated in {dataset['seconds']} s")
    else:
        dataset = {"cis": present[0], "relations": present[1], "clients": clients, "reused": True}
        log(f"reusing {present[0]:,} CIs and {present[1]:,} relations")
    import psycopg

    with psycopg.connect(conninfo) as conn:
        row = conn.execute("SHOW server_version").fetchone()
    results: dict[str, Any] = {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "dataset": dataset,
        "postgres": row[0] if row else "?",
    }
    log("measuring impact")
    results["impact"] = measure_impact(conninfo, samples=samples)
    log(
        f"impact: memory p95 {results['impact']['memory']['p95']} ms, sql p95 {results['impact']['sql']['p95']} ms, raw p95 {results['impact']['raw_sql']['p95']} ms"
    )
    if server:
        results["server"] = measure_server(environment, requests=requests, data_dir=data_dir)
    json_path, md_path = write(results, output_dir or REPO / "bench" / "results")
    log(f"written {json_path.relative_to(REPO)} and {md_path.relative_to(REPO)}")
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--database-url", default=os.environ.get("VIGIE_BENCH_CMDB_DATABASE_URL", DATABASE_URL))
    parser.add_argument("--cis", type=int, default=CIS)
    parser.add_argument("--relations", type=int, default=RELATIONS)
    parser.add_argument("--clients", type=int, default=CLIENTS)
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--regenerate", action="store_true")
    parser.add_argument("--no-server", action="store_true", help="only the in-process impact measurements")
    args = parser.parse_args(argv)
    run(
        database_url=args.database_url,
        cis=args.cis,
        relations=args.relations,
        clients=args.clients,
        samples=args.samples,
        requests=args.requests,
        regenerate=args.regenerate,
        server=not args.no_server,
    )


if __name__ == "__main__":
    main()
