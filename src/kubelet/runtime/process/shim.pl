# The process runtime's container shim (what conmon is to CRI-O), in one process: it outlives
# the kubelet, so a kubelet that crashed or restarted finds its containers still running and
# adopts them. shim.sh does the same in bash where perl is missing (Debian always has it).
#
#   perl shim.pl <exit file> <log file> <stdin fifo|-> <SHLVL|-> <PWD|-> <BASH_ENV|-> -- <argv>
#
# SHLVL, PWD and BASH_ENV are set for the program as given (- unsets them), as shim.sh does.
# Runs argv in a session (and process group) of its own, with stdin from the FIFO (which the
# shim makes and keeps open, so the container sees no EOF when the kubelet goes away; SIGUSR1
# makes it let go, for stdinOnce) or /dev/null. Prints the container's PID on stdout, then
# writes its stdout and stderr to the log file as CRI records: a line a record (F), a line
# longer than 16 KiB or left unfinished for 50 ms in partial records (P); the file is opened for
# each write, so a rotation (a rename) is followed at once. Once the program has exited, kills
# what it left in its group, writes the rest of its output and then its exit code (128 + the
# signal when a signal ended it) to the exit file.
use strict;
use warnings;
use POSIX ();
BEGIN { eval { require Time::HiRes; Time::HiRes->import('time'); 1 } }

my ($exit_file, $log, $fifo, $shlvl, $pwd, $bash_env, undef, @argv) = @ARGV;
my $MAX = 16 * 1024;
my $PARTIAL_AFTER = 0.05;

# Signals for the shim only interrupt its waits: the container gets its own from the runtime.
our $hold;
our $exited = 0;
$SIG{$_} = sub { } for qw(TERM INT HUP);
$SIG{USR1} = sub { close($hold) if defined $hold; undef $hold };
$SIG{CHLD} = sub { $exited = 1 };

# The stdin FIFO, held open read-write so the container's reads never see EOF while it is held.
if ($fifo ne '-') {
  POSIX::mkfifo($fifo, 0600) or exit 1 unless -p $fifo;
  sysopen($hold, $fifo, POSIX::O_RDWR()) or exit 1;
}

sub executable {
  my ($cmd) = @_;
  return -f $cmd && -x _ if $cmd =~ m{/};
  for my $dir (split /:/, $ENV{PATH} // '/usr/local/bin:/usr/bin:/bin', -1) {
    my $path = ($dir eq '' ? '.' : $dir) . "/$cmd";
    return 1 if -f $path && -x _;
  }
  return 0;
}

$| = 1;
if (!@argv || !executable($argv[0])) {
  print "exec: \"", ($argv[0] // ''), "\": executable file not found in \$PATH\n";
  exit 127;
}

pipe(my $out_r, my $out_w) or exit 1;
pipe(my $err_r, my $err_w) or exit 1;
my $pid = fork();
exit 1 unless defined $pid;
if ($pid == 0) {
  # Every descriptor above 2 (the pipes' other ends, the held FIFO) closes on exec.
  POSIX::setsid();
  $SIG{$_} = 'DEFAULT' for qw(TERM INT HUP USR1 CHLD);
  for ([SHLVL => $shlvl], [PWD => $pwd], [BASH_ENV => $bash_env]) {
    if ($_->[1] eq '-') { delete $ENV{$_->[0]} } else { $ENV{$_->[0]} = $_->[1] }
  }
  open(STDIN, '<', $fifo ne '-' ? $fifo : '/dev/null') or POSIX::_exit(127);
  open(STDOUT, '>&', $out_w) or POSIX::_exit(127);
  open(STDERR, '>&', $err_w) or POSIX::_exit(127);
  { no warnings 'exec'; exec { $argv[0] } @argv; }
  print STDERR "exec: \"$argv[0]\": $!\n";
  POSIX::_exit(127);
}
close $out_w;
close $err_w;
print "$pid\n";
open(STDOUT, '>', '/dev/null');
open(STDERR, '>', '/dev/null');

my %streams = (
  fileno($out_r) => { fh => $out_r, name => 'stdout', buf => '', since => 0 },
  fileno($err_r) => { fh => $err_r, name => 'stderr', buf => '', since => 0 },
);
my $pending = '';

sub record {
  my ($s, $tag, $text) = @_;
  my $t = time;
  my @g = gmtime($t);
  $pending .= sprintf("%04d-%02d-%02dT%02d:%02d:%02d.%09dZ %s %s %s\n",
    $g[5] + 1900, $g[4] + 1, $g[3], $g[2], $g[1], $g[0], ($t - int($t)) * 1e9, $s->{name}, $tag, $text);
}

sub flush_log {
  return unless length $pending;
  if (open(my $fh, '>>', $log)) {
    print $fh $pending;
    close $fh;
  }
  $pending = '';
}

# Cuts the stream's buffer into records: whole lines, and partial ones when `$all`.
sub drain {
  my ($s, $all) = @_;
  while ((my $i = index($s->{buf}, "\n")) >= 0) {
    my $line = substr($s->{buf}, 0, $i + 1, '');
    chop $line;
    record($s, 'P', substr($line, 0, $MAX, '')) while length($line) > $MAX;
    record($s, 'F', $line);
  }
  record($s, 'P', substr($s->{buf}, 0, $MAX, '')) while length($s->{buf}) > $MAX;
  if ($all && length $s->{buf}) {
    record($s, 'P', $s->{buf});
    $s->{buf} = '';
  }
}

my $code;
sub reap {
  return if defined $code;
  my $got = waitpid($pid, POSIX::WNOHANG());
  return unless $got == $pid;
  $code = ($? & 127) ? 128 + ($? & 127) : $? >> 8;
  # Whatever the program left in its group goes with it.
  kill 'KILL', -$pid;
}

while (%streams) {
  reap() if $exited;
  my $rin = '';
  vec($rin, $_, 1) = 1 for keys %streams;
  # Wake for a partial line's deadline; otherwise now and then, in case SIGCHLD came just
  # before the select began.
  my $timeout = defined $code ? undef : 0.5;
  for my $s (values %streams) {
    next unless length $s->{buf};
    my $left = $s->{since} + $PARTIAL_AFTER - time;
    $left = 0 if $left < 0;
    $timeout = $left if !defined $timeout || $left < $timeout;
  }
  my $n = select(my $rout = $rin, undef, undef, $timeout);
  if ($n > 0) {
    for my $fd (keys %streams) {
      next unless vec($rout, $fd, 1);
      my $s = $streams{$fd};
      my $had = length $s->{buf};
      my $got = sysread($s->{fh}, $s->{buf}, 65536, $had);
      next if !defined $got && $!{EINTR};
      if (!$got) {
        drain($s, 1);
        delete $streams{$fd};
        next;
      }
      # A partial line's 50 ms count from when it began: now, unless it was already waiting.
      my $had_line = index($s->{buf}, "\n") >= 0;
      drain($s, 0);
      $s->{since} = time if length $s->{buf} && (!$had || $had_line);
    }
  }
  for my $s (values %streams) {
    drain($s, 1) if length $s->{buf} && time - $s->{since} >= $PARTIAL_AFTER;
  }
  flush_log();
}
flush_log();
until (defined $code) {
  my $got = waitpid($pid, 0);
  if ($got == $pid) {
    $code = ($? & 127) ? 128 + ($? & 127) : $? >> 8;
    kill 'KILL', -$pid;
  } elsif ($got == -1 && !$!{EINTR}) {
    $code = 255;
  }
}
if (open(my $fh, '>', "$exit_file.tmp")) {
  print $fh "$code\n";
  close $fh;
  rename("$exit_file.tmp", $exit_file);
}
