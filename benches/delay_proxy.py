#!/usr/bin/env python3
"""A TCP proxy on loopback that delays every byte by a fixed time each way, as a network
would (no bandwidth limit, order kept): a modelled round trip at the TCP level, below HTTP.

Usage: delay_proxy.py LISTEN_PORT_FILE TARGET_HOST:PORT ONE_WAY_MS
Writes the port it listens on to LISTEN_PORT_FILE. On SIGTERM it prints the HTTP requests
it forwarded (counted by their request lines) to stdout and exits.
"""
import asyncio
import re
import signal
import sys

REQUEST_LINE = re.compile(rb"(?:^|\r\n)(GET|POST|PUT|PATCH|DELETE|HEAD) /")
requests = 0


async def pump(reader, writer, delay, count):
    global requests
    queue = asyncio.Queue()
    loop = asyncio.get_running_loop()

    async def deliver():
        while True:
            due, data = await queue.get()
            if data is None:
                break
            wait = due - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            writer.write(data)
            await writer.drain()
        writer.close()

    task = asyncio.create_task(deliver())
    tail = b""
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            if count:
                # A request line may straddle two reads: look at the last few bytes too (a
                # match wholly inside them was counted with the read before).
                buf = tail + data
                requests += sum(1 for m in REQUEST_LINE.finditer(buf) if m.end() > len(tail))
                tail = data[-8:]
            await queue.put((loop.time() + delay, data))
    except ConnectionError:
        pass
    await queue.put((0, None))
    try:
        await task
    except ConnectionError:
        pass


async def main():
    port_file, target, one_way_ms = sys.argv[1], sys.argv[2], float(sys.argv[3])
    host, port = target.rsplit(":", 1)
    delay = one_way_ms / 1000

    async def handle(client_r, client_w):
        try:
            server_r, server_w = await asyncio.open_connection(host, int(port))
        except OSError:
            client_w.close()
            return
        await asyncio.gather(
            pump(client_r, server_w, delay, True),
            pump(server_r, client_w, delay, False),
        )

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    with open(port_file, "w") as f:
        f.write(str(server.sockets[0].getsockname()[1]))
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()
    print(requests, flush=True)


asyncio.run(main())
