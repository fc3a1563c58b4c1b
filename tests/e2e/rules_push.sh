#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# End to end, rule distribution: two running agents (live capture on the loopback of a private
# network namespace, the network sensor alone) follow the versions an administrator pushes with
# raqibctl, signed with the rules signing key (agents hold only its public half):
#  - before any push, an upload of internal reference codes raises nothing;
#  - version 1 adds a detector and a policy for them: both agents alert, and report the version
#    and their counts (raqibctl rules counts);
#    agent a follows as its own Redis ACL user (raqibctl agent-add), agent b as the default user;
#  - a version whose pack does not compile, and one whose signature does not verify (both put
#    into Redis by hand, as raqibctl refuses to push them), change nothing: the agents keep
#    version 1, still alert, and say what they refused in their heartbeats;
#  - version 4 switches the policy off for site east only: agent b (site east) stops alerting,
#    agent a does not; raqibctl rules list shows who runs what;
#  - raqibctl rules rollback pushes version 1 again as version 5: agent b alerts again;
#  - agent b restarted while Redis is away runs version 5 all the same (kept beside its spool):
#    its alert reaches Redis once it is back.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netns_one.sh"

[ "$(id -u)" = 0 ] || skip "needs root (network namespaces, packet capture)"
command -v capsh >/dev/null || fail "capsh (libcap2-bin) is not installed"
one_netns_setup
one_netns_redis
ADMIN_PW=$(openssl rand -hex 16)
nrcli ACL SETUSER admin on ">$ADMIN_PW" '~*' '&*' +@all >/dev/null
ctl() {
	RAQIB_REDIS_USER=admin RAQIB_REDIS_PASSWORD=$ADMIN_PW RAQIB_KEYS=$TMP/admin \
		nsx "$CTL" --redis 127.0.0.1:$REDIS_PORT "$@"
}

# the administrator's signing key; agents get its public half only
ctl rules keygen >/dev/null || fail "rules keygen failed"
[ "$(stat -c %a "$TMP/admin/rules-signing.key")" = 600 ] || fail "the signing key is readable by others"
mkdir -p -m 700 "$RAQIB_KEYS"
cp "$TMP/admin/rules-signing.pub" "$RAQIB_KEYS/"
# agent a has its own ACL user (reads rule versions, subscribes to their announcements)
"$CTL" agent-add push-a --site west 2>/dev/null | nsx redis-cli -p $REDIS_PORT --user admin --pass "$ADMIN_PW" \
	--no-auth-warning >/dev/null || fail "cannot add agent a's ACL user"

start_one() { # ID SITE [REDIS PORT]
	rm -f "$TMP/ready-$1"
	# shellcheck disable=SC2016 # expanded by the shell capsh starts
	# agent a as its ACL user (fail closed), agent b as the default user (--insecure-no-acl)
	RAQIB_INSECURE_NO_ACL=$([ "$1" = push-a ] && echo 0 || echo 1) \
		ip netns exec "$NS" capsh --drop=cap_bpf,cap_perfmon,cap_sys_admin -- -c 'exec "$@"' raqib \
		"$AGENT" --redis "127.0.0.1:${3:-$REDIS_PORT}" --agent-id "$1" --heartbeat-interval 1 \
		run --ready-file "$TMP/ready-$1" --interface lo --capture-filter 'tcp port 18090' \
		--site "$2" --rules-poll 2 2>"$TMP/agent-$1.err" &
	AGENT_PIDS[$1]=$!
	track $!
	wait_for "[ -e '$TMP/ready-$1' ]" 30
}
declare -A AGENT_PIDS
stop_one() { # ID
	kill -TERM "${AGENT_PIDS[$1]}"
	wait "${AGENT_PIDS[$1]}" || fail "agent $1 exited with an error: $(tail -3 "$TMP/agent-$1.err")"
}
start_one push-a west
start_one push-b east
# the collector keeps each agent's newest heartbeat, which rules list and counts read
enroll push-b east
nsx "$COLLECTOR" --redis "127.0.0.1:$REDIS_PORT" --metrics off --quiet 2>"$TMP/collector.err" &
track $!

hb() { # ID FIELD (the newest heartbeat in the agent's stream, lib.sh)
	agent_hb "$1" "$2" "$(site_of "$1")"
}
site_of() { case "$1" in push-a) echo west ;; push-b) echo east ;; *) echo default ;; esac; }
wait_version() { # ID VERSION
	wait_for "[ \"\$(hb $1 rules.version)\" = $2 ]" 20
}
upload() { # NAME: uploads reference codes as NAME through the local HTTP server
	nsx python3 - "$1" <<'PY' || fail "upload failed"
import http.server, sys, threading, urllib.request
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(200); self.send_header("Connection", "close"); self.end_headers()
    def log_message(self, *a): pass
srv = http.server.HTTPServer(("127.0.0.1", 18090), H)
threading.Thread(target=srv.serve_forever, daemon=True).start()
body = b"Dossiers internes : RQ-100234, RQ-100235, RQ-100236\n"
req = urllib.request.Request("http://127.0.0.1:18090/depot/" + sys.argv[1], data=body,
                             headers={"Content-Type": "text/plain",
                                      "Content-Disposition": 'attachment; filename="%s"' % sys.argv[1]})
urllib.request.urlopen(req).read()
srv.shutdown()
PY
}
alerts_for() { # ID NAME
	# as the collector stored them (it trims the streams once they are stored)
	nsx "$CTL" --redis "127.0.0.1:$REDIS_PORT" alerts --limit 100000 --json |
		jq -c "select(.agent.id == \"$1\" and .file.name == \"$2\")" | wc -l
}
expect_alerts() { # NAME A B: alerts of agent a and b for NAME, after waiting for the expected ones
	wait_for "[ \$(alerts_for push-a $1) -ge $2 ] && [ \$(alerts_for push-b $1) -ge $3 ]" 20
	sleep 1 # what should not come
	[ "$(alerts_for push-a "$1")" = "$2" ] && [ "$(alerts_for push-b "$1")" = "$3" ] ||
		fail "$1: expected $2 and $3 alerts, got $(alerts_for push-a "$1") and $(alerts_for push-b "$1")"
}

# no version yet: nothing detects the codes
wait_for '[ "$(hb push-a rules.version)" = none ] && [ "$(hb push-b rules.version)" = none ]' 20
upload step0.txt
sleep 2
[ "$(alerts_for push-a step0.txt)$(alerts_for push-b step0.txt)" = 00 ] || fail "an alert before any push"

# version 1: a detector and a policy, on top of the built-in packs
mkdir -p "$TMP/packs"
cat >"$TMP/packs/codes.yml" <<'YML'
pack: {name: internal-codes, version: 1, description: the commune's internal file references}
rules:
  - id: pii.rq_code
    kind: detector
    description: internal file reference
    tags: [internal]
    enabled: true
    mode: alert
    entity: RQ_CODE
    patterns: ['\bRQ-[0-9]{6}\b']
    score: 0.9
  - id: policy.network.rq_code
    kind: policy
    description: internal file references sent over the network
    tags: [internal]
    enabled: true
    mode: alert
    name: Internal references sent over the network
    events: [cleartext]
    when: {entities_any: [RQ_CODE]}
    severity: high
    confidence: high
YML
ctl rules push "$TMP/packs" --comment "internal codes" >"$TMP/push1" || fail "push failed: $(cat "$TMP/push1")"
grep -q "^rules version 1 pushed" "$TMP/push1" || fail "$(cat "$TMP/push1")"
wait_version push-a 1
wait_version push-b 1
upload step1.txt
expect_alerts step1.txt 1 1
[ "$(hb push-a outbox.redis_user)" = raqib-agent-push-a ] || fail "agent a did not use its ACL user"
# what each rule did, summed over the agents' heartbeats
rq_counted() {
	ctl rules counts --json | jq -s 'map(select(.counter == "alerts" and .rule == "policy.network.rq_code")) | .[0] | "\(.total // 0)/\(.agents // 0)"' -r
}
wait_for '[ "$(rq_counted)" = 2/2 ]' 10

# raqibctl refuses a pack that does not compile...
mkdir -p "$TMP/bad"
printf 'pack: {name: bad, version: 1, description: x}\nrules:\n  - id: x.y\n    kind: nonsense\n' >"$TMP/bad/bad.yml"
rc=0
ctl rules push "$TMP/bad" >"$TMP/push-bad" 2>&1 || rc=$?
[ "$rc" = 1 ] && grep -q "bad.yml:4:11: rule 'x.y': unknown kind" "$TMP/push-bad" ||
	fail "raqibctl pushed a bad pack: $(cat "$TMP/push-bad")"
# ...so versions 2 (signed, does not compile) and 3 (bad signature) are put in by hand
put_version() { # N JSON SIG
	nrcli HSET "raqib:rules:{dist}:v:$1" bundle "$2" sig "$3" >/dev/null
	nrcli ZADD 'raqib:rules:{dist}:versions' "$1" "$1" >/dev/null
	nrcli SET 'raqib:rules:{dist}:next' "$1" >/dev/null
	nrcli PUBLISH raqib:rules:updates "$1" >/dev/null
}
bundle() { # N TEXT
	jq -cSn --argjson v "$1" --arg text "$2" '{format: "raqib-rules-v1", version: $v,
		created: "2026-12-01T00:00:00Z", author: "test", comment: "", targets: {},
		packs: [{name: "bad.yml", text: $text}]}' | tr -d '\n'
}
sign() { # JSON
	printf 'raqib-rules-v1\n%s' "$1" >"$TMP/msg"
	openssl pkeyutl -sign -inkey "$TMP/admin/rules-signing.key" -rawin -in "$TMP/msg" | od -An -tx1 | tr -d ' \n'
}
json=$(bundle 2 "$(cat "$TMP/bad/bad.yml")")
put_version 2 "$json" "$(sign "$json")"
wait_for '[ "$(hb push-a rules.refused)" != "" ] && [ "$(hb push-b rules.refused)" != "" ]' 20
case "$(hb push-a rules.refused)" in
"2: the packs do not compile: bad.yml:4:11: rule 'x.y': unknown kind"*) ;;
*) fail "agent a's refusal: $(hb push-a rules.refused)" ;;
esac
json=$(bundle 3 "$(cat "$TMP/packs/codes.yml")")
put_version 3 "$json" "$(sign "$json" | sed 's/^./0/; s/^00/11/')"
wait_for '[ "$(hb push-b rules.refused | cut -d: -f1)" = 3 ]' 20
case "$(hb push-b rules.refused)" in
"3: its signature does not verify with the rules key"*) ;;
*) fail "agent b's refusal: $(hb push-b rules.refused)" ;;
esac
[ "$(hb push-a rules.version)$(hb push-b rules.version)" = 11 ] || fail "a refused version was loaded"
upload step2.txt
expect_alerts step2.txt 1 1

# version 4, for site east only: the policy off
cat >"$TMP/packs/off.yml" <<'YML'
pack: {name: east-tuning, version: 1, description: east switches the policy off}
rules:
  - id: policy.network.rq_code
    override: true
    enabled: false
YML
ctl rules push "$TMP/packs" --site east --comment "off in the east" >/dev/null || fail "push 4 failed"
wait_version push-b 4
[ "$(hb push-a rules.version)" = 1 ] || fail "agent a (west) took a version for the east"
upload step3.txt
expect_alerts step3.txt 1 0
ctl rules list >"$TMP/list" || fail "rules list failed"
grep -Eq "^4 .* site:east .* push-b " "$TMP/list" || fail "rules list: $(cat "$TMP/list")"
grep -Eq "^1 .* all .* push-a " "$TMP/list" || fail "rules list: $(cat "$TMP/list")"
grep -Eq "^3 .* - +push-a push-b" "$TMP/list" || fail "rules list does not show the refusals: $(cat "$TMP/list")"
ctl rules diff 1 4 >"$TMP/diff" || fail "rules diff failed"
grep -q "^+    enabled: false" "$TMP/diff" || fail "rules diff: $(cat "$TMP/diff")"

# rollback: version 1 again, as version 5, for everyone
ctl rules rollback 1 >"$TMP/rollback" || fail "rollback failed"
grep -q "^rules version 5 pushed" "$TMP/rollback" || fail "$(cat "$TMP/rollback")"
wait_version push-b 5
wait_version push-a 5
upload step4.txt
expect_alerts step4.txt 1 1

# a restart without Redis: the version kept is in force (the alert waits in the spool)
stop_one push-b
start_one push-b east 1
upload step5.txt
sleep 2 # the upload is decided
stop_one push-b
start_one push-b east
expect_alerts step5.txt 1 1
echo "PASS"
