# The sandbox runtime's holder server: one long-lived perl process that forks the processes
# holding pods' namespaces (namespaces.ts), so the runtime spawns no program per pod for them and
# a holder is set up with system calls instead of unshare, sh and mount. Prints "ok" once it runs
# (or why it cannot: the runtime then starts holders as programs). Requests on stdin and answers
# on stdout are one JSON object a line, tagged by the caller:
#
#   {"tag":T,"steps":[STEP...],"kinds":["net","uts","ipc"],"hostname":H,"shm":DIR,"cgroups":[FILE...],"ip":BOOL}
#     forks a holder: it runs the steps in order ({"dir":D} makes a folder and its parents,
#     {"file":F,"value":V} writes V to F, or appends it with "append", failing only
#     without "optional"; setup-steps.ts),
#     joins the cgroups (cgroup.procs files), unshares a mount namespace
#     (propagation private) and the kinds, sets the hostname (uts), mounts the pod's /dev/shm
#     tmpfs on DIR (when given); {"tag":T,"pid":P} is told as it is forked; with "ip", it waits for
#   {"tag":T,"lines":[LINE...]}
#     and runs `ip -batch -` with those lines inside (null lines: it gives up); then answers {"tag":T,"ready":1} (or
#     {"tag":T,"error":MSG} and exits) and waits for its end (named "pause") in its own session.
#   Every holder's exit is told as {"tag":T,"exit":STATUS}.
use strict;
use warnings;
use POSIX ();
use File::Path ();
use JSON::PP ();

my $json = JSON::PP->new->utf8->canonical;

sub answer {
  my ($msg) = @_;
  my $line = $json->encode($msg) . "\n";
  # One write a line: holders and the server share stdout (a pipe: writes up to 4 KiB are whole).
  syswrite(STDOUT, $line);
}

my %sys;
eval {
  require 'syscall.ph';
  %sys = (unshare => &SYS_unshare, mount => &SYS_mount, sethostname => &SYS_sethostname);
  1;
} or do {
  answer({ error => "no system call numbers (syscall.ph): $@" });
  exit 1;
};

my %CLONE = (mnt => 0x00020000, uts => 0x04000000, ipc => 0x08000000, net => 0x40000000);
my ($MS_NOSUID, $MS_NODEV, $MS_REC, $MS_PRIVATE) = (2, 4, 16384, 262144);

sub program {
  my ($name) = @_;
  for my $dir (qw(/usr/sbin /usr/bin /sbin /bin)) {
    return "$dir/$name" if -x "$dir/$name";
  }
  return $name;
}
my $IP = program('ip');

sub check {
  my ($ok, $what) = @_;
  die "$what: $!\n" unless $ok == 0;
}

# Runs `ip -batch -` with $lines on stdin; dies with its stderr when it fails.
sub ip_batch {
  my ($lines) = @_;
  pipe(my $in_r, my $in_w) or die "pipe: $!\n";
  pipe(my $err_r, my $err_w) or die "pipe: $!\n";
  my $pid = fork() // die "fork: $!\n";
  if ($pid == 0) {
    open(STDIN, '<&', $in_r) && open(STDERR, '>&', $err_w) && open(STDOUT, '>', '/dev/null')
      or POSIX::_exit(127);
    { no warnings 'exec'; exec { $IP } 'ip', '-batch', '-'; }
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

sub run_steps {
  my ($steps) = @_;
  for my $s (@$steps) {
    if (defined $s->{dir}) {
      next if -d $s->{dir};
      my $err;
      File::Path::make_path($s->{dir}, { error => \$err });
      die "mkdir $s->{dir}: " . join('; ', map { values %$_ } @$err) . "\n" if $err && @$err;
      next;
    }
    my $fh;
    my $ok = open($fh, $s->{append} ? '>>' : '>', $s->{file}) && (print {$fh} $s->{value}) && close($fh);
    die "write $s->{file}: $!\n" unless $ok || $s->{optional};
  }
}

# The holder, in the forked child: set up and told; then it holds the namespaces until killed.
sub holder {
  my ($req, $lines_r) = @_;
  POSIX::setsid();
  run_steps($req->{steps} // []);
  for my $procs (@{ $req->{cgroups} // [] }) {
    open(my $fh, '>', $procs) or die "$procs: $!\n";
    print {$fh} "$$\n";
    close($fh) or die "$procs: $!\n";
  }
  my $flags = $CLONE{mnt};
  $flags |= $CLONE{$_} // die "unknown namespace $_\n" for @{ $req->{kinds} };
  check(syscall($sys{unshare}, $flags), 'unshare');
  check(syscall($sys{mount}, my $none = 'none', my $root = '/', 0, $MS_REC | $MS_PRIVATE, 0),
    'mount --make-rprivate /');
  my $host = $req->{hostname};
  if (defined $host && grep { $_ eq 'uts' } @{ $req->{kinds} }) {
    check(syscall($sys{sethostname}, $host, length $host), 'sethostname');
  }
  if (defined(my $shm = $req->{shm})) {
    my $opts = 'mode=1777,size=67108864';
    check(syscall($sys{mount}, my $src = 'shm', $shm, my $type = 'tmpfs', $MS_NOSUID | $MS_NODEV, $opts),
      "mount shm on $shm");
  }
  if ($req->{ip}) {
    my $line = <$lines_r>;
    my $lines = defined $line ? $json->decode($line)->{lines} : undef;
    die "no ip lines\n" unless ref $lines eq 'ARRAY';
    ip_batch($lines) if @$lines;
  }
  answer({ tag => $req->{tag}, ready => 1 });
}

$SIG{PIPE} = 'IGNORE';
# Holders' exits, each told once (and reaped, so none stays a zombie).
my %tags;       # pid => tag
my %waiting;    # tag => the write end of the holder's pipe for its ip lines
$SIG{CHLD} = sub {
  while ((my $pid = waitpid(-1, POSIX::WNOHANG())) > 0) {
    my $tag = delete $tags{$pid};
    next unless defined $tag;
    delete $waiting{$tag};
    answer({ tag => $tag, exit => $? });
  }
};
answer({ ok => 1 });

my $chld = POSIX::SigSet->new(POSIX::SIGCHLD());
for (;;) {
  $! = 0;
  my $line = <STDIN>;
  if (!defined $line) {
    next if $!{EINTR};    # a holder's exit, told meanwhile
    last;
  }
  my $req = eval { $json->decode($line) };
  next unless ref $req eq 'HASH' && defined $req->{tag};
  my $tag = $req->{tag};
  if (exists $req->{lines}) {
    my $w = delete $waiting{$tag} or next;
    print {$w} $json->encode({ lines => $req->{lines} }), "\n";
    close $w;
    next;
  }
  pipe(my $r, my $w) or do { answer({ tag => $tag, error => "pipe: $!" }); next };
  # Its exit is told only once its tag is known.
  POSIX::sigprocmask(POSIX::SIG_BLOCK(), $chld);
  my $pid = fork();
  if (!defined $pid) {
    POSIX::sigprocmask(POSIX::SIG_UNBLOCK(), $chld);
    answer({ tag => $tag, error => "fork: $!" });
    next;
  }
  if ($pid == 0) {
    $SIG{CHLD} = 'DEFAULT';
    POSIX::sigprocmask(POSIX::SIG_UNBLOCK(), $chld);
    $SIG{PIPE} = 'DEFAULT';
    close $w;
    close $_ for values %waiting;
    open(STDIN, '<', '/dev/null');
    eval { holder($req, $r); 1 } or do {
      answer({ tag => $tag, error => ($@ =~ s/\s+$//r) });
      POSIX::_exit(1);
    };
    close $r;
    open(STDIN, '<', '/dev/null');
    open(STDOUT, '>', '/dev/null');
    open(STDERR, '>', '/dev/null');
    # What it is to the pod, as upstream's pause container; no program to exec for it.
    $0 = 'pause';
    POSIX::pause() while 1;
  }
  close $r;
  # Told at once, so the caller makes its ip lines while the holder sets up.
  answer({ tag => $tag, pid => $pid });
  $tags{$pid} = $tag;
  if ($req->{ip}) { $waiting{$tag} = $w } else { close $w }
  POSIX::sigprocmask(POSIX::SIG_UNBLOCK(), $chld);
}
