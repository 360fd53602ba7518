# A container's private root, set up in the container's own process by system calls, as
# sandbox/launcher.sh's `root` phase does with unshare, mount, pivot_root and umount: loaded
# by the spawner (spawner.pl), whose shims call `enter_root` in the program's process before
# it execs.
#
#   enter_root({ dir, cwd, cgroups => [cgroup.procs files], steps => [[kind, arg]...] })
#
# joins the cgroups, enters a mount namespace of its own (nothing propagates back to the
# node), mounts an overlay of / at <dir>/root (writes land in <dir>/upper; <dir>/work and
# <dir>/upper/.oldroot made beforehand), pivots into it, runs the steps (root-mounts.ts): `d`
# and `f` make a missing mount point (a folder, a file), `mount` mounts the entries of one
# pass, given as fstab text (`move` among the options moves a mount), `uts` enters a UTS
# namespace of its own with the hostname given; then lets go of the
# node's root, enters <cwd> (made when missing) and writes its PID to <dir>/pid. Returns undef,
# or why it failed. A first step `stay` keeps the node's root instead (no overlay, no
# pivot_root): the steps then mount over the node's own paths, in the private namespace only.
use strict;
use warnings;
use POSIX ();

use constant {
  MS_RDONLY => 1,
  MS_NOSUID => 2,
  MS_NODEV => 4,
  MS_NOEXEC => 8,
  MS_REMOUNT => 32,
  MS_BIND => 4096,
  MS_MOVE => 8192,
  MS_REC => 16384,
  MS_PRIVATE => 1 << 18,
  MNT_DETACH => 2,
  CLONE_NEWNS => 0x20000,
  CLONE_NEWUTS => 0x4000000,
};

# The system calls' numbers: Linux's generic table (aarch64, riscv64) or x86_64's.
my %GENERIC = (mount => 40, umount2 => 39, pivot_root => 41, unshare => 97, setns => 268, sethostname => 161);
my %SYSCALLS = (
  x86_64 => { mount => 165, umount2 => 166, pivot_root => 155, unshare => 272, setns => 308, sethostname => 170 },
  aarch64 => \%GENERIC,
  riscv64 => \%GENERIC,
);
my $NR = $SYSCALLS{ (POSIX::uname())[4] };

# A system call whose arguments are strings (copied, so perl passes them as pointers), numbers
# or undef (NULL); true when it succeeded.
sub sys {
  my ($name, @args) = @_;
  return 0 unless $NR;
  my @a = map { !defined $_ ? 0 : ref $_ ? ${$_} : "$_" } @args;
  return syscall($NR->{$name}, @a) == 0;
}

sub flags { \$_[0] }

sub sys_mount {
  my ($source, $target, $type, $flags, $data) = @_;
  return sys('mount', $source, $target, $type, flags($flags), $data);
}

my %OPTION_FLAGS = (
  bind => MS_BIND,
  rbind => MS_BIND | MS_REC,
  move => MS_MOVE,
  ro => MS_RDONLY,
  rw => 0,
  defaults => 0,
  nosuid => MS_NOSUID,
  nodev => MS_NODEV,
  noexec => MS_NOEXEC,
);

# Decodes an fstab field's octal escapes (`\040` for a space).
sub fstab_field { my ($f) = @_; $f =~ s/\\([0-7]{3})/chr(oct($1))/ge; $f }

# Mounts one fstab entry as mount(8) does: a read-only bind is a bind, then a read-only remount.
sub mount_entry {
  my ($source, $target, $type, $options) = @_;
  my $flags = 0;
  my @data;
  for my $o (split /,/, $options) {
    if (exists $OPTION_FLAGS{$o}) { $flags |= $OPTION_FLAGS{$o} } else { push @data, $o }
  }
  my $data = @data ? join(',', @data) : undef;
  if ($flags & MS_BIND) {
    sys_mount($source, $target, undef, $flags & ~MS_RDONLY, undef) or return "mount $source on $target: $!";
    return undef unless $flags & MS_RDONLY;
    my $ro = MS_BIND | MS_REMOUNT | MS_RDONLY | ($flags & (MS_NOSUID | MS_NODEV | MS_NOEXEC));
    sys_mount(undef, $target, undef, $ro, undef) or return "remount $target read-only: $!";
    return undef;
  }
  sys_mount($source, $target, $type eq 'none' ? undef : $type, $flags, $data)
    or return "mount $source on $target: $!";
  return undef;
}

# Makes a folder and its missing parents: mkdir first, so where the parent exists (most of the
# time) that is one system call. Returns undef, or why it failed.
sub make_dir {
  my ($path) = @_;
  return undef if mkdir($path) || ($!{EEXIST} && -d $path);
  return "mkdir $path: $!" unless $!{ENOENT};
  (my $parent = $path) =~ s{/+[^/]+/*$}{};
  return "mkdir $path: $!" if $parent eq '' || $parent eq $path;
  my $err = make_dir($parent);
  return $err if defined $err;
  return undef if mkdir($path) || ($!{EEXIST} && -d $path);
  return "mkdir $path: $!";
}

sub root_step {
  my ($kind, $arg) = @_;
  return make_dir($arg) if $kind eq 'd';
  if ($kind eq 'f') {
    return undef if -e $arg;
    (my $parent = $arg) =~ s{/[^/]*$}{};
    my $err = length $parent ? make_dir($parent) : undef;
    return $err if defined $err;
    open(my $fh, '>', $arg) or return "create $arg: $!";
    close $fh;
    return undef;
  }
  if ($kind eq 'uts') {
    my $len = length $arg;
    sys('unshare', flags(CLONE_NEWUTS)) or return "unshare the UTS namespace: $!";
    sys('sethostname', $arg, \$len) or return "sethostname $arg: $!";
    return undef;
  }
  return "unknown step $kind" unless $kind eq 'mount';
  for my $line (split /\n/, $arg) {
    my @f = map { fstab_field($_) } split(' ', $line);
    next if @f < 4 || $f[0] =~ /^#/;
    my $err = mount_entry(@f[0 .. 3]);
    return $err if defined $err;
  }
  return undef;
}

sub enter_root {
  my ($r) = @_;
  return "no system call numbers for " . (POSIX::uname())[4] unless $NR;
  my $dir = $r->{dir};
  my @steps = @{ $r->{steps} };
  my $stay = @steps && $steps[0][0] eq 'stay' ? shift @steps : undef;
  for my $procs (@{ $r->{cgroups} // [] }) {
    # 0 is "the writer": this process.
    open(my $fh, '>', $procs) or return "join $procs: $!";
    print $fh "0\n";
    close $fh or return "join $procs: $!";
  }
  sys('unshare', flags(CLONE_NEWNS)) or return "unshare: $!";
  sys_mount(undef, '/', undef, MS_REC | MS_PRIVATE, undef) or return "make / private: $!";
  # The PID the node knows this process by (/proc is still the node's; $$ is the one in its
  # own PID namespace).
  my $hostpid = readlink('/proc/self') // $$;
  # Written through a descriptor that outlives the pivot, once the root is ready.
  open(my $pid_fh, '>', "$dir/pid") or return "$dir/pid: $!";
  if (!$stay) {
    my $layers = "lowerdir=/,upperdir=$dir/upper,workdir=$dir/work";
    sys_mount('k8ts-root', "$dir/root", 'overlay', 0, $layers) or return "mount the root overlay: $!";
    chdir("$dir/root") or return "chdir $dir/root: $!";
    sys('pivot_root', '.', '.oldroot') or return "pivot_root: $!";
    chdir('/');
  }
  # Mount points are made inside the new root (symlinks resolve there; writes land in the upper).
  for my $step (@steps) {
    my $err = root_step(@$step);
    return $err if defined $err;
  }
  if (!$stay) {
    sys('umount2', '/.oldroot', flags(MNT_DETACH)) or return "umount /.oldroot: $!";
  }
  my $err = make_dir($r->{cwd});
  return $err if defined $err;
  chdir($r->{cwd}) or return "chdir $r->{cwd}: $!";
  print $pid_fh "$hostpid\n";
  close $pid_fh or return "$dir/pid: $!";
  return undef;
}
1;
