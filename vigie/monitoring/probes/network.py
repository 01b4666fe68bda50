"""TCP port and ICMP ping probes."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import os
import shutil
import socket
import struct
import time
from typing import Any

from django.utils.translation import gettext as _

from vigie.monitoring.probes.base import Outcome, ProbeJob, Stopwatch, host_and_port
from vigie.monitoring.probes.policy import resolve_checked


async def connect_first(addresses: list[str], port: int, timeout: float, **kwargs: Any) -> tuple[Any, Any, str]:
    """Open a connection to the first address that answers (each one was checked by the policy)."""
    error: BaseException | None = None
    deadline = time.monotonic() + timeout
    for address in addresses:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        try:
            reader, writer = await asyncio.wait_for(asyncio.open_connection(address, port, **kwargs), remaining)
            return reader, writer, address
        except (OSError, TimeoutError) as failure:
            error = failure
    raise error or TimeoutError()


def describe_error(error: BaseException) -> str:
    if isinstance(error, TimeoutError | asyncio.TimeoutError):
        return _("No answer within the time limit.")
    if isinstance(error, ConnectionRefusedError):
        return _("Connection refused.")
    if isinstance(error, socket.gaierror):
        return _("The name could not be resolved (%(error)s).") % {"error": error.strerror or str(error)}
    return str(error) or error.__class__.__name__


async def close(writer: Any) -> None:
    writer.close()
    with contextlib.suppress(OSError, TimeoutError):
        await asyncio.wait_for(writer.wait_closed(), 1)


async def probe_tcp(job: ProbeJob) -> Outcome:
    host, port = host_and_port(job.target, job.port)
    assert port is not None  # validation requires a port
    watch = Stopwatch()
    addresses = await resolve_checked(host, port, job.policy)
    _reader, writer, address = await connect_first(addresses, port, job.timeout)
    latency = watch.ms()
    await close(writer)
    return Outcome(True, _("Port %(port)s open.") % {"port": port}, latency, {"address": address, "port": port})


# ICMP ------------------------------------------------------------------------------------------

ICMP_ECHO_REQUEST = {4: 8, 6: 128}
ICMP_ECHO_REPLY = {4: 0, 6: 129}
_sequence = 0


def _checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    total = (total >> 16) + (total & 0xFFFF)
    total += total >> 16
    return int(~total & 0xFFFF)


def _echo_request(version: int, identifier: int, sequence: int, payload: bytes) -> bytes:
    header = struct.pack("!BBHHH", ICMP_ECHO_REQUEST[version], 0, 0, identifier, sequence)
    checksum = _checksum(header + payload) if version == 4 else 0  # the kernel sums ICMPv6
    return struct.pack("!BBHHH", ICMP_ECHO_REQUEST[version], 0, checksum, identifier, sequence) + payload


def icmp_socket(version: int) -> tuple[socket.socket, bool]:
    """An ICMP socket: an unprivileged datagram socket where ``net.ipv4.ping_group_range`` allows
    it, else a raw socket (root or CAP_NET_RAW). Returns the socket and whether it is raw."""
    family = socket.AF_INET if version == 4 else socket.AF_INET6
    protocol = socket.IPPROTO_ICMP if version == 4 else socket.IPPROTO_ICMPV6
    try:
        return socket.socket(family, socket.SOCK_DGRAM, protocol), False
    except PermissionError:
        return socket.socket(family, socket.SOCK_RAW, protocol), True


def _parse_reply(data: bytes, version: int, raw: bool) -> tuple[int, int, int]:
    if raw and version == 4:
        data = data[(data[0] & 0x0F) * 4 :]
    kind, _code, _checksum, identifier, sequence = struct.unpack("!BBHHH", data[:8])
    return int(kind), int(identifier), int(sequence)


async def _ping_socket(address: str, timeout: float) -> float:
    global _sequence
    version = ipaddress.ip_address(address).version
    sock, raw = icmp_socket(version)
    try:
        sock.setblocking(False)
        _sequence = (_sequence + 1) & 0xFFFF
        identifier = (os.getpid() ^ id(sock)) & 0xFFFF
        loop = asyncio.get_running_loop()
        payload = b"vigie-probe" + struct.pack("!d", time.time())
        started = time.perf_counter()
        await loop.sock_sendto(sock, _echo_request(version, identifier, _sequence, payload), (address, 0))
        deadline = started + timeout
        while True:
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                raise TimeoutError()
            data, _sender = await asyncio.wait_for(loop.sock_recvfrom(sock, 2048), remaining)
            kind, got_identifier, sequence = _parse_reply(data, version, raw)
            # A datagram socket's identifier is chosen by the kernel, which only hands it its own replies.
            if kind == ICMP_ECHO_REPLY[version] and sequence == _sequence and (not raw or got_identifier == identifier):
                return (time.perf_counter() - started) * 1000
    finally:
        sock.close()


async def _ping_binary(address: str, timeout: float) -> float:
    binary = shutil.which("ping")
    if binary is None:
        raise PermissionError(_("ICMP needs a raw socket (root), net.ipv4.ping_group_range or the ping program."))
    started = time.perf_counter()
    process = await asyncio.create_subprocess_exec(
        binary,
        "-n",
        "-c",
        "1",
        "-W",
        str(max(1, int(timeout))),
        address,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    output, _err = await asyncio.wait_for(process.communicate(), timeout + 2)
    if process.returncode != 0:
        raise TimeoutError()
    text = output.decode(errors="replace")
    marker = text.find("time=")
    if marker >= 0:
        return float(text[marker + 5 :].split()[0].replace("ms", ""))
    return (time.perf_counter() - started) * 1000


async def ping(address: str, timeout: float) -> float:
    """Round-trip time in ms to ``address``; raises TimeoutError when it does not answer."""
    try:
        return await _ping_socket(address, timeout)
    except PermissionError:
        return await _ping_binary(address, timeout)


async def probe_icmp(job: ProbeJob) -> Outcome:
    host, _port = host_and_port(job.target, None)
    addresses = await resolve_checked(host, 0, job.policy)
    count = int(job.options.get("count", 1))
    rtts: list[float] = []
    lost = 0
    for _attempt in range(count):
        try:
            rtts.append(await ping(addresses[0], job.timeout))
        except TimeoutError:
            lost += 1
    details = {"address": addresses[0], "sent": count, "lost": lost}
    if not rtts:
        return Outcome(False, _("No answer to ping from %(address)s.") % {"address": addresses[0]}, None, details)
    latency = round(sum(rtts) / len(rtts), 2)
    max_loss = int(job.options.get("max_loss_percent", 0 if count == 1 else 50))
    if lost * 100 > max_loss * count:
        return Outcome(False, _("%(lost)s of %(sent)s pings lost.") % {"lost": lost, "sent": count}, latency, details)
    return Outcome(True, _("Answers to ping in %(latency)s ms.") % {"latency": latency}, latency, details)
