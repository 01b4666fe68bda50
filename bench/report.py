"""The results of a bench run: ``latest.json`` (everything) and ``latest.md`` (the table)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

RESULTS_DIR = Path(__file__).resolve().parent / "results"


def _ms(value: Any) -> str:
    return "–" if value is None else f"{value:.1f}"


def _queries(summary: dict[str, Any]) -> str:
    queries = summary.get("queries")
    if not queries:
        return "–"
    if queries["min"] == queries["max"]:
        return f"{queries['min']} (constant)"
    return f"{queries['min']}–{queries['max']}"


def _verdict(met: bool | None) -> str:
    return "–" if met is None else ("yes" if met else "**no**")


def markdown(results: dict[str, Any]) -> str:
    dataset = results["dataset"]
    server = results["server"]
    lines = [
        f"# Vigie bench — {results['finished_at']}",
        "",
        f"Dataset: {dataset['tickets']:,} tickets, {dataset['comments']:,} comments, {dataset['events']:,} timeline events, "
        f"{dataset['clients']} client companies, PostgreSQL {results['machine']['postgresql']}. "
        f"Server: gunicorn {server['workers']} workers × {server['threads']} threads, worker queue on {server['queue']}, "
        f"{results['machine']['cpus']} CPUs shared with PostgreSQL and the load client.",
        f"Pages: {results['client']['requests']} requests each at concurrency {results['client']['concurrency']}, "
        f"as technician `{dataset['technician_email']}` (sees {results['fixtures']['visible_tickets']:,} tickets).",
        "",
        "| Request | server p50 ms | server p95 ms | server p99 ms | client p95 ms | queries/request | bare view p95 ms | × bare | target | met |",
        "|---|---:|---:|---:|---:|---|---:|---:|---|---|",
    ]
    for scenario in results["scenarios"].values():
        summary = scenario.get("summary")
        if summary is None:
            lines.append(
                f"| {scenario['label']} | – | – | – | – | – | – | – | {scenario.get('target_text', '–')} | {scenario.get('note', 'not run')} |"
            )
            continue
        server_ms = summary["server_ms"]
        baseline = results["baselines"].get(scenario["baseline"], {})
        baseline_p95 = baseline.get("server_ms", {}).get("p95")
        lines.append(
            f"| {scenario['label']} | {_ms(server_ms['p50'])} | {_ms(server_ms['p95'])} | {_ms(server_ms['p99'])} | "
            f"{_ms(summary['client_ms']['p95'])} | {_queries(summary)} | {_ms(baseline_p95)} | "
            f"{scenario['ratio']:.1f} | {scenario.get('target_text', '–')} | {_verdict(scenario.get('met'))} |"
            if scenario.get("ratio") is not None
            else f"| {scenario['label']} | {_ms(server_ms['p50'])} | {_ms(server_ms['p95'])} | {_ms(server_ms['p99'])} | "
            f"{_ms(summary['client_ms']['p95'])} | {_queries(summary)} | {_ms(baseline_p95)} | – | "
            f"{scenario.get('target_text', '–')} | {_verdict(scenario.get('met'))} |"
        )
    throughput = results.get("throughput", {})
    if throughput:
        lines += [
            "",
            "| Throughput (16 concurrent clients) | per second | server p95 ms | client p95 ms | queries/request | errors | share of bare ceiling | target | met |",
            "|---|---:|---:|---:|---|---:|---:|---|---|",
        ]
        for item in throughput.values():
            summary = item.get("summary")
            if summary is None:
                lines.append(
                    f"| {item['label']} | – | – | – | – | – | – | {item.get('target_text', '–')} | {item.get('note', 'not run')} |"
                )
                continue
            errors = summary["requests"] - summary["ok"]
            share = "–" if item.get("share") is None else f"{item['share'] * 100:.0f} %"
            lines.append(
                f"| {item['label']} | {summary['throughput_per_s']:.0f} | {_ms(summary['server_ms']['p95'])} | "
                f"{_ms(summary['client_ms']['p95'])} | {_queries(summary)} | {errors} | {share} | "
                f"{item.get('target_text', '–')} | {_verdict(item.get('met'))} |"
            )
    service_levels = results.get("service_levels", {})
    if service_levels:
        lines += [
            "",
            "| Service levels (as the provider admin) | measured | raw SQL, same figure | × raw SQL | queries | target | met |",
            "|---|---:|---:|---:|---|---|---|",
        ]
        for item in service_levels.values():
            summary = item.get("summary")
            if "seconds" in item:
                lines.append(
                    f"| {item['label']} | {item['seconds']:.1f} s | {item['raw_sql_seconds']:.2f} s | "
                    f"{item['ratio'] if item.get('ratio') is not None else '–'} | – | {item['target_text']} | {_verdict(item.get('met'))} |"
                )
            elif summary is None:
                lines.append(
                    f"| {item['label']} | – | – | – | – | {item.get('target_text', '–')} | {item.get('note', 'not run')} |"
                )
            else:
                lines.append(
                    f"| {item['label']} | p95 {_ms(summary['server_ms']['p95'])} ms | p95 {_ms(item['raw_sql_ms']['p95'])} ms | "
                    f"{item['ratio'] if item.get('ratio') is not None else '–'} | {_queries(summary)} | {item['target_text']} | "
                    f"{_verdict(item.get('met'))} |"
                )
    cmdb = results.get("cmdb")
    if cmdb and "impact" in cmdb:
        dataset = cmdb["dataset"]
        lines += [
            "",
            f"| CMDB ({dataset['cis']:,} CIs, {dataset['relations']:,} relations) | p50 ms | p95 ms | target | met |",
            "|---|---:|---:|---|---|",
        ]
        for key, label in (
            ("sql", "impact of one CI, recursive SQL"),
            ("memory", "impact of one CI, in-memory graph"),
            ("raw_sql", "raw recursive query (baseline)"),
        ):
            row = cmdb["impact"][key]
            target = "p95 ≤ 100 ms" if key != "raw_sql" else "–"
            lines.append(
                f"| {label} | {row['p50']} | {row['p95']} | {target} | {_verdict(row.get('met')) if key != 'raw_sql' else '–'} |"
            )
        for name, row in (cmdb.get("server") or {}).items():
            target = f"p95 ≤ {row['target_ms']:.0f} ms" if "target_ms" in row else ("baseline" if name == "bare" else "–")
            lines.append(
                f"| {name} (server) | {row['client_ms']['p50']} | {row['client_ms']['p95']} | {target} | {_verdict(row.get('met')) if 'target_ms' in row else '–'} |"
            )
    elif cmdb:
        lines += ["", f"CMDB bench: {cmdb.get('error', 'no figures')}."]
    lines += supervision_tables(results)
    memory = results.get("memory", {})
    if memory:
        workers = ", ".join(f"{value:.0f}" for value in memory.get("web_workers_mib", []))
        lines += [
            "",
            f"Resident memory after the run: web {memory.get('web_total_mib', 0):.0f} MiB in total "
            f"(master {memory.get('web_master_mib') or 0:.0f} MiB, workers {workers} MiB); "
            f"background worker {memory['worker_mib'] if memory.get('worker_mib') is not None else '–'} MiB.",
        ]
    notes = results.get("notes", [])
    if notes:
        lines += ["", *[f"- {note}" for note in notes]]
    return "\n".join(lines) + "\n"


def write(results: dict[str, Any], directory: Path, stem: str) -> tuple[Path, Path, str]:
    directory.mkdir(parents=True, exist_ok=True)
    json_path = directory / f"{stem}.json"
    md_path = directory / f"{stem}.md"
    json_path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    table = markdown(results)
    md_path.write_text(table, encoding="utf-8")
    return json_path, md_path, table


# Supervision benches: each writes its own short Markdown table beside its JSON figures.
SUPERVISION_BENCHES = ("heartbeat", "probe", "alert_intake", "metrics")


def supervision_tables(results: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    for name in SUPERVISION_BENCHES:
        entry = results.get(name)
        if not entry:
            continue
        table = RESULTS_DIR / f"{name}.md"
        if "error" in entry or not table.exists():
            lines += ["", f"{name} bench: {entry.get('error', 'no figures')}."]
            continue
        body = [line for line in table.read_text().splitlines() if not line.startswith("# ")]
        lines += ["", f"### {name.replace('_', ' ').capitalize()}", *body]
    return lines
