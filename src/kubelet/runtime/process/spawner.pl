# The process runtime's spawner: one long-lived perl process per runtime that starts shims by
# forking itself (shim.pl's `run_shim`, with root.pl's `enter_root` for a private root), so
# starting a container costs the kubelet one write and no process of its own.
#
#   perl spawner.pl
#
# Reads requests on stdin, each `<length>\n` then that many bytes: fields ending in NUL,
#   <id> <exit file> <log file> <stdin fifo|-> <cwd> <n> <KEY=value>*n <m> <argv>*m
#   <d> <folder>*d <root dir|-> [<root cwd> <k> <cgroup.procs>*k <s> (<kind> <arg>)*s]
# and starts each in a child of its own: a new session, the environment given, the folders
# given made (with their parents), the log file made, the working directory given. The child answers on stdout itself, in one write of one line:
#   <id> <shim PID> <container PID>       or       <id> <shim PID> error <why>
# and the spawner says when one of its children (a shim) exited:
#   x <shim PID> <wait status>
# The shims are setsid'ed children: when the spawner ends (its stdin closes, or it is killed)
# they go on running under init, which reaps them; the kubelet then polls for their exits as it
# does for adopted containers.
use strict;
use warnings;
use POSIX ();
use File::Basename ();

my $here = File::Basename::dirname(__FILE__);
require "$here/shim.pl";
require "$here/root.pl";

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

sub start {
  my ($req) = @_;
  my $r = parse($req);
  my $pid = fork();
  if (!defined $pid) {
    say_line("$r->{id} 0 error fork: $!");
    return;
  }
  return if $pid;
  close STDIN;
  POSIX::setsid();
  $SIG{CHLD} = 'DEFAULT';
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
  if (open(my $fh, '>>', $r->{log})) { close $fh }
  if (!chdir($r->{cwd})) {
    $report->("chdir $r->{cwd}: $!");
    POSIX::_exit(1);
  }
  run_shim($r, $report);
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
