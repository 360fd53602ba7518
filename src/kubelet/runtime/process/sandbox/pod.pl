# A pod sandbox's parts done by system calls in processes the spawner (spawner.pl) forks, so the
# runtime spawns no program for them: loaded by spawner.pl after root.pl (whose `sys` it uses).
#
#   run_steps([step...])   set-up steps (setup-steps.ts): {dir} makes a folder and its parents,
#                          {file, value} writes (or with append, appends) value, failing only
#                          without optional. Returns undef, or why it failed.
#   run_holder(req, lines) in a forked child: the holder of a pod's namespaces (namespaces.ts).
#   enter_pod(enter)       joins a pod's namespaces (nsfs files) and its PID namespace: the
#                          container's process before its root is set up (see shim.pl).
use strict;
use warnings;
use POSIX ();
use File::Path ();
use JSON::PP ();

my %CLONE = (mnt => 0x00020000, uts => 0x04000000, ipc => 0x08000000, net => 0x40000000, pid => 0x20000000);

sub run_steps {
  my ($steps) = @_;
  for my $s (@$steps) {
    if (defined $s->{dir}) {
      next if -d $s->{dir};
      my $err;
      File::Path::make_path($s->{dir}, { error => \$err });
      return "mkdir $s->{dir}: " . join('; ', map { values %$_ } @$err) if $err && @$err;
      next;
    }
    my $fh;
    my $ok = open($fh, $s->{append} ? '>>' : '>', $s->{file}) && (print {$fh} $s->{value}) && close($fh);
    return "write $s->{file}: $!" unless $ok || $s->{optional};
  }
  return undef;
}

sub ip_program {
  for my $dir (qw(/usr/sbin /usr/bin /sbin /bin)) {
    return "$dir/ip" if -x "$dir/ip";
  }
  return 'ip';
}

# Runs `ip -batch -` with $lines on stdin; dies with its stderr when it fails.
sub ip_batch {
  my ($lines) = @_;
  my $ip = ip_program();
  pipe(my $in_r, my $in_w) or die "pipe: $!\n";
  pipe(my $err_r, my $err_w) or die "pipe: $!\n";
  my $pid = fork() // die "fork: $!\n";
  if ($pid == 0) {
    open(STDIN, '<&', $in_r) && open(STDERR, '>&', $err_w) && open(STDOUT, '>', '/dev/null')
      or POSIX::_exit(127);
    { no warnings 'exec'; exec { $ip } 'ip', '-batch', '-'; }
    POSIX::_exit(127);
  }
  close $in_r;
  close $err_w;
  print {$in_w} map { "$_\n" } @$lines;
  close $in_w;
  my $err = do { local $/; <$err_r> } // '';
  waitpid($pid, 0);
  die "ip -batch: " . ($err =~ s/\s+$//r || "exit status $?") . "\n" if $?;
}

# The holder, in the forked child: set up (and its ip lines run, read from $lines_r when the
# request has "ip"); then the caller tells it is ready and it holds the namespaces until killed.
# Dies with why it failed.
sub run_holder {
  my ($req, $lines_r) = @_;
  POSIX::setsid();
  my $err = run_steps($req->{steps} // []);
  die "$err\n" if defined $err;
  for my $procs (@{ $req->{cgroups} // [] }) {
    open(my $fh, '>', $procs) or die "$procs: $!\n";
    print {$fh} "$$\n";
    close($fh) or die "$procs: $!\n";
  }
  my $flags = $CLONE{mnt};
  $flags |= $CLONE{$_} // die "unknown namespace $_\n" for @{ $req->{kinds} };
  sys('unshare', \$flags) or die "unshare: $!\n";
  my $private = 16384 | 262144;    # MS_REC | MS_PRIVATE
  sys('mount', 'none', '/', undef, \$private, undef) or die "mount --make-rprivate /: $!\n";
  my $host = $req->{hostname};
  if (defined $host && grep { $_ eq 'uts' } @{ $req->{kinds} }) {
    my $len = length $host;
    sys('sethostname', $host, \$len) or die "sethostname: $!\n";
  }
  if (defined(my $shm = $req->{shm})) {
    my $f = 2 | 4;    # MS_NOSUID | MS_NODEV
    sys('mount', 'shm', $shm, 'tmpfs', \$f, 'mode=1777,size=67108864') or die "mount shm on $shm: $!\n";
  }
  return unless $req->{ip};
  my $line = <$lines_r>;
  my $lines = defined $line ? JSON::PP::decode_json($line) : undef;
  die "no ip lines\n" unless ref $lines eq 'ARRAY';
  ip_batch($lines) if @$lines;
}

# Joins the nsfs files of $enter->{namespaces} (all opened first: joining a mount namespace
# changes what paths mean) and, for $enter->{pid}: "own", a new PID namespace; "fork", the
# pod's PID namespace joined (among the files); "-", the node's. With a PID namespace the
# caller continues in a forked child, which is in it: this process waits for that child and
# exits with its exit code (128 + the signal that ended it) and never returns. Returns undef in
# the process that goes on (this one or its child), or why it failed.
sub enter_pod {
  my ($enter, $fail) = @_;
  my @fds;
  for my $path (@{ $enter->{namespaces} }) {
    open(my $fh, '<', $path) or return "open $path: $!";
    push @fds, [$fh, $path];
  }
  for (@fds) {
    my ($fh, $path) = @$_;
    my $fd = fileno($fh);
    my $any = 0;
    sys('setns', \$fd, \$any) or return "setns $path: $!";
    close $fh;
  }
  my $pid = $enter->{pid};
  return undef if $pid eq '-';
  if ($pid eq 'own') {
    my $f = $CLONE{pid};
    sys('unshare', \$f) or return "unshare the PID namespace: $!";
  }
  my $child = fork();
  return "fork: $!" unless defined $child;
  return undef if $child == 0;
  # The descriptors the child reports through are its own now.
  $fail->();
  wait_for($child);
}

# Waits for $pid (reaping any other child meanwhile) and exits as it did.
sub wait_for {
  my ($pid) = @_;
  # What it is (ps shows the spawner's command line otherwise): as launcher.sh is, without the spawner.
  $0 = 'k8ts-launcher';
  $SIG{$_} = 'IGNORE' for qw(TERM INT HUP);
  for (;;) {
    my $got = waitpid(-1, 0);
    if ($got == $pid) {
      POSIX::_exit(($? & 127) ? 128 + ($? & 127) : $? >> 8);
    }
    POSIX::_exit(255) if $got == -1 && !$!{EINTR};
  }
}

# PID 1 of the container's own PID namespace, after its root is set up: the program runs as its
# child (so a signal that kills the program ends as exit code 128+n), and orphans are reaped
# while it waits. Returns in the child (which then execs the program).
sub pid1_fork {
  my ($fail) = @_;
  my $child = fork();
  return "fork: $!" unless defined $child;
  return undef if $child == 0;
  $fail->();
  wait_for($child);
}
1;
