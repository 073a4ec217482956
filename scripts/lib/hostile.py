"""Hostile and normal HTTP clients for scripts/bench-hostile.

  hostile.py normal  --port P --seconds S             one keep-alive connection, sequential GET /healthz;
                                                       prints JSON with the count and latency percentiles (ms)
  hostile.py hostile --port P --slowloris N --idle M --seconds S
                                                       N slowloris connections (a request head trickled one byte
                                                       a second, re-opened when the server closes them) and M
                                                       idle keep-alive connections (one request, then silence);
                                                       prints one JSON line a second with what is held
Loopback only; every loop is bounded by --seconds.
"""

import argparse
import asyncio
import json
import socket
import statistics
import sys
import time

REQUEST = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


def read_response(sock, buffer):
    """Reads one Content-Length-framed response from sock; returns the leftover bytes."""
    while b"\r\n\r\n" not in buffer:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed")
        buffer += chunk
    head, _, rest = buffer.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed")
        rest += chunk
    if not head.startswith(b"HTTP/1.1 200"):
        raise RuntimeError(head.split(b"\r\n")[0].decode())
    return rest[length:]


def normal(port, seconds):
    sock = socket.create_connection(("127.0.0.1", port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    latencies = []
    errors = 0
    buffer = b""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        start = time.perf_counter()
        try:
            sock.sendall(REQUEST)
            buffer = read_response(sock, buffer)
        except (OSError, ConnectionError, RuntimeError):
            errors += 1
            sock.close()
            sock = socket.create_connection(("127.0.0.1", port))
            buffer = b""
            continue
        latencies.append((time.perf_counter() - start) * 1000)
    sock.close()
    latencies.sort()

    def pct(p):
        return round(latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))], 3)

    print(json.dumps({
        "requests": len(latencies), "errors": errors, "p50_ms": pct(50), "p90_ms": pct(90), "p99_ms": pct(99),
        "max_ms": round(latencies[-1], 3), "mean_ms": round(statistics.fmean(latencies), 3),
    }))


class Stats:
    def __init__(self):
        self.slow_open = 0
        self.idle_open = 0
        self.slow_opened = 0
        self.slow_closed_by_server = 0
        self.got_408 = 0
        self.idle_reopened = 0
        self.connect_errors = 0


async def slowloris(port, stats, deadline, index):
    # A head that never ends: one header byte a second, forever.
    head = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    trickle = b"X-Slow-%d: " % index + b"a" * 4096
    while time.monotonic() < deadline:
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            stats.connect_errors += 1
            await asyncio.sleep(0.5)
            continue
        stats.slow_open += 1
        stats.slow_opened += 1
        try:
            writer.write(head)
            await writer.drain()
            for byte in trickle:
                if time.monotonic() >= deadline:
                    break
                writer.write(bytes([byte]))
                await writer.drain()
                try:
                    data = await asyncio.wait_for(reader.read(4096), timeout=1.0)
                except asyncio.TimeoutError:
                    continue
                # The server answered (408) or closed: either way this one is over; open another.
                if data.startswith(b"HTTP/1.1 408"):
                    stats.got_408 += 1
                stats.slow_closed_by_server += 1
                break
        except (OSError, ConnectionError):
            stats.slow_closed_by_server += 1
        finally:
            stats.slow_open -= 1
            writer.close()


async def idle(port, stats, deadline):
    while time.monotonic() < deadline:
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            stats.connect_errors += 1
            await asyncio.sleep(0.5)
            continue
        stats.idle_open += 1
        try:
            writer.write(REQUEST)
            await writer.drain()
            await reader.readuntil(b"\r\n\r\n")
            # Then silence: the connection is kept alive and idle until the server closes it or the run ends.
            remaining = deadline - time.monotonic()
            while remaining > 0:
                data = await asyncio.wait_for(reader.read(4096), timeout=remaining) if remaining > 0 else b""
                if not data:
                    break
                remaining = deadline - time.monotonic()
            stats.idle_reopened += 1
        except (OSError, ConnectionError, asyncio.TimeoutError, asyncio.IncompleteReadError):
            pass
        finally:
            stats.idle_open -= 1
            writer.close()


async def hostile(port, slow_count, idle_count, seconds):
    stats = Stats()
    deadline = time.monotonic() + seconds
    tasks = []
    # Ramp up in batches so the listen backlog is not the thing being measured.
    for i in range(idle_count):
        tasks.append(asyncio.create_task(idle(port, stats, deadline)))
        if i % 200 == 199:
            await asyncio.sleep(0.05)
    for i in range(slow_count):
        tasks.append(asyncio.create_task(slowloris(port, stats, deadline, i)))
        if i % 200 == 199:
            await asyncio.sleep(0.05)
    while time.monotonic() < deadline:
        print(json.dumps({
            "t": round(seconds - (deadline - time.monotonic()), 1), "slowloris_open": stats.slow_open,
            "idle_open": stats.idle_open, "slowloris_opened": stats.slow_opened,
            "slowloris_closed_by_server": stats.slow_closed_by_server, "got_408": stats.got_408,
            "connect_errors": stats.connect_errors,
        }), flush=True)
        await asyncio.sleep(1)
    await asyncio.gather(*tasks, return_exceptions=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["normal", "hostile"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--slowloris", type=int, default=2000)
    parser.add_argument("--idle", type=int, default=1000)
    args = parser.parse_args()
    if args.mode == "normal":
        normal(args.port, args.seconds)
    else:
        asyncio.run(hostile(args.port, args.slowloris, args.idle, args.seconds))


if __name__ == "__main__":
    sys.exit(main())
