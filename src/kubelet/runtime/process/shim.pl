# The process runtime's container shim (what conmon is to CRI-O), in one process: it outlives
# the kubelet, so a kubelet that crashed or restarted finds its containers still running and
# adopts them. shim.sh does the same in bash where perl is missing (Debian always has it).
#
#   perl shim.pl <exit file> <log file> <stdin fifo|-> <SHLVL|-> <PWD|-> <BASH_ENV|-> -- <argv>
#
# SHLVL, PWD and BASH_ENV are set for the program as given (- unsets them), as shim.sh does.
# Runs argv in a session (and process group) of its own, with stdin from the FIFO (which the
# shim makes and keeps open, so the container sees no EOF when the kubelet goes away; SIGUSR1
# makes it let go, for stdinOnce) or /dev/null. Prints the container's PID on stdout once it runs, then
# writes its stdout and stderr to the log file as CRI records: a line a record (F), a line
# longer than 16 KiB or left unfinished for 50 ms in partial records (P); the file is opened for
# each write, so a rotation (a rename) is followed at once. Once the program has exited, kills
# what it left in its group, writes the rest of its output and then its exit code (128 + the
# signal when a signal ended it) to the exit file.
#
# The spawner (spawner.pl) loads this file and runs `run_shim` in a child it forks, with the
# container's private root (root.pl) set up in the program's process before it execs, and a
# sandboxed container's pod namespaces joined before that (sandbox/pod.pl's `enter_pod`).
use strict;
use warnings;
use POSIX ();
BEGIN { eval { require Time::HiRes; Time::HiRes->import('time'); 1 } }

my $MAX = 16 * 1024;
my $PARTIAL_AFTER = 0.05;

# Signals for the shim only interrupt its waits: the container gets its own from the runtime.
our $hold;
our $exited = 0;

sub executable {
  my ($cmd) = @_;
  return -f $cmd && -x _ if $cmd =~ m{/};
  for my $dir (split /:/, $ENV{PATH} // '/usr/local/bin:/usr/bin:/bin', -1) {
    my $path = ($dir eq '' ? '.' : $dir) . "/$cmd";
    return 1 if -f $path && -x _;
  }
  return 0;
}

# Why a program cannot be run, as Go's exec.LookPath (which runc uses) says it: a bare name not
# on the PATH, a path's stat error, or a path that is a folder or not executable.
sub not_found {
  my $cmd = $_[0] // '';
  return "exec: \"$cmd\": executable file not found in \$PATH" unless $cmd =~ m{/};
  return "exec: \"$cmd\": stat $cmd: " . lcfirst("$!") unless stat $cmd;
  return "exec: \"$cmd\": permission denied";
}

# The container's process: its session, environment and streams, its root when it has one
# (`enter_root` from root.pl), then argv; a failure is told through `$ready`, which closes on exec.
sub exec_program {
  my ($s, $out_w, $err_w, $ready) = @_;
  my @argv = @{ $s->{argv} };
  # Every descriptor above 2 (the pipes' other ends, the held FIFO) closes on exec.
  POSIX::setsid();
  $SIG{$_} = 'DEFAULT' for qw(TERM INT HUP USR1 CHLD PIPE);
  for (@{ $s->{env_edits} // [] }) {
    if ($_->[1] eq '-') { delete $ENV{ $_->[0] } } else { $ENV{ $_->[0] } = $_->[1] }
  }
  my $fifo = $s->{stdin};
  my $fail = sub {
    syswrite($ready, $_[0]);
    POSIX::_exit(127);
  };
  open(STDIN, '<', defined $fifo ? $fifo : '/dev/null') or $fail->("open stdin: $!");
  open(STDOUT, '>&', $out_w) or POSIX::_exit(127);
  open(STDERR, '>&', $err_w) or POSIX::_exit(127);
  # A sandboxed container's process (forked into its PID namespace): in its pod's namespaces,
  # then its root, then (own PID namespace) the program a child of this process, its PID 1.
  my $pod = $s->{pod};
  if ($pod) {
    my $err = enter_pod($pod);
    $fail->("failed to enter the pod's namespaces: $err") if defined $err;
  }
  if ($s->{root}) {
    my $err = enter_root($s->{root});
    $fail->("failed to set up the container's root: $err") if defined $err;
    $fail->(not_found($argv[0])) unless executable($argv[0]);
  }
  if ($pod && $pod->{pid} eq 'own') {
    my $err = pid1_fork(sub { close $ready });
    $fail->($err) if defined $err;
  }
  { no warnings 'exec'; exec { $argv[0] } @argv; }
  $fail->("exec $argv[0]: " . lcfirst("$!"));
}

# Starts the container as `$s` says (argv, exit, log, stdin: the FIFO or undef, env_edits,
# root) and follows it until it exits; never returns. `$report` is called once, with the
# container's PID or why it could not start (the shim then exits without an exit file).
sub run_shim {
  my ($s, $report) = @_;
  my @argv = @{ $s->{argv} };
  my $fifo = $s->{stdin};
  $SIG{$_} = sub { } for qw(TERM INT HUP);
  $SIG{USR1} = sub { close($hold) if defined $hold; undef $hold };
  $SIG{CHLD} = sub { $exited = 1 };

  # The stdin FIFO, held open read-write so the container's reads never see EOF while it is held.
  if (defined $fifo) {
    if (!-p $fifo && !POSIX::mkfifo($fifo, 0600)) { $report->("mkfifo $fifo: $!"); POSIX::_exit(1) }
    if (!sysopen($hold, $fifo, POSIX::O_RDWR())) { $report->("open $fifo: $!"); POSIX::_exit(1) }
  }
  # With a root of its own the program is looked for there, once the root is set up.
  if (!@argv || (!$s->{root} && !executable($argv[0]))) {
    $report->(not_found($argv[0]));
    POSIX::_exit(127);
  }

  if ($s->{pod}) {
    my $err = pod_pid_namespace($s->{pod});
    if (defined $err) { $report->("failed to enter the pod's namespaces: $err"); POSIX::_exit(1) }
  }
  pipe(my $out_r, my $out_w) or POSIX::_exit(1);
  pipe(my $err_r, my $err_w) or POSIX::_exit(1);
  # Closed on exec: the PID is told once the program runs in its session (a signal to its
  # group then reaches it); anything read first is why it did not start.
  pipe(my $ready, my $ready_w) or POSIX::_exit(1);
  my $pid = fork();
  POSIX::_exit(1) unless defined $pid;
  exec_program($s, $out_w, $err_w, $ready_w) if $pid == 0;
  close $out_w;
  close $err_w;
  close $ready_w;
  my $why = '';
  for (;;) {
    my $n = sysread($ready, $why, 4096, length $why);
    last if defined $n ? $n == 0 : !$!{EINTR};
  }
  close $ready;
  if (length $why) {
    waitpid($pid, 0);
    $report->($why);
    POSIX::_exit(127);
  }
  $report->($pid);
  open(STDOUT, '>', '/dev/null');
  open(STDERR, '>', '/dev/null');
  follow($pid, $s->{log}, $out_r, $err_r, $s->{exit});
}

# Writes the program's output to the log until both streams end, then its exit code.
sub follow {
  my ($pid, $log, $out_r, $err_r, $exit_file) = @_;
  my %streams = (
    fileno($out_r) => { fh => $out_r, name => 'stdout', buf => '', since => 0 },
    fileno($err_r) => { fh => $err_r, name => 'stderr', buf => '', since => 0 },
  );
  my $pending = '';

  my $record = sub {
    my ($s, $tag, $text) = @_;
    my $t = time;
    my @g = gmtime($t);
    $pending .= sprintf("%04d-%02d-%02dT%02d:%02d:%02d.%09dZ %s %s %s\n",
      $g[5] + 1900, $g[4] + 1, $g[3], $g[2], $g[1], $g[0], ($t - int($t)) * 1e9, $s->{name}, $tag, $text);
  };

  my $flush_log = sub {
    return unless length $pending;
    if (open(my $fh, '>>', $log)) {
      print $fh $pending;
      close $fh;
    }
    $pending = '';
  };

  # Cuts the stream's buffer into records: whole lines, and partial ones when `$all`.
  my $drain = sub {
    my ($s, $all) = @_;
    while ((my $i = index($s->{buf}, "\n")) >= 0) {
      my $line = substr($s->{buf}, 0, $i + 1, '');
      chop $line;
      $record->($s, 'P', substr($line, 0, $MAX, '')) while length($line) > $MAX;
      $record->($s, 'F', $line);
    }
    $record->($s, 'P', substr($s->{buf}, 0, $MAX, '')) while length($s->{buf}) > $MAX;
    if ($all && length $s->{buf}) {
      $record->($s, 'P', $s->{buf});
      $s->{buf} = '';
    }
  };

  my $code;
  my $reap = sub {
    return if defined $code;
    my $got = waitpid($pid, POSIX::WNOHANG());
    return unless $got == $pid;
    $code = ($? & 127) ? 128 + ($? & 127) : $? >> 8;
    # Whatever the program left in its group goes with it.
    kill 'KILL', -$pid;
  };

  while (%streams) {
    $reap->() if $exited;
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
          $drain->($s, 1);
          delete $streams{$fd};
          next;
        }
        # A partial line's 50 ms count from when it began: now, unless it was already waiting.
        my $had_line = index($s->{buf}, "\n") >= 0;
        $drain->($s, 0);
        $s->{since} = time if length $s->{buf} && (!$had || $had_line);
      }
    }
    for my $s (values %streams) {
      $drain->($s, 1) if length $s->{buf} && time - $s->{since} >= $PARTIAL_AFTER;
    }
    $flush_log->();
  }
  $flush_log->();
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
  POSIX::_exit(0);
}

unless (caller) {
  my ($exit_file, $log, $fifo, $shlvl, $pwd, $bash_env, undef, @argv) = @ARGV;
  my @edits = ([SHLVL => $shlvl], [PWD => $pwd], [BASH_ENV => $bash_env // '-']);
  $| = 1;
  run_shim(
    {
      argv => \@argv,
      exit => $exit_file,
      log => $log,
      stdin => $fifo eq '-' ? undef : $fifo,
      env_edits => \@edits,
    },
    sub { print "$_[0]\n" },
  );
}
1;
