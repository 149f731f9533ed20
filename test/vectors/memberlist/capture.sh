#!/usr/bin/env bash
# Captures memberlist traffic between real `serf agent`s (Serf 0.9.4 / memberlist 0.2.2) on
# loopback, one pcap per scenario. Needs root (tcpdump) and /usr/bin/serf. Usage: capture.sh OUTDIR
# Scenarios (agent names a, b, c; a's gossip port is the pcap name's base port):
#   plain    : compression on (Serf's default), a + b; b joins a; user event; b leaves gracefully.
#   nocomp   : -disable-compression, a + b + c; join; event; c paused with SIGSTOP until declared
#              dead (direct ping, indirect ping, nack, TCP ping fallback, suspect, dead), then
#              SIGCONT (c refutes: alive with a higher incarnation).
#   crc      : -disable-compression, a is named "127.0.0.1" so memberlist finds it by IP and adds
#              the CRC header (it only does that for peers it can look up by address, pmax >= 5).
#   enc16    : -encrypt with a 16-byte key, compression off; b joins a; event.
#   enc32    : -encrypt with a 32-byte key, compression on; b joins a; event.
set -u
OUT=${1:?outdir}
mkdir -p "$OUT"
KEY16=$(cat "$(dirname "$0")/key16.b64")
KEY32=$(cat "$(dirname "$0")/key32.b64")
pids=()
cleanup() { for p in "${pids[@]}"; do kill -CONT "$p" 2>/dev/null; kill "$p" 2>/dev/null; done; wait 2>/dev/null; pids=(); }
trap cleanup EXIT

agent() { # name port rpc extra...
  local name=$1 port=$2 rpc=$3; shift 3
  serf agent -node "$name" -bind 127.0.0.1:$port -rpc-addr 127.0.0.1:$rpc -log-level debug "$@" >"$OUT/$SCEN-$name.log" 2>&1 &
  pids+=($!)
  eval "PID_$(echo "$name" | tr -c 'a-z0-9\n' _)=$!"
}

start_dump() {
  tcpdump -i lo -U -s 0 -w "$OUT/$SCEN.pcap" "port $PA or port $PB or port $PC" 2>/dev/null &
  pids+=($!)
  sleep 1
}

ports() {
  base=$(( 20000 + RANDOM % 20000 ))
  PA=$base; PB=$((base+1)); PC=$((base+2)); RA=$((base+10)); RB=$((base+11)); RC=$((base+12))
  echo "$SCEN a=$PA b=$PB c=$PC" >>"$OUT/ports.txt"
}

SCEN=plain; ports; start_dump
agent a $PA $RA; agent b $PB $RB; sleep 1.5
serf join -rpc-addr=127.0.0.1:$RB 127.0.0.1:$PA; sleep 3
serf event -rpc-addr=127.0.0.1:$RA deploy 'v1.2.3'; sleep 3
serf leave -rpc-addr=127.0.0.1:$RB; sleep 3
cleanup

SCEN=nocomp; ports; start_dump
agent a $PA $RA -disable-compression; agent b $PB $RB -disable-compression; agent c $PC $RC -disable-compression; sleep 1.5
serf join -rpc-addr=127.0.0.1:$RB 127.0.0.1:$PA; serf join -rpc-addr=127.0.0.1:$RC 127.0.0.1:$PA; sleep 3
serf event -rpc-addr=127.0.0.1:$RA hello 'world'; sleep 2
kill -STOP "$PID_c"
for i in $(seq 1 40); do
  serf members -rpc-addr=127.0.0.1:$RA | grep -q 'failed' && break
  sleep 1
done
serf members -rpc-addr=127.0.0.1:$RA >>"$OUT/nocomp-members.txt"
kill -CONT "$PID_c"; sleep 5
serf members -rpc-addr=127.0.0.1:$RA >>"$OUT/nocomp-members.txt"
cleanup

SCEN=crc; ports; start_dump
agent 127.0.0.1 $PA $RA -disable-compression; agent b $PB $RB -disable-compression; sleep 1.5
serf join -rpc-addr=127.0.0.1:$RB 127.0.0.1:$PA; sleep 4
cleanup

SCEN=enc16; ports; start_dump
agent a $PA $RA -disable-compression -encrypt "$KEY16"; agent b $PB $RB -disable-compression -encrypt "$KEY16"; sleep 1.5
serf join -rpc-addr=127.0.0.1:$RB 127.0.0.1:$PA; sleep 3
serf event -rpc-addr=127.0.0.1:$RA secret 'payload'; sleep 3
cleanup

SCEN=enc32; ports; start_dump
agent a $PA $RA -encrypt "$KEY32"; agent b $PB $RB -encrypt "$KEY32"; sleep 1.5
serf join -rpc-addr=127.0.0.1:$RB 127.0.0.1:$PA; sleep 3
serf event -rpc-addr=127.0.0.1:$RA secret32 'payload32'; sleep 3
cleanup
