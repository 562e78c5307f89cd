#!/bin/bash
# docs/scale-out.md's Slurm array and merge on a real Slurm: a one-node cluster on this machine.
#
#   npm run cluster:slurm          (as root: it installs packages and starts daemons)
#
# 1. installs Debian's slurm-wlm and munge when they are missing;
# 2. starts munged (unless one answers already), slurmctld and slurmd, with a slurm.conf, state and
#    logs in a directory of their own (SLURM_CONF points there; /etc/slurm is not touched);
# 3. submits deploy/cli/slurm.sh's job array of shards and its dependent merge, and waits for both;
# 4. runs the same features grid once, unsharded and without the cache, and checks that every
#    merged file is byte-identical to it;
# 5. stops the daemons it started, by their PIDs, whatever happened.
# Not part of `npm test`: it needs root, apt and a minute or two. SHARDS, COUNT and KEEP=1 (keep the
# work directory) change it.
set -euo pipefail
cd "$(dirname "$0")/../.."
SHARDS=${SHARDS:-3}
COUNT=${COUNT:-30}
WORK=$(mktemp -d /tmp/diffprobe-slurm.XXXXXX)
started=$(date +%s)
say() { printf '[slurm %3ds] %s\n' $(($(date +%s) - started)) "$*"; }
fail() {
  say "FAILED: $*"
  for log in "$WORK"/log/*.log "$WORK"/results/*.log; do
    [ -f "$log" ] && { echo "--- $log"; tail -n 20 "$log"; }
  done
  exit 1
}

[ "$(id -u)" -eq 0 ] || { echo "run as root: it installs slurm-wlm and munge and starts their daemons" >&2; exit 2; }
[ -f dist-cli/diffprobe.js ] || { echo "dist-cli/diffprobe.js is missing: npm run build:cli" >&2; exit 2; }

pids=()
names=()
stop_daemons() {
  for i in "${!pids[@]}"; do
    if kill "${pids[$i]}" 2>/dev/null; then
      for _ in $(seq 50); do kill -0 "${pids[$i]}" 2>/dev/null || break; sleep 0.1; done
      say "stopped ${names[$i]} (pid ${pids[$i]})"
    fi
  done
  [ "${KEEP:-0}" = 1 ] && say "kept $WORK" || rm -rf "$WORK"
}
trap stop_daemons EXIT

# 1. Packages (the munge package makes /etc/munge/munge.key; apt starts no service here).
if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
  say "installing slurm-wlm and munge"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge >/dev/null
fi
say "$(slurmctld -V), $(munged --version 2>&1 | head -n 1)"
if pgrep -x slurmctld >/dev/null || pgrep -x slurmd >/dev/null; then
  fail "a slurmctld or slurmd runs already on this machine: stop it first"
fi

# 2. Daemons.
if munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
  say "munged answers already: using it"
else
  install -d -o munge -g munge -m 0755 /run/munge
  runuser -u munge -- /usr/sbin/munged
  for _ in $(seq 50); do [ -s /run/munge/munged.pid ] && break; sleep 0.1; done
  pids+=("$(cat /run/munge/munged.pid)")
  names+=(munged)
  munge -n | unmunge >/dev/null || fail "munged does not answer"
  say "started munged (pid ${pids[-1]})"
fi

host=$(hostname)
cpus=$(nproc)
memory=$(($(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 - 1024))
mkdir -p "$WORK/etc" "$WORK/state" "$WORK/spool" "$WORK/log" "$WORK/run" "$WORK/results"
export SLURM_CONF="$WORK/etc/slurm.conf"
cat >"$SLURM_CONF" <<CONF
# One node, no accounting, no cgroups (this sandbox's cgroups are v1 and not ours to change).
ClusterName=diffprobe-trial
SlurmctldHost=$host
SlurmUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
JobCompType=jobcomp/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
# A failed array task must not leave the afterok merge pending for ever.
SchedulerParameters=kill_invalid_depend
ReturnToService=2
MpiDefault=none
StateSaveLocation=$WORK/state
SlurmdSpoolDir=$WORK/spool
SlurmctldPidFile=$WORK/run/slurmctld.pid
SlurmdPidFile=$WORK/run/slurmd.pid
SlurmctldLogFile=$WORK/log/slurmctld.log
SlurmdLogFile=$WORK/log/slurmd.log
NodeName=$host CPUs=$cpus RealMemory=$memory State=UNKNOWN
PartitionName=trial Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
slurmctld -D -f "$SLURM_CONF" >"$WORK/log/slurmctld.out" 2>&1 &
pids+=($!)
names+=(slurmctld)
slurmd -D -f "$SLURM_CONF" >"$WORK/log/slurmd.out" 2>&1 &
pids+=($!)
names+=(slurmd)
say "started slurmctld (pid ${pids[-2]}) and slurmd (pid ${pids[-1]}): node $host, $cpus CPUs, ${memory} MB"
for _ in $(seq 120); do
  state=$(sinfo -h -N -o %t 2>/dev/null | head -n 1 || true)
  [ "$state" = idle ] && break
  sleep 0.5
done
[ "$state" = idle ] || fail "the node is not idle after 60 s (state: ${state:-none})"
say "node $host is idle"

# 3. The array and its merge, as docs/scale-out.md submits them.
OUT="$WORK/results/grid"
submitted=$(SHARDS=$SHARDS EXTRA="--count $COUNT" DATA=bundled:train OUT="$OUT" LOGS="$WORK/results" \
  DIFFPROBE_CACHE_DIR="$WORK/cache" bash deploy/cli/slurm.sh)
echo "$submitted" | head -n 1 | sed 's/^/           /'
read -r _ array _ merge <<<"$(echo "$submitted" | tail -n 1)"
job_state() { scontrol show job "$1" -o 2>/dev/null | grep -o 'JobState=[A-Z_]*' | cut -d= -f2 | sort | uniq -c | xargs; }
for _ in $(seq 1200); do
  merge_state=$(job_state "$merge")
  case "$merge_state" in *COMPLETED* | *FAILED* | *CANCELLED* | *TIMEOUT* | *NODE_FAIL* | *OUT_OF_MEMORY*) break ;; esac
  sleep 0.5
done
say "array $array: $(job_state "$array")"
say "merge $merge: $merge_state"
[ "$merge_state" = "1 COMPLETED" ] || fail "the merge did not complete"
for log in "$WORK"/results/slurm-*.log; do sed "s|^|           $(basename "$log"): |" "$log"; done

# 4. One unsharded run, nothing from the cache, and the comparison.
single="$WORK/results/single"
node dist-cli/diffprobe.js features --manifest public/models/fashion-mnist-ddpm/manifest.json \
  --data bundled:train --count "$COUNT" --t 0,25,100,200,500 --pooling avg --threads "$cpus" \
  --no-cache --quiet --out "$single" | sed 's/^/           /'
merged="$OUT-merged"
(cd "$single" && find . -type f ! -name run.json | sort) >"$WORK/single.txt"
(cd "$merged" && find . -type f ! -name run.json | sort) >"$WORK/merged.txt"
cmp -s "$WORK/single.txt" "$WORK/merged.txt" || fail "the merged output holds other files than one run's"
files=0
while read -r f; do
  cmp -s "$single/$f" "$merged/$f" || fail "$f differs between the merged shards and one run"
  files=$((files + 1))
done <"$WORK/single.txt"
ids=$(node -e 'const r = (d) => require(d + "/run.json").run.id; console.log(r(process.argv[1]), r(process.argv[2]))' \
  "$merged" "$single")
read -r merged_id single_id <<<"$ids"
[ "$merged_id" = "$single_id" ] || fail "run ids differ: merged $merged_id, one run $single_id"
say "merged output of $SHARDS shards is byte-identical to one run: $files files, run $merged_id"
