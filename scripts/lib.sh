# Shared by scripts/bench and scripts/bench-more: scratch directory, the
# one server running at a time (SPID), free ports, readiness waits, medians.
# The caller sets WORK before sourcing.
SPID=  # the server running now (one at a time); cleared once reaped

cleanup() {
  if [ -n "$SPID" ]; then
    kill -TERM -- "-$SPID" 2>/dev/null  # timeout(1) leads its own process group
    kill -TERM "$SPID" 2>/dev/null
    wait "$SPID" 2>/dev/null
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { echo "$*" >&2; }
bytes() { numfmt --from=iec "$1"; }

PORT=$((41000 + RANDOM % 2000))
nextport() {
  PORT=$((PORT + 1))
  while ss -tuan | grep -q ":$PORT "; do PORT=$((PORT + 1)); done
}

# waitlisten PORT|PATH: bounded poll of the kernel's socket table, so a
# one-connection server is not consumed by a probe.
waitlisten() {
  local i
  for i in $(seq 500); do
    if [[ $1 == /* ]]; then ss -lx | grep -qF "$1 " && return 0
    else ss -ltn | grep -q "127.0.0.1:$1 " && return 0; fi
    sleep 0.01
  done
  log "server did not listen on $1"; return 1
}

# waitudp PORT: the same for a UDP socket bound to 127.0.0.1:PORT.
waitudp() {
  local i
  for i in $(seq 500); do
    ss -lun | grep -q "127.0.0.1:$1 " && return 0
    sleep 0.01
  done
  log "server did not bind UDP $1"; return 1
}

nowns() { date +%s%N; }
median() { sort -g | awk '{a[NR]=$1} END {if (NR) print a[int((NR+1)/2)]}'; }
