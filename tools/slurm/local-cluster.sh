#!/usr/bin/env bash
# A throw-away one-node Slurm cluster on this machine, for tests of the job-array scripts beside this file.
#
#   tools/slurm/local-cluster.sh start STATE_DIR   # prints "export SLURM_CONF=STATE_DIR/slurm.conf" on stdout
#   tools/slurm/local-cluster.sh stop  STATE_DIR   # safe to run twice, or on a STATE_DIR that never started
#
# Typical use:  eval "$(tools/slurm/local-cluster.sh start /tmp/fl-slurm)" ; ... ; tools/slurm/local-cluster.sh stop /tmp/fl-slurm
#
# Needs root (slurmd runs jobs as the submitting user and must be able to switch to it) and the Debian
# packages: slurmctld slurmd slurm-client munge (slurm-wlm pulls in the same and more).
#
# Everything lives in STATE_DIR: slurm.conf, a fresh munge key, munged's socket/pid/log/seed, slurmctld's
# state, slurmd's spool, pid and log files. munged runs on its own socket (slurm.conf AuthInfo=socket=...),
# so a system munge or Slurm on the machine is neither used nor disturbed. stop kills only the daemons whose
# pid files are in STATE_DIR, and only if their command line still names STATE_DIR (no pid-reuse accidents).
#
# Messages go to stderr; stdout carries only the export line, so that `eval "$(... start DIR)"` works.
# Every wait is bounded (LOCAL_SLURM_TIMEOUT seconds, default 30); on failure the logs' tails are printed.
#
# Environment knobs (all optional):
#   LOCAL_SLURM_TIMEOUT   seconds to wait for each daemon / the node to come up (default 30)
#   LOCAL_SLURM_PORT      slurmctld port; slurmd uses PORT+1 (default: first free pair from 6817 up)
set -euo pipefail

readonly TIMEOUT=${LOCAL_SLURM_TIMEOUT:-30}

say() { printf 'local-cluster: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

usage() {
    echo "usage: $0 start|stop STATE_DIR" >&2
    exit 64
}

# Absolute path without requiring it to exist (realpath -m) and without symlink surprises later.
abs_path() { realpath -m -- "$1"; }

# Is something accepting TCP connections on 127.0.0.1:$1?  (bash's /dev/tcp; no ss/netstat needed)
port_busy() { timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }

# The pid in pid file $1 if that process is alive and its command line names $2 (the STATE_DIR), else nothing.
# The command-line check keeps us from killing an unrelated process that inherited a stale pid.
live_pid() {
    local file=$1 dir=$2 pid
    [[ -s $file ]] || return 1
    pid=$(tr -dc '0-9' <"$file")
    [[ -n $pid && -r /proc/$pid/cmdline ]] || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$dir/" || return 1
    echo "$pid"
}

# Job steps of this cluster that outlived slurmd (proctrack/linuxproc does not kill them with it): every
# slurmstepd that holds a file inside $1 open (it keeps the slurmd log open), and all its descendants.
# Other processes with files open there (say a test tailing a log) are left alone.
stray_job_pids() {
    local dir=$1 fd pid comm steps=() all
    # Look at the fds of slurmstepd processes only (readlink forks; forks are slow on a loaded machine).
    for pid in /proc/[0-9]*; do
        pid=${pid#/proc/}
        read -r comm 2>/dev/null <"/proc/$pid/comm" || continue
        [[ $comm == slurmstepd ]] || continue
        for fd in "/proc/$pid"/fd/*; do
            if [[ $(readlink "$fd" 2>/dev/null) == "$dir"/* ]]; then
                steps+=("$pid")
                break
            fi
        done
    done 2>/dev/null
    ((${#steps[@]})) || return 0
    # Descendants: repeatedly add children of what we have (ps gives pid/ppid pairs for all processes).
    all=" $(printf '%s ' "${steps[@]}" | tr -s ' ')"
    local changed=1 child parent
    while ((changed)); do
        changed=0
        while read -r child parent; do
            if [[ $all == *" $parent "* && $all != *" $child "* ]]; then
                all+="$child "
                changed=1
            fi
        done < <(ps -e -o pid=,ppid=)
    done
    tr ' ' '\n' <<<"$all" | grep . | sort -un
}

# Exited but not yet reaped counts as gone: daemons are reparented to init, and some inits (containers,
# sandboxes) reap them only after a second or two.
alive_not_zombie() {
    local stat
    read -r stat 2>/dev/null <"/proc/$1/stat" || return 1
    stat=${stat##*) } # the field after "(comm) " is the state
    [[ ${stat%% *} != Z ]]
}

# TERM the pids $2..., wait up to $1 s, then KILL what is left.
terminate() {
    local wait_s=$1 pid deadline alive
    shift
    local pids=("$@")
    ((${#pids[@]})) || return 0
    kill -TERM "${pids[@]}" 2>/dev/null || true
    deadline=$((SECONDS + wait_s))
    while ((SECONDS < deadline)); do
        alive=()
        for pid in "${pids[@]}"; do alive_not_zombie "$pid" && alive+=("$pid"); done
        ((${#alive[@]})) || return 0
        sleep 0.2
    done
    say "still alive after ${wait_s}s, sending KILL: ${alive[*]}"
    kill -KILL "${alive[@]}" 2>/dev/null || true
    sleep 0.5
}

show_logs() {
    local dir=$1 f
    for f in "$dir"/log/*.log "$dir"/log/*.stdout; do
        [[ -s $f ]] || continue
        echo "----- last lines of $f -----" >&2
        tail -n 25 "$f" >&2
    done
}

cmd_stop() {
    local dir=$1 name pid strays
    [[ -d $dir ]] || { say "nothing to stop in $dir"; return 0; }
    # Cancel jobs first so that their steps end cleanly (bounded; harmless if slurmctld is already gone).
    if [[ -f $dir/slurm.conf ]] && live_pid "$dir/run/slurmctld.pid" "$dir" >/dev/null; then
        SLURM_CONF=$dir/slurm.conf timeout 10 scancel --user="$(id -un)" >/dev/null 2>&1 || true
    fi
    # slurmd before slurmctld before munged: each still has what it talks to while it shuts down.
    for name in slurmd slurmctld munged; do
        if pid=$(live_pid "$dir/run/$name.pid" "$dir"); then
            say "stopping $name (pid $pid)"
            terminate "$TIMEOUT" "$pid"
        fi
        rm -f "$dir/run/$name.pid"
    done
    # Job steps (slurmstepd and the job's processes) that outlived slurmd.
    mapfile -t strays < <(stray_job_pids "$dir")
    if ((${#strays[@]})); then
        say "stopping leftover processes using $dir: ${strays[*]}"
        # slurmstepd ignores TERM (its job's processes do not), so do not wait long before KILL.
        terminate 3 "${strays[@]}"
    fi
    return 0
}

need_tools() {
    local missing=() t
    for t in munged munge unmunge slurmctld slurmd sinfo scontrol sbatch squeue scancel realpath timeout; do
        command -v "$t" >/dev/null 2>&1 || missing+=("$t")
    done
    if ((${#missing[@]})); then
        echo "local-cluster: missing ${missing[*]}; install with: apt-get install -y slurmctld slurmd slurm-client munge" >&2
        exit 2
    fi
    [[ $(id -u) -eq 0 ]] || { echo "local-cluster: must run as root (slurmd switches to the job's user)" >&2; exit 2; }
}

# Wait until "$@" succeeds, at most $TIMEOUT s (plus one try: every probe has its own 5 s timeout).
# $1 = what we wait for (for the message).
wait_for() {
    local what=$1 deadline=$((SECONDS + TIMEOUT))
    shift
    until "$@" >/dev/null 2>&1; do
        ((SECONDS < deadline)) || { say "timed out after ${TIMEOUT}s waiting for $what"; return 1; }
        sleep 0.3
    done
}

# A credential made and checked through the socket $1.
munge_ok() { timeout 5 munge -n -S "$1" | timeout 5 unmunge -S "$1"; }

node_idle() { [[ $(timeout 5 sinfo -h -N -n "$NODE" -o %T 2>/dev/null) == idle ]]; }

cmd_start() {
    local dir=$1
    need_tools

    # Paths end up in slurm.conf (no quoting there) and in unix socket names (108-byte limit, and slurmd puts
    # "<node>_<job>.<step>" sockets in its spool dir), so keep them plain and short.
    [[ $dir =~ ^[A-Za-z0-9._/+-]+$ ]] || die "STATE_DIR must contain only [A-Za-z0-9._/+-]: $dir"
    ((${#dir} <= 70)) || die "STATE_DIR path too long for unix sockets (max 70 chars): $dir"

    # A previous run in the same STATE_DIR may still be up (or have left stale pid files): stop it.
    cmd_stop "$dir"

    # Fresh state each start: old job state would only confuse a test.
    rm -rf "$dir/ctld" "$dir/spool" "$dir/munge" "$dir/run" "$dir/log"
    mkdir -p "$dir"/{ctld,spool,munge,run,log}
    # munged insists: the socket's directory must be searchable by all (755) and the key's directory
    # private (700); neither may be group/world writable. Parents of STATE_DIR must not be writable by others
    # either, unless sticky (like /tmp).
    chmod 755 "$dir" "$dir/run"
    chmod 700 "$dir/munge"

    NODE=$(hostname -s 2>/dev/null || true)
    [[ $NODE =~ ^[A-Za-z0-9-]+$ ]] || NODE=localhost
    local cpus mem_mib port
    cpus=$(nproc)
    # 90% of MemTotal: slurmd drains a node that reports less memory than configured.
    mem_mib=$(awk '/^MemTotal:/ { printf "%d", $2 / 1024 * 0.9 }' /proc/meminfo)
    ((mem_mib >= 100)) || mem_mib=100

    if [[ -n ${LOCAL_SLURM_PORT:-} ]]; then
        port=$LOCAL_SLURM_PORT
        if port_busy "$port" || port_busy $((port + 1)); then
            die "port $port or $((port + 1)) is in use (LOCAL_SLURM_PORT)"
        fi
    else
        # Default Slurm ports unless taken (a system Slurm, or a cluster of another STATE_DIR); then the next pair.
        for port in $(seq 6817 2 6899) ''; do
            [[ -n $port ]] || die "no free port pair between 6817 and 6900"
            port_busy "$port" || port_busy $((port + 1)) || break
        done
    fi

    cat >"$dir/slurm.conf" <<EOF
# Written by tools/slurm/local-cluster.sh: a one-node test cluster; all state is in $dir.
ClusterName=fairlab-local
# "name(address)": slurmctld takes the role only if the name is this host's short name (or localhost);
# the address avoids depending on how (or whether) the host name resolves.
SlurmctldHost=$NODE(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
# Our own munged, not the system's /run/munge socket (used by the daemons, the commands and slurmstepd).
AuthInfo=socket=$dir/run/munge.socket
StateSaveLocation=$dir/ctld
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/run/slurmctld.pid
SlurmdPidFile=$dir/run/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
# No cgroups: they are often unavailable or read-only in containers and sandboxes.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SwitchType=switch/none
SchedulerType=sched/backfill
# Schedule a batch job about 1 s after submission instead of 3 s (the high-throughput default).
SchedulerParameters=batch_sched_delay=0
# Nothing to mail; an unset MailProg only adds an error line to the log.
MailProg=/bin/true
SelectType=select/cons_tres
# CR_CPU, not CR_Core: with only CPUs= given, a core of a hyper-threaded machine would otherwise count as
# one allocation unit of two CPUs and halve how many 1-CPU array tasks run at once.
SelectTypeParameters=CR_CPU
# A node that was down comes back by itself as soon as its slurmd registers.
ReturnToService=2
# Keep finished jobs visible to "scontrol show job" for 10 minutes (no accounting database here).
MinJobAge=600
# Small timeouts: tests should not wait long for anything.
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
KillWait=5
NodeName=$NODE NodeAddr=127.0.0.1 NodeHostname=$NODE CPUs=$cpus RealMemory=$mem_mib State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF

    export SLURM_CONF=$dir/slurm.conf

    # A fresh random key (mungekey exists from munge 0.5.14; dd is the classic way).
    if command -v mungekey >/dev/null 2>&1; then
        mungekey --create --force --keyfile="$dir/munge/munge.key"
    else
        dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 status=none
    fi
    chmod 400 "$dir/munge/munge.key"

    # Daemons get </dev/null and their stdio in log/*.stdout so that they never hold the caller's pipes open
    # (a test reading this script's output until EOF would otherwise hang).
    say "starting munged"
    munged --key-file="$dir/munge/munge.key" --socket="$dir/run/munge.socket" \
        --pid-file="$dir/run/munged.pid" --log-file="$dir/log/munged.log" \
        --seed-file="$dir/munge/munged.seed" </dev/null >>"$dir/log/munged.stdout" 2>&1 ||
        { show_logs "$dir"; cmd_stop "$dir"; die "munged failed to start"; }
    wait_for "munged" munge_ok "$dir/run/munge.socket" ||
        { show_logs "$dir"; cmd_stop "$dir"; exit 1; }

    # -c: start with no saved jobs; -i: ignore unreadable state. Both daemonise and write their pid files.
    say "starting slurmctld on 127.0.0.1:$port"
    slurmctld -c -i -f "$SLURM_CONF" </dev/null >>"$dir/log/slurmctld.stdout" 2>&1 ||
        { show_logs "$dir"; cmd_stop "$dir"; die "slurmctld failed to start"; }
    wait_for "slurmctld" timeout 5 scontrol ping ||
        { show_logs "$dir"; cmd_stop "$dir"; exit 1; }

    say "starting slurmd as node $NODE ($cpus CPUs, $mem_mib MiB)"
    slurmd -c -N "$NODE" -f "$SLURM_CONF" </dev/null >>"$dir/log/slurmd.stdout" 2>&1 ||
        { show_logs "$dir"; cmd_stop "$dir"; die "slurmd failed to start"; }
    if ! wait_for "node $NODE to be idle" node_idle; then
        timeout 5 sinfo -N -l >&2 || true
        timeout 5 scontrol show node "$NODE" >&2 || true
        show_logs "$dir"
        cmd_stop "$dir"
        exit 1
    fi
    say "cluster up: node $NODE idle"
    echo "export SLURM_CONF=$SLURM_CONF"
}

(($# == 2)) || usage
case $1 in
start) cmd_start "$(abs_path "$2")" ;;
stop) cmd_stop "$(abs_path "$2")" ;;
*) usage ;;
esac
