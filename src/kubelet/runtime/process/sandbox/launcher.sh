#!/bin/sh
# The sandbox runtime's container launcher. Arguments are only ever expanded as "$@" and
# quoted variables, never evaluated, so a container's argv reaches exec exactly as given.
#
#   launcher.sh join <cgroup.procs file>... -- <argv>
#     writes its PID into each cgroup, then execs argv (which inherits the cgroups).
#   launcher.sh root <dir> <own|host> <shm dir|-> <cwd> [<ro|rw> <hostPath> <containerPath>]... -- <argv>
#     run in a fresh mount namespace (and PID namespace): records its PID on the node in
#     <dir>/pid once ready, builds a private root (an overlay of / whose writes land in a tmpfs), binds
#     the mounts at their containerPath inside it, pivots into it and execs argv.
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
dir=$1 proc=$2 shm=$3 cwd=$4
shift 4
# /proc is still the node's here, so this reads the PID the node knows this process by. It is
# written to <dir>/pid (through a descriptor that outlives the pivot) once the root is ready.
read -r hostpid _ </proc/self/stat
exec 3>"$dir/pid"
mount -t tmpfs -o mode=0755 k8ts-root "$dir/rt"
mkdir "$dir/rt/upper" "$dir/rt/work" "$dir/rt/root"
mount -t overlay -o "lowerdir=/,upperdir=$dir/rt/upper,workdir=$dir/rt/work" k8ts-root "$dir/rt/root"
cd "$dir/rt/root"
mkdir -p .oldroot
pivot_root . .oldroot
old=/.oldroot
cd /
mount --rbind "$old/dev" /dev
mount --rbind "$old/sys" /sys
if [ "$proc" = own ]; then mount -t proc proc /proc; else mount --rbind "$old/proc" /proc; fi
[ "$shm" = - ] || mount --bind "$old$shm" /dev/shm
# Mount points are made inside the new root (symlinks resolve there; writes land in the tmpfs).
while [ "$1" != -- ]; do
  mode=$1 host=$2 target=$3
  shift 3
  if [ -d "$old$host" ]; then
    mkdir -p "$target"
  else
    mkdir -p "${target%/*}/"
    [ -e "$target" ] || : >"$target"
  fi
  mount --bind "$old$host" "$target"
  [ "$mode" = rw ] || mount -o remount,bind,ro "$target"
done
shift
umount -l "$old"
rmdir "$old"
mkdir -p "$cwd"
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
