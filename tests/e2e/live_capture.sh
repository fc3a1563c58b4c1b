#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# End to end, live path: in a private network namespace, raqib-agent run captures on its
# loopback (--interface lo --capture-filter 'tcp') while a client uploads the synthetic list
# of beneficiaries (tests/data/demo) to a local HTTP server as multipart/form-data; the alert
# reaches Redis with the protocol, the destination and the uploaded file's name, and no raw
# value. Needs root (network namespaces, packet capture): skipped otherwise.
# With RAQIB_LIVE_NETWORK_ONLY=1 (e2e.live_capture_network_only) the agent runs without
# CAP_BPF, CAP_PERFMON and CAP_SYS_ADMIN: the host sensor cannot start, and the network sensor
# runs alone -- the same alert, a warning, and a heartbeat that says the host sensor is missing.
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" = 0 ] || skip "needs root"
command -v python3 >/dev/null || skip "needs python3"
NS=raqib-live-$$
ip netns add "$NS" || skip "cannot create a network namespace"
netns_cleanup() {
	ip netns pids "$NS" 2>/dev/null | xargs -r kill 2>/dev/null || true
	ip netns del "$NS" 2>/dev/null || true
	cleanup
}
trap netns_cleanup EXIT
ip netns exec "$NS" ip link set lo up

# Redis inside the namespace, on its loopback.
REDIS_PORT=6379
ip netns exec "$NS" redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$TMP" --save '' \
	--appendonly no >"$TMP/redis.log" 2>&1 &
track $!
nrcli() {
	ip netns exec "$NS" redis-cli -p "$REDIS_PORT" --raw "$@"
}
rcli() { nrcli "$@"; } # lib.sh's helpers read this Redis, in the namespace
for _ in $(seq 50); do
	[ "$(nrcli ping 2>/dev/null)" = PONG ] && break
	sleep 0.1
done
[ "$(nrcli ping 2>/dev/null)" = PONG ] || fail "redis did not start"

WRAP=()
if [ -n "${RAQIB_LIVE_NETWORK_ONLY:-}" ]; then
	command -v capsh >/dev/null || fail "capsh (libcap2-bin) is not installed"
	WRAP=(capsh --drop=cap_bpf,cap_perfmon,cap_sys_admin --)
fi
# shellcheck disable=SC2016 # expanded by the shell capsh starts
ip netns exec "$NS" "${WRAP[@]}" ${WRAP[@]:+-c 'exec "$@"' raqib} "$AGENT" \
	--redis 127.0.0.1:$REDIS_PORT --agent-id e2e-live --heartbeat-interval 1 run --duration 20 \
	--ready-file "$TMP/ready" --interface lo --capture-filter 'tcp port 18081' --snaplen 65535 \
	2>"$TMP/agent.err" &
AGENT_PID=$!
track $AGENT_PID
wait_agent_ready # with --interface, run goes on without the host sensor: nothing to skip

ip netns exec "$NS" python3 - "$DATA/demo/beneficiaires.txt" <<'PY'
import http.server, sys, threading, urllib.request, uuid
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(200); self.end_headers(); self.wfile.write(b"ok")
    def log_message(self, *a): pass
srv = http.server.HTTPServer(("127.0.0.1", 18081), H)
threading.Thread(target=srv.serve_forever, daemon=True).start()
b = uuid.uuid4().hex
doc = open(sys.argv[1], "rb").read()
body = (b"--" + b.encode() + b'\r\nContent-Disposition: form-data; name="f"; filename="liste.txt"\r\n\r\n'
        + doc + b"\r\n--" + b.encode() + b"--\r\n")
req = urllib.request.Request("http://127.0.0.1:18081/upload", data=body,
                             headers={"Content-Type": "multipart/form-data; boundary=" + b})
urllib.request.urlopen(req).read()
srv.shutdown()
PY

if [ -n "${RAQIB_LIVE_NETWORK_ONLY:-}" ]; then
	grep -q "warning: run: host sensor unavailable: .*network sensor only" "$TMP/agent.err" ||
		fail "no warning about the missing host sensor: $(cat "$TMP/agent.err")"
	for _ in $(seq 50); do
		[ -n "$(agent_hb e2e-live sensor.bpf)" ] && break
		sleep 0.1
	done
	case "$(agent_hb e2e-live sensor.bpf)" in
	degraded:*host\ sensor\ unavailable*) ;;
	*) fail "heartbeat sensor.bpf: $(agent_hb e2e-live sensor.bpf)" ;;
	esac
fi

# Flows end at FIN + a short wait, or when the agent stops: stop it now.
kill -TERM $AGENT_PID
wait $AGENT_PID || fail "agent exited with an error: $(cat "$TMP/agent.err")"
grep -q "capture.*'lo'.*dropped by the kernel" "$TMP/agent.err" || fail "no per-interface counters: $(cat "$TMP/agent.err")"
[ "$(stream_alert_count)" -ge 1 ] || fail "no alert: $(cat "$TMP/agent.err")"
stream_alerts >"$TMP/stream"
grep -q '"name":"liste.txt"' "$TMP/stream" || fail "alert lacks file.name: $(cat "$TMP/stream")"
grep -q '"protocol":"http"' "$TMP/stream" || fail "alert lacks network.protocol"
grep -q '"port":18081' "$TMP/stream" || fail "alert lacks the destination port"
grep -q 'BK734021\|JA501287' "$TMP/stream" && fail "raw personal data reached Redis"
echo "PASS"
