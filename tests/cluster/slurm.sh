#!/usr/bin/env bash
# A real single-node Slurm on localhost, for tests: munge, slurmctld and
# slurmd with a localhost config, their state, spool and logs in one
# directory, no cgroups.
#
#   slurm.sh up             start what is not running (idempotent); prints
#                           "started" or "already up"
#   slurm.sh down           stop slurmctld, slurmd, and munged if up started it
#   slurm.sh with CMD...    up, run CMD with SLURM_CONF set, then down if
#                           up started Slurm (also when CMD or up fails);
#                           exits with CMD's status
#
# Needs root, the packages of scripts/install-deps.sh (libpmix-dev before
# the daemons start: without it `srun --mpi=pmix` hangs), and nothing else
# on its ports. SYNSWEEP_SLURM_DIR (default /tmp/synsweep-slurm) holds
# slurm.conf; SYNSWEEP_SLURM_PORT (default 6917, and the next one) keeps
# it apart from a system Slurm on the usual 6817/6818.
set -euo pipefail

dir=${SYNSWEEP_SLURM_DIR:-/tmp/synsweep-slurm}
port=${SYNSWEEP_SLURM_PORT:-6917}
conf=$dir/slurm.conf
export SLURM_CONF=$conf
timeout=60

say() { echo "slurm.sh: $*" >&2; }

alive() { # pidfile: its process runs (not a zombie: PID 1 may reap late)
    local pid
    pid=$(cat "$1" 2>/dev/null) || return 1
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null &&
        ! ps -o stat= -p "$pid" | grep -q Z
}

node_idle() {
    timeout 5 sinfo -h -o %T 2>/dev/null | grep -qE '^(idle|mixed|allocated)'
}

write_conf() {
    mkdir -p "$dir"/{state,spool,log}
    cat >"$conf" <<EOF
ClusterName=synsweep
SlurmctldHost=localhost
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
AuthType=auth/munge
CredType=cred/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerParameters=batch_sched_delay=0,sched_min_interval=0
ReturnToService=2
MailProg=/bin/true
KillWait=5
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$(nproc) RealMemory=1000 State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
}

start_munge() {
    if [ -S /run/munge/munge.socket.2 ] && munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
        return 0 # someone's munged answers: use it, and leave it be
    fi
    if [ ! -s /etc/munge/munge.key ]; then
        mungekey --create --keyfile=/etc/munge/munge.key || return 1
    fi
    chown munge:munge /etc/munge/munge.key && chmod 0400 /etc/munge/munge.key &&
        install -d -o munge -g munge -m 0755 /run/munge || return 1
    # --force: past a socket a dead munged left
    runuser -u munge -- /usr/sbin/munged --force || return 1
    touch "$dir/munged.ours"
    local i
    for ((i = 0; i < timeout * 10; i++)); do
        munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    say "munged does not answer"
    return 1
}

up() {
    if [ "$(id -u)" -ne 0 ]; then
        say "needs root (the daemons run as root and munge)"
        return 1
    fi
    local cmd
    for cmd in munged slurmctld slurmd sinfo sbatch srun; do
        command -v "$cmd" >/dev/null || { say "no $cmd: run scripts/install-deps.sh"; return 1; }
    done
    # cluster.md P1: the pmix plugin dlopens the unversioned libpmix.so
    if ! ls /usr/lib/*/libpmix.so >/dev/null 2>&1; then
        say "no libpmix.so (libpmix-dev): srun --mpi=pmix would hang"
        return 1
    fi
    if [ -f "$conf" ] && alive "$dir/slurmctld.pid" && alive "$dir/slurmd.pid" && node_idle; then
        echo "already up"
        return 0
    fi
    write_conf
    if ! start_daemons; then
        say "could not start Slurm; logs in $dir/log"
        down
        return 1
    fi
    echo "started"
}

# (called in a condition, where set -e is off: every step says if it failed)
start_daemons() {
    start_munge || return 1
    alive "$dir/slurmctld.pid" || slurmctld -i -f "$conf" || return 1
    alive "$dir/slurmd.pid" || slurmd -N localhost -f "$conf" || return 1
    local i
    for ((i = 0; i < timeout * 4; i++)); do
        node_idle && return 0
        sleep 0.25
    done
    say "the node is not idle after ${timeout} s:"
    tail -n 5 "$dir"/log/*.log >&2
    return 1
}

stop_pidfile() { # pidfile: SIGTERM, then SIGKILL after the timeout
    local pid i
    pid=$(cat "$1" 2>/dev/null) || return 0
    [ -n "$pid" ] || return 0
    for ((i = 0; i < timeout * 10; i++)); do
        alive "$1" || { rm -f "$1"; return 0; }
        [ "$i" -eq 0 ] && kill "$pid" 2>/dev/null
        sleep 0.1
    done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$1"
}

down() {
    if alive "$dir/slurmctld.pid"; then
        # stops slurmd too
        timeout 10 scontrol shutdown >/dev/null 2>&1 || true
    fi
    stop_pidfile "$dir/slurmctld.pid"
    stop_pidfile "$dir/slurmd.pid"
    if [ -f "$dir/munged.ours" ]; then
        stop_pidfile /run/munge/munged.pid
        rm -f "$dir/munged.ours"
    fi
}

case ${1:-} in
up) up ;;
down) down ;;
with)
    shift
    [ $# -gt 0 ] || { say "with needs a command"; exit 2; }
    state=$(up) || exit 1
    if [ "$state" = started ]; then
        trap down EXIT
    fi
    status=0
    "$@" || status=$?
    exit "$status"
    ;;
*)
    sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
    ;;
esac
