#!/bin/sh
# The sandbox runtime's container launcher. Arguments are only ever expanded as "$@" and
# quoted variables, never evaluated, so a container's argv reaches exec exactly as given.
#
#   launcher.sh join <cgroup.procs file>... -- <argv>
#     writes its PID into each cgroup, then execs argv (which inherits the cgroups): exec.
#   launcher.sh root <dir> <cwd> <cgroup.procs file>... -- [<step> <arg>]... -- <argv>
#     run in a fresh mount namespace (and PID namespace): joins the cgroups, pivots into a
#     private root (an overlay of / whose writes land in <dir>/upper, with <dir>/upper/.oldroot,
#     <dir>/work and <dir>/root made beforehand, /dev's layers in <dir>/dev), runs the steps (root-mounts.ts): `d <path>` and
#     `f <path>` make a missing mount point (a folder, a file), `mount <fstab>` mounts a pass of
#     the node's file <fstab> in one process, `uts <hostname>` sets the hostname (of a UTS
#     namespace of its own, which it is started in); then writes its PID on the node to <dir>/pid and
#     runs argv.
set -eu
phase=$1
shift
if [ "$phase" = join ]; then
  while [ "$1" != -- ]; do
    echo $$ >"$1"
    shift
  done
  shift
  exec "$@"
fi
[ "$phase" = root ] || { echo "launcher: unknown phase $phase" >&2; exit 127; }
dir=$1 cwd=$2
shift 2
# 0 is "the writer": this process, whatever its PID in its own namespace.
while [ "$1" != -- ]; do
  echo 0 >"$1"
  shift
done
shift
# /proc is still the node's here, so this reads the PID the node knows this process by. It is
# written to <dir>/pid (through a descriptor that outlives the pivot) once the root is ready.
read -r hostpid _ </proc/self/stat
exec 3>"$dir/pid"
mount -t overlay -o "lowerdir=/,upperdir=$dir/upper,workdir=$dir/work" k8ts-root "$dir/root"
cd "$dir/root"
pivot_root . .oldroot
old=/.oldroot
cd /
# Mount points are made inside the new root (symlinks resolve there; writes land in the upper).
while [ "$1" != -- ]; do
  case $1 in
    d) [ -d "$2" ] || mkdir -p "$2" ;;
    f) [ -e "$2" ] || { [ -d "${2%/*}/" ] || mkdir -p "${2%/*}/"; : >"$2"; } ;;
    mount) mount --all --fstab "$old$2" ;;
    uts) hostname "$2" ;;
    *) echo "launcher: unknown step $1" >&2; exit 127 ;;
  esac
  shift 2
done
shift
umount -l "$old"
[ -d "$cwd" ] || mkdir -p "$cwd"
cd "$cwd"
echo "$hostpid" >&3
exec 3>&-
if [ $$ = 1 ]; then
  # PID 1 of its own PID namespace: the program runs as its child (so a signal that kills the
  # program ends as exit code 128+n, which util-linux unshare cannot pass on for SIGKILL itself),
  # and orphans are reaped while it waits.
  "$@"
  exit $?
fi
exec "$@"
