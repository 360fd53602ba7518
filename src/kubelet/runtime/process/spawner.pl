# The process runtime's spawner: one long-lived perl process per runtime that starts shims by
# forking itself (shim.pl's `run_shim`, with root.pl's `enter_root` for a private root and
# sandbox/pod.pl's `enter_pod` for a pod's namespaces), and the holders of pods' namespaces
# (sandbox/pod.pl's `run_holder`), so starting a container or a pod costs the kubelet one write
# and no process of its own.
#
#   perl spawner.pl
#
# Reads requests on stdin, each `<length>\n` then that many bytes: fields ending in NUL. A shim:
#   s <id> <exit file> <log file> <stdin fifo|-> <cwd> <n> <KEY=value>*n <m> <argv>*m
#   <d> <folder>*d <t> (<d|w|o|a> <path> <value>)*t <pod PID mode|-> [<e> <nsfs file>*e]
#   <root dir|-> [<root cwd> <k> <cgroup.procs>*k <s> (<kind> <arg>)*s]
# starts in a child of its own: a new session, the environment given, the folders given made
# (with their parents), the set-up steps run (d: a folder; w: a write; o: an optional write; a:
# an optional append; l: a symbolic link <path> to <value>), the log file made, the working directory given. The child answers on
# stdout itself, in one write of one line:
#   <id> <shim PID> <container PID>       or       <id> <shim PID> error <why>
# A holder of a pod's namespaces (see pod.pl's run_holder):
#   h <id> <hostname> <shm folder|-> <ip: 0|1> <k> <namespace kind>*k <c> <cgroup.procs>*c
#   <t> (<d|w|o|a|l> <path> <value>)*t
#                                 answered `h <id> <holder PID>` as it is forked, then by the
#                                 holder `<id> <holder PID> ready` or `<id> <holder PID> error <why>`
#   l <id> <1> <n> <ip line>*n <m> (<kind> <arg>*4)*m
#                                 the pod side of the network of a holder whose request had ip 1:
#                                 its m link steps run by netlink, or else its n lines by
#                                 `ip -batch` (see pod.pl's link_step); `l <id> 0`: it gives up
# and the spawner says when one of its children (a shim or a holder) exited:
#   x <PID> <wait status>
# The shims and holders are setsid'ed children: when the spawner ends (its stdin closes, or it
# is killed) they go on running under init, which reaps them; the kubelet then polls for the
# shims' exits as it does for adopted containers.
use strict;
use warnings;
use POSIX ();
use File::Basename ();

my $here = File::Basename::dirname(__FILE__);
require "$here/shim.pl";
require "$here/root.pl";
require "$here/sandbox/pod.pl";

# Holders waiting for their network set-up: id => the write end of their pipe.
my %waiting;

my $children = 0;
$SIG{CHLD} = sub { $children = 1 };
$SIG{PIPE} = 'IGNORE';
$SIG{$_} = 'IGNORE' for qw(INT HUP);

# One line on stdout, in one write: the kubelet reads whole lines, and lines up to PIPE_BUF
# bytes from different processes never interleave.
sub say_line {
  my ($line) = @_;
  $line =~ s/\n/ /g;
  syswrite(STDOUT, substr($line, 0, 4000) . "\n");
}

sub reap {
  $children = 0;
  while ((my $pid = waitpid(-1, POSIX::WNOHANG())) > 0) {
    say_line("x $pid $?");
  }
}

# Set-up steps as run_steps takes them, from their count and fields (taken off @$f).
my %STEP = (d => sub { { dir => $_[0] } }, w => sub { { file => $_[0], value => $_[1] } },
  o => sub { { file => $_[0], value => $_[1], optional => 1 } },
  a => sub { { file => $_[0], value => $_[1], optional => 1, append => 1 } },
  l => sub { { link => $_[0], target => $_[1] } });

sub steps {
  my ($f) = @_;
  my $t = shift @$f;
  return [map { my ($k, $p, $v) = splice(@$f, 0, 3); ($STEP{$k} // die "unknown step $k\n")->($p, $v) } 1 .. $t];
}

# A holder request's fields as run_holder's request.
sub parse_holder {
  my @f = split /\0/, $_[0], -1;
  my %r = (id => shift @f, hostname => shift @f);
  my $shm = shift @f;
  $r{shm} = $shm unless $shm eq '-';
  $r{ip} = shift(@f) eq '1';
  my $k = shift @f;
  $r{kinds} = [splice(@f, 0, $k)];
  my $c = shift @f;
  $r{cgroups} = [splice(@f, 0, $c)];
  $r{steps} = steps(\@f);
  return \%r;
}

# The request's fields as run_shim's spec, with its environment and working directory.
sub parse {
  my @f = split /\0/, $_[0], -1;
  my %r = (id => shift @f, exit => shift @f, log => shift @f);
  my $fifo = shift @f;
  $r{stdin} = $fifo eq '-' ? undef : $fifo;
  $r{cwd} = shift @f;
  my $n = shift @f;
  $r{env} = { map { /^([^=]*)=(.*)$/s ? ($1 => $2) : () } splice(@f, 0, $n) };
  my $m = shift @f;
  $r{argv} = [splice(@f, 0, $m)];
  my $d = shift @f;
  $r{dirs} = [splice(@f, 0, $d)];
  $r{steps} = steps(\@f);
  my $pid = shift @f;
  if ($pid ne '-') {
    my $e = shift @f;
    $r{pod} = { pid => $pid, namespaces => [splice(@f, 0, $e)] };
  }
  my $dir = shift @f;
  return \%r if $dir eq '-';
  my %root = (dir => $dir, cwd => shift @f);
  my $k = shift @f;
  $root{cgroups} = [splice(@f, 0, $k)];
  my $s = shift @f;
  $root{steps} = [map { [splice(@f, 0, 2)] } 1 .. $s];
  $r{root} = \%root;
  return \%r;
}

# In a forked child: what the spawner holds for others goes (their pipes of network set-ups).
# The request pipe on stdin is replaced by /dev/null, not closed: a free descriptor 0 would be
# the next file opened (a shim's read-write hold on a container's stdin FIFO), which, below 3,
# survives exec, so the container would hold its own stdin open for writing and never read EOF.
sub forked {
  open(STDIN, '<', '/dev/null') or close STDIN;
  close $_ for values %waiting;
  %waiting = ();
  $SIG{CHLD} = 'DEFAULT';
}

sub start_shim {
  my ($req) = @_;
  my $r = parse($req);
  my $pid = fork();
  if (!defined $pid) {
    say_line("$r->{id} 0 error fork: $!");
    return;
  }
  return if $pid;
  forked();
  POSIX::setsid();
  %ENV = %{ $r->{env} };
  my $shim = $$;
  my $report = sub {
    my ($what) = @_;
    say_line($what =~ /^\d+$/ ? "$r->{id} $shim $what" : "$r->{id} $shim error $what");
  };
  for my $dir (@{ $r->{dirs} }) {
    my $err = make_dir($dir);
    next unless defined $err;
    $report->($err);
    POSIX::_exit(1);
  }
  my $err = run_steps($r->{steps});
  if (defined $err) {
    $report->($err);
    POSIX::_exit(1);
  }
  if (open(my $fh, '>>', $r->{log})) { close $fh }
  if (!chdir($r->{cwd})) {
    $report->("chdir $r->{cwd}: $!");
    POSIX::_exit(1);
  }
  run_shim($r, $report);
}

sub start_holder {
  my ($fields) = @_;
  my $req = eval { parse_holder($fields) };
  my $id = $req ? $req->{id} : (split /\0/, $fields, 2)[0];
  return say_line("$id 0 error bad request: " . ($@ =~ s/\s+$//r)) unless $req;
  pipe(my $r, my $w) or return say_line("$id 0 error pipe: $!");
  my $pid = fork();
  return say_line("$id 0 error fork: $!") unless defined $pid;
  if ($pid == 0) {
    forked();
    close $w;
    open(STDIN, '<', '/dev/null');
    my $holder = $$;
    eval { run_holder($req, $r); 1 } or do {
      say_line("$id $holder error " . ($@ =~ s/\s+$//r));
      POSIX::_exit(1);
    };
    say_line("$id $holder ready");
    close $r;
    open(STDOUT, '>', '/dev/null');
    open(STDERR, '>', '/dev/null');
    # What it is to the pod, as upstream's pause container; no program to exec for it.
    $0 = 'pause';
    $SIG{$_} = 'DEFAULT' for qw(INT HUP PIPE);
    POSIX::pause() while 1;
  }
  close $r;
  # Told at once (before its exit can be), so the caller plans its network while it sets up.
  say_line("h $id $pid");
  if ($req->{ip}) { $waiting{$id} = $w } else { close $w }
}

sub holder_lines {
  my ($id, $text) = @_;
  my $w = delete $waiting{$id} or return;
  print {$w} "$text\n";
  close $w;
}

sub start {
  my ($req) = @_;
  my ($kind, $rest) = split /\0/, $req, 2;
  return start_shim($rest) if $kind eq 's';
  return start_holder($rest // '') if $kind eq 'h';
  my ($id, $text) = split /\0/, $rest // '', 2;
  return holder_lines($id, $text // '') if $kind eq 'l';
}

my $buf = '';
for (;;) {
  reap() if $children;
  my $rin = '';
  vec($rin, 0, 1) = 1;
  # Wake now and then, in case SIGCHLD came just before the select began.
  my $n = select(my $rout = $rin, undef, undef, 0.5);
  next unless $n > 0;
  my $got = sysread(STDIN, $buf, 1 << 20, length $buf);
  next if !defined $got && $!{EINTR};
  last unless $got;
  while ($buf =~ /^(\d+)\n/ && length($buf) >= length($1) + 1 + $1) {
    my $len = $1;
    substr($buf, 0, length($len) + 1, '');
    start(substr($buf, 0, $len, ''));
  }
}
reap();
