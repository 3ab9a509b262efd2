#!/usr/bin/env bash
# Start-up time of dd-temporal-server: wall time from exec until its port accepts a TCP connection, and the CPU the
# process used by then. The SDK's launchers (WorkflowEnvironment.StartLocalAsync / StartTimeSkippingAsync) give a server
# 5 s to accept connections, on whatever else the machine is doing.
# Usage: bench/server-startup.sh [runs]   (builds the server in Release first)
set -euo pipefail
runs=${1:-7}
root=$(cd "$(dirname "$0")/.." && pwd)
dotnet build "$root/src/DurableDelivery.Server" -c Release -v quiet -nologo >/dev/null
exe="$root/src/DurableDelivery.Server/bin/Release/net10.0/dd-temporal-server"
python3 - "$exe" "$runs" <<'PY'
import os, random, socket, statistics, subprocess, sys, time
exe, runs = sys.argv[1], int(sys.argv[2])
tck = os.sysconf("SC_CLK_TCK")
walls, cpus = [], []
for i in range(runs):
    port = random.randint(40000, 60000)
    start = time.monotonic()
    p = subprocess.Popen([exe, str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while True:
        if p.poll() is not None:
            sys.exit(f"server exited with {p.returncode} before listening on {port}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.005)
    wall = time.monotonic() - start
    with open(f"/proc/{p.pid}/stat") as f:
        st = f.read().rsplit(")", 1)[1].split()
    cpu = (int(st[11]) + int(st[12])) / tck
    p.kill(); p.wait()
    walls.append(wall * 1000); cpus.append(cpu * 1000)
    print(f"run {i + 1}: listening after {wall * 1000:.0f} ms, {cpu * 1000:.0f} ms CPU", flush=True)
print(f"median of {runs}: listening after {statistics.median(walls):.0f} ms, {statistics.median(cpus):.0f} ms CPU")
PY
