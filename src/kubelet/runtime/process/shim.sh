#!/bin/bash
# The process runtime's container shim (what conmon is to CRI-O) where perl is missing (shim.pl,
# one process, is used wherever perl is): it outlives the kubelet, so a kubelet that crashed or
# restarted finds its containers still running and adopts them.
#
#   shim.sh <exit file> <log file> <stdin fifo|-> <SHLVL|-> <PWD|-> <BASH_ENV|-> -- <argv>
#
# The environment is the container's, which the shim's bash changes; SHLVL and PWD are given
# as they were (- when unset) so the container gets them unchanged, and BASH_ENV, which the
# shim's bash would read, comes as an argument only.
# Runs argv in a session (and process group) of its own, with stdin from the FIFO (which the
# shim makes and keeps open, so the container sees no EOF when the kubelet goes away; SIGUSR1
# makes it let go, for stdinOnce) or /dev/null. Prints the container's PID on stdout, then writes its stdout
# and stderr to the log file in the CRI format (a line a record; a long line, or one left
# unfinished for 50 ms, in partial records). Once the program has exited, kills
# what it left in its group, waits for its output to be written and writes its exit code
# (128 + the signal when a signal ended it) to the exit file. Arguments are only ever expanded
# as "$@" and quoted variables, never evaluated.
set -u
exit_file=$1 log=$2 fifo=$3 shlvl=$4 pwd=$5 bash_env=$6
shift 7

# Writes one record: <RFC 3339 time with nanoseconds> <stream> <F|P> <text>.
record() {
  local now=$EPOCHREALTIME ts
  printf -v ts '%(%Y-%m-%dT%H:%M:%S)T' "${now%.*}"
  printf '%s.%s000Z %s %s %s\n' "$ts" "${now#*.}" "$stream" "$1" "$2" >>"$log"
}

# Copies standard input to the log as records of stream $1, until EOF, a byte at a time (about
# 50 times slower than shim.pl, which is used wherever perl is).
copy() {
  export TZ=UTC LC_ALL=C
  local stream=$1 c rest st
  while IFS= read -r -n 1 c; do
    if [ -z "$c" ]; then
      record F ""
      continue
    fi
    IFS= read -r -t 0.05 -n 3999 rest
    st=$?
    if [ "$st" -eq 0 ] && [ "${#rest}" -lt 3999 ]; then
      record F "$c$rest"
    else
      record P "$c$rest"
      [ "$st" -eq 0 ] || [ "$st" -gt 128 ] || break
    fi
  done
}

# Signals for the shim only interrupt its wait: the container gets its own from the runtime.
trap : TERM INT HUP USR1
in=/dev/null
if [ "$fifo" != - ]; then
  [ -p "$fifo" ] || mkfifo -m 600 "$fifo" || exit 1
  exec 3<>"$fifo"
  in=$fifo
  trap 'exec 3>&-' USR1
fi
# As Go's exec.LookPath (which runc uses) tells why a program cannot be run.
if [[ $1 == */* ]]; then
  if [ ! -e "$1" ]; then
    echo "exec: \"$1\": stat $1: no such file or directory"
    exit 127
  elif [ -d "$1" ] || [ ! -x "$1" ]; then
    echo "exec: \"$1\": permission denied"
    exit 127
  fi
elif ! command -v -- "$1" >/dev/null; then
  echo "exec: \"$1\": executable file not found in \$PATH"
  exit 127
fi
out=$exit_file.stdout err=$exit_file.stderr
mkfifo -m 600 "$out" "$err" || exit 1
copy stdout <"$out" 3>&- &
copy_out=$!
copy stderr <"$err" 3>&- &
copy_err=$!
(
  if [ "$shlvl" = - ]; then unset SHLVL; else export SHLVL=$shlvl; fi
  if [ "$pwd" = - ]; then unset PWD; else export PWD=$pwd; fi
  if [ "$bash_env" != - ]; then export BASH_ENV=$bash_env; fi
  exec setsid -- "$@" <"$in" >"$out" 2>"$err" 3>&-
) &
pid=$!
echo "$pid"
exec >/dev/null 2>&1
while :; do
  wait "$pid"
  code=$?
  kill -0 "$pid" 2>/dev/null || break
done
kill -KILL -- "-$pid" 2>/dev/null
# A program killed before it opened its output FIFOs leaves a copier waiting to open its own
# end: opening each (read-write never blocks) lets it go on to read EOF. A copier that had not
# even begun to open its end then is let go by the next round.
for _ in 1 2 3 4 5 6 7 8 9 10; do
  : 4<>"$out" 5<>"$err"
  kill -0 "$copy_out" 2>/dev/null || kill -0 "$copy_err" 2>/dev/null || break
  sleep 0.05
done
exec 3>&-
wait "$copy_out" "$copy_err"
rm -f "$out" "$err"
echo "$code" >"$exit_file.tmp" && mv -f -- "$exit_file.tmp" "$exit_file"
