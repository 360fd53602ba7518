#!/bin/sh
# The sandbox runtime's container launcher. Arguments are only ever expanded as "$@" and
# quoted variables, never evaluated, so a container's argv reaches exec exactly as given.
#
#   launcher.sh join <cgroup.procs file>... -- <argv>
#     writes its PID into each cgroup, then execs argv (which inherits the cgroups): exec.
#   launcher.sh root <dir> <own|host> <shm dir|-> <cwd> <cgroup.procs file>... --
#                    [<ro|rw> <hostPath> <containerPath>]... -- <argv>
#     run in a fresh mount namespace (and PID namespace): joins the cgroups, pivots into a
#     private root (an overlay of / whose writes land in <dir>/upper, with <dir>/upper/.oldroot,
#     <dir>/work and <dir>/root made beforehand; /dev likewise in <dir>/dev/{upper,work}),
#     binds the mounts at their containerPath there, writes its PID on the node to <dir>/pid
#     and runs argv.
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
# /dev is a copy-on-write overlay of the node's too (mount points such as /dev/termination-log
# land in <dir>/dev), with the node's mounts under it (pts, shm, mqueue) bound back.
mount -t overlay -o "lowerdir=$old/dev,upperdir=$old$dir/dev/upper,workdir=$old$dir/dev/work" k8ts-dev /dev
for sub in pts shm mqueue hugepages; do
  if mountpoint -q "$old/dev/$sub"; then mount --rbind "$old/dev/$sub" "/dev/$sub"; fi
done
mount --rbind "$old/sys" /sys
if [ "$proc" = own ]; then mount -t proc proc /proc; else mount --rbind "$old/proc" /proc; fi
[ "$shm" = - ] || mount --bind "$old$shm" /dev/shm
# Mount points are made inside the new root (symlinks resolve there; writes land in the upper).
while [ "$1" != -- ]; do
  mode=$1 host=$2 target=$3
  shift 3
  if [ -d "$old$host" ]; then
    [ -d "$target" ] || mkdir -p "$target"
  elif [ ! -e "$target" ]; then
    [ -d "${target%/*}/" ] || mkdir -p "${target%/*}/"
    : >"$target"
  fi
  mount --rbind "$old$host" "$target"
  [ "$mode" = rw ] || mount -o remount,bind,ro "$target"
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
