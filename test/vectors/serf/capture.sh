#!/usr/bin/env bash
# Captures Serf traffic between three real `serf agent`s on loopback (compression off, so the
# gossip is readable) while the real CLI drives events, queries, tags, key queries and a leave.
# Output: gossip.pcap (UDP+TCP between agents), rpc.pcap (CLI <-> agent RPC, for the RPC work),
# and agent logs. Run as root (tcpdump). Usage: capture.sh OUTDIR
set -u
OUT=${1:?outdir}
mkdir -p "$OUT"
base=$(( 20000 + RANDOM % 20000 ))
PA=$base; PB=$((base+1)); PC=$((base+2)); RA=$((base+10)); RB=$((base+11)); RC=$((base+12))
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; }
trap cleanup EXIT
tcpdump -i lo -U -s 0 -w "$OUT/gossip.pcap" "port $PA or port $PB or port $PC" 2>"$OUT/tcpdump-gossip.log" & pids+=($!)
tcpdump -i lo -U -s 0 -w "$OUT/rpc.pcap" "tcp port $RA or tcp port $RB or tcp port $RC" 2>"$OUT/tcpdump-rpc.log" & pids+=($!)
sleep 1
cat > "$OUT/handler.sh" <<'H'
#!/bin/sh
# answers queries with a fixed response; other events ignored
if [ "$SERF_EVENT" = "query" ]; then cat >/dev/null; printf 'resp-from-%s' "$SERF_SELF_NAME"; fi
H
chmod +x "$OUT/handler.sh"
serf agent -node alpha -bind 127.0.0.1:$PA -rpc-addr 127.0.0.1:$RA -disable-compression -tag role=web -tag dc=east -log-level debug -event-handler "$OUT/handler.sh" >"$OUT/alpha.log" 2>&1 & pids+=($!)
serf agent -node beta -bind 127.0.0.1:$PB -rpc-addr 127.0.0.1:$RB -disable-compression -tag role=db -log-level debug -event-handler "$OUT/handler.sh" >"$OUT/beta.log" 2>&1 & pids+=($!)
serf agent -node gamma -bind 127.0.0.1:$PC -rpc-addr 127.0.0.1:$RC -disable-compression -role=legacy -protocol=2 -log-level debug >"$OUT/gamma.log" 2>&1 & pids+=($!)
sleep 2
A="-rpc-addr=127.0.0.1:$RA"; B="-rpc-addr=127.0.0.1:$RB"
{
echo "ports alpha=$PA beta=$PB gamma=$PC rpc $RA $RB $RC"
serf join $B 127.0.0.1:$PA; sleep 2
serf join -rpc-addr=127.0.0.1:$RC 127.0.0.1:$PA; sleep 3
serf members $A -detailed
serf event $A deploy 'v1.2.3'; sleep 2
serf event $A -coalesce=false restart ''; sleep 2
serf query $A -timeout=3s whoami 'who?'
serf query $A -timeout=3s -node beta -tag role='d.*' filtered 'x'
serf query $A -timeout=3s -no-ack -relay-factor=1 relayed 'y'
serf tags $B -set version=2 -delete role; sleep 3
serf members $A -detailed
serf rtt $A alpha beta
serf keys $A -list
serf keys $A -install=HS8ZpbCb0EzrS3OqLxO4bWb1YDi3a1jcOtzBc+xIDt4=
serf leave $B; sleep 4
serf members $A -detailed
serf force-leave $A beta; sleep 2
serf members $A -detailed
} >"$OUT/cli.log" 2>&1
sleep 1
