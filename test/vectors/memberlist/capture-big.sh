#!/usr/bin/env bash
# Captures one big compressed push-pull (scenario "bigpp"): 14 serf agents with ~450 bytes of
# random tags each form a cluster; then agent z joins n0 and n0 answers with all 15 node states
# (~7 KB) LZW-compressed — long enough for Go's LZW writer to run its code table full and reset.
# Needs root (tcpdump) and /usr/bin/serf. Usage: capture-big.sh OUTDIR
set -u
OUT=${1:?outdir}
mkdir -p "$OUT"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; pids=(); }
trap cleanup EXIT
base=$(( 20000 + RANDOM % 20000 ))
tags() { for t in 1 2 3 4 5 6; do printf -- '-tag t%s=%s ' "$t" "$(head -c 45 /dev/urandom | base64 -w0)"; done; }
for i in $(seq 0 13); do
  serf agent -node n$i -bind 127.0.0.1:$((base+i)) -rpc-addr 127.0.0.1:$((base+100+i)) $(tags) >"$OUT/bigpp-n$i.log" 2>&1 &
  pids+=($!)
done
sleep 2
for i in $(seq 1 13); do serf join -rpc-addr=127.0.0.1:$((base+100+i)) 127.0.0.1:$base >/dev/null; done
sleep 4
Z=$((base+50))
echo "bigpp n0=$base z=$Z" >>"$OUT/ports.txt"
tcpdump -i lo -U -s 0 -w "$OUT/bigpp.pcap" "tcp port $base and tcp port $Z or (tcp port $base and not tcp port $((base+1)))" 2>/dev/null &
pids+=($!)
sleep 1
serf agent -node z -bind 127.0.0.1:$Z -rpc-addr 127.0.0.1:$((Z+100)) >"$OUT/bigpp-z.log" 2>&1 &
pids+=($!)
sleep 1.5
serf join -rpc-addr=127.0.0.1:$((Z+100)) 127.0.0.1:$base
sleep 2
