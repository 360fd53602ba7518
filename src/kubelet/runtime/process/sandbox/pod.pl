# A pod sandbox's parts done by system calls in processes the spawner (spawner.pl) forks, so the
# runtime spawns no program for them: loaded by spawner.pl after root.pl (whose `sys` and
# `make_dir` it uses).
#
#   run_steps([step...])   set-up steps (setup-steps.ts): {dir} makes a folder and its parents,
#                          {file, value} writes (or with append, appends) value, failing only
#                          without optional; {link, target} makes a symbolic link. Returns
#                          undef, or why it failed.
#   run_holder(req, lines) in a forked child: the holder of a pod's namespaces (namespaces.ts).
#   pod_pid_namespace(enter) the PID namespace a container's process is forked into (in its shim)
#   enter_pod(enter)       joins a pod's other namespaces (nsfs files): the container's process
#                          before its root is set up (see shim.pl).
use strict;
use warnings;
use POSIX ();

my %CLONE = (mnt => 0x00020000, uts => 0x04000000, ipc => 0x08000000, net => 0x40000000, pid => 0x20000000);

sub run_steps {
  my ($steps) = @_;
  for my $s (@$steps) {
    if (defined $s->{dir}) {
      my $err = make_dir($s->{dir});
      return $err if defined $err;
      next;
    }
    if (defined $s->{link}) {
      symlink($s->{target}, $s->{link}) or return "symlink $s->{link}: $!";
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

# rtnetlink, for the pod side of its network without an `ip` process (the same steps as
# `ip -batch` lines; network/pod-network.ts's PodLinkStep).
my ($NLM_F_REQUEST, $NLM_F_ACK, $NLM_F_EXCL, $NLM_F_CREATE) = (1, 4, 0x200, 0x400);
my ($RTM_NEWLINK, $RTM_NEWADDR, $RTM_NEWROUTE, $NLMSG_ERROR) = (16, 20, 24, 2);
my ($IFLA_IFNAME, $IFLA_MASTER, $IFLA_LINKINFO, $IFLA_NET_NS_PID) = (3, 10, 18, 19);
my ($IFF_UP, $AF_INET, $AF_NETLINK) = (1, 2, 16);

sub nl_attr {
  my ($type, $data) = @_;
  my $len = 4 + length $data;
  return pack('S S', $len, $type) . $data . ("\0" x ((4 - $len % 4) % 4));
}

sub ifinfo { my ($index, $flags) = @_; pack('C x S l L L', 0, 0, $index, $flags, $flags) }

sub ipv4 {
  my ($a) = @_;
  my @b = split /\./, $a;
  die "not an IPv4 address: $a\n" unless @b == 4;
  return pack('C4', @b);
}

my $seq = 0;

# Sends one request and waits for its acknowledgement; dies with the kernel's error.
sub nl_request {
  my ($nl, $type, $flags, $body, $what) = @_;
  my $msg = pack('L S S L L', 16 + length $body, $type, $flags | $NLM_F_REQUEST | $NLM_F_ACK, ++$seq, 0) . $body;
  defined send($nl, $msg, 0, pack('S x2 L L', $AF_NETLINK, 0, 0)) or die "$what: netlink: $!\n";
  for (;;) {
    defined recv($nl, my $buf, 65536, 0) or die "$what: netlink: $!\n";
    while (length $buf >= 16) {
      my ($len, $t, undef, $s) = unpack('L S S L', $buf);
      last if $len < 16;
      my $part = substr($buf, 0, ($len + 3) & ~3, '');
      next unless $t == $NLMSG_ERROR && $s == $seq;
      my $err = unpack('l', substr($part, 16, 4));
      return if $err == 0;
      $! = -$err;
      die "$what: $!\n";
    }
  }
}

sub ifindex {
  my ($name) = @_;
  socket(my $s, $AF_INET, 2, 0) or die "socket: $!\n";    # SOCK_DGRAM
  my $req = pack('Z16 x24', $name);
  ioctl($s, 0x8933, $req) or die "no device $name: $!\n";    # SIOCGIFINDEX
  return unpack('x16 l', $req);
}

sub netlink_socket {
  socket(my $nl, $AF_NETLINK, 3, 0) or die "netlink socket: $!\n";    # SOCK_RAW, NETLINK_ROUTE
  return $nl;
}

# Runs the pod side's steps in this process's network namespace; $node_nl is a netlink socket
# of the node's (made before this process left its namespace), for the veth's node end.
sub run_links {
  my ($steps, $node_nl) = @_;
  my $nl = netlink_socket();
  my $create = $NLM_F_CREATE | $NLM_F_EXCL;
  for my $s (@$steps) {
    if (defined $s->{veth}) {
      my $peer = nl_attr(1, ifinfo(0, 0) . nl_attr($IFLA_IFNAME, "$s->{peer}\0"));    # VETH_INFO_PEER
      my $info = nl_attr(1, "veth\0") . nl_attr(2, $peer);    # IFLA_INFO_KIND, IFLA_INFO_DATA
      my $body = ifinfo(0, $IFF_UP) . nl_attr($IFLA_IFNAME, "$s->{veth}\0")
        . nl_attr($IFLA_NET_NS_PID, pack('L', $s->{nodePid})) . nl_attr($IFLA_MASTER, pack('L', $s->{master}))
        . nl_attr($IFLA_LINKINFO, $info);
      nl_request($nl, $RTM_NEWLINK, $create, $body, "link add $s->{veth}");
      next unless $s->{master};
      # On the bridge in hairpin mode (a pod reaches itself through a service): by its name in
      # the node's namespace. IFLA_INFO_SLAVE_KIND, IFLA_INFO_SLAVE_DATA { IFLA_BRPORT_MODE }.
      my $port = nl_attr(4, "bridge\0") . nl_attr(5, nl_attr(4, pack('C', 1)));
      $body = ifinfo(0, 0) . nl_attr($IFLA_IFNAME, "$s->{veth}\0") . nl_attr($IFLA_LINKINFO, $port);
      nl_request($node_nl, $RTM_NEWLINK, 0, $body, "link set $s->{veth} type bridge_slave hairpin on");
    } elsif (defined $s->{up}) {
      nl_request($nl, $RTM_NEWLINK, 0, ifinfo(ifindex($s->{up}), $IFF_UP), "link set $s->{up} up");
    } elsif (defined $s->{address}) {
      my $a = ipv4($s->{address});
      my $body = pack('C C C C L', $AF_INET, $s->{prefix}, 0, 0, ifindex($s->{dev})) . nl_attr(2, $a) . nl_attr(1, $a);
      nl_request($nl, $RTM_NEWADDR, $create, $body, "addr add $s->{address}/$s->{prefix} dev $s->{dev}");
    } elsif (defined $s->{gateway}) {
      # main table, boot protocol, universe scope, unicast; RTA_GATEWAY, RTA_OIF
      my $body = pack('C8 L', $AF_INET, 0, 0, 0, 254, 3, 0, 1, 0) . nl_attr(5, ipv4($s->{gateway}))
        . nl_attr(4, pack('L', ifindex($s->{dev})));
      nl_request($nl, $RTM_NEWROUTE, $create, $body, "route add default via $s->{gateway}");
    } else {
      die "unknown link step\n";
    }
  }
  close $nl;
}

# The holder, in the forked child: set up (and the pod side of its network run, read from
# $lines_r when the request has "ip": its link steps by netlink, or else its lines by
# `ip -batch`); then the caller tells it is ready and it holds the namespaces until killed.
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
  # Made here, it stays the node's after the unshare.
  my $node_nl = $req->{ip} ? netlink_socket() : undef;
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
  my @f = defined $line ? split(/\0/, $line =~ s/\n$//r, -1) : ();
  die "no ip lines\n" unless (shift(@f) // '') eq '1';
  my $n = shift(@f) // 0;
  my @lines = splice(@f, 0, $n);
  my $m = shift(@f) // 0;
  my @links = map { link_step(splice(@f, 0, 5)) } 1 .. $m;
  return run_links(\@links, $node_nl) if @links;
  ip_batch(\@lines) if @lines;
}

# One step of the pod side's links from its five fields (spawner.ts's linkFields).
sub link_step {
  my ($kind, @a) = @_;
  return { veth => $a[0], peer => $a[1], nodePid => $a[2], master => $a[3] } if $kind eq 'veth';
  return { up => $a[0] } if $kind eq 'up';
  return { address => $a[0], prefix => $a[1], dev => $a[2] } if $kind eq 'address';
  return { gateway => $a[0], dev => $a[1] } if $kind eq 'gateway';
  die "unknown link step $kind\n";
}

# The PID namespace the container's process is forked into, set in the shim before it forks
# it: for $enter->{pid} "own", a new one (the process is its PID 1); "fork", the pod's (its nsfs
# file among the namespaces); "-", the node's. Returns undef, or why it failed.
sub pod_pid_namespace {
  my ($enter) = @_;
  my $mode = $enter->{pid};
  if ($mode eq 'own') {
    my $f = $CLONE{pid};
    sys('unshare', \$f) or return "unshare the PID namespace: $!";
    return undef;
  }
  return undef unless $mode eq 'fork';
  for my $path (grep { m{/pid_for_children$} } @{ $enter->{namespaces} }) {
    open(my $fh, '<', $path) or return "open $path: $!";
    my ($fd, $any) = (fileno($fh), 0);
    sys('setns', \$fd, \$any) or return "setns $path: $!";
  }
  return undef;
}

# Joins the pod's other namespaces (nsfs files; all opened first: joining a mount namespace
# changes what paths mean). Returns undef, or why it failed.
sub enter_pod {
  my ($enter) = @_;
  my @fds;
  for my $path (grep { !m{/pid_for_children$} } @{ $enter->{namespaces} }) {
    open(my $fh, '<', $path) or return "open $path: $!";
    push @fds, [$fh, $path];
  }
  for (@fds) {
    my ($fh, $path) = @$_;
    my ($fd, $any) = (fileno($fh), 0);
    sys('setns', \$fd, \$any) or return "setns $path: $!";
    close $fh;
  }
  return undef;
}

# Waits for $pid (reaping any other child meanwhile) and exits as it did.
sub wait_for {
  my ($pid) = @_;
  # What it is (ps shows the spawner's command line otherwise): launcher.sh's part, without it.
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
