# The shim's log writer when perl is there (shim.sh's own, in bash, reads a byte at a time):
#   perl copy.pl <log file> <stdout|stderr>
# Copies standard input to the log as CRI records until EOF: a line a record (F), a line longer
# than 16 KiB or left unfinished for 50 ms in partial records (P). The file is opened for each
# chunk read, so a rotation (a rename) is followed at once.
use strict;
use warnings;
BEGIN { eval { require Time::HiRes; Time::HiRes->import('time'); 1 } }
my ($log, $stream) = @ARGV;
my $max = 16 * 1024;
my ($buf, $out) = ('', '');

sub record {
  my ($tag, $text) = @_;
  my $t = time;
  my @g = gmtime($t);
  $out .= sprintf("%04d-%02d-%02dT%02d:%02d:%02d.%09dZ %s %s %s\n",
    $g[5] + 1900, $g[4] + 1, $g[3], $g[2], $g[1], $g[0], ($t - int($t)) * 1e9, $stream, $tag, $text);
}

sub flush_out {
  return unless length $out;
  if (open(my $fh, '>>', $log)) {
    print $fh $out;
    close $fh;
  }
  $out = '';
}

my $rin = '';
vec($rin, fileno(STDIN), 1) = 1;
while (1) {
  my $n = select(my $rout = $rin, undef, undef, length($buf) ? 0.05 : undef);
  next if $n < 0;
  if ($n == 0) {
    record('P', $buf);
    $buf = '';
    flush_out();
    next;
  }
  my $got = sysread(STDIN, $buf, 65536, length $buf);
  next if !defined $got && $!{EINTR};
  last unless $got;
  while ((my $i = index($buf, "\n")) >= 0) {
    my $line = substr($buf, 0, $i + 1, '');
    chop $line;
    record('P', substr($line, 0, $max, '')) while length($line) > $max;
    record('F', $line);
  }
  record('P', substr($buf, 0, $max, '')) while length($buf) > $max;
  flush_out();
}
record('P', $buf) if length $buf;
flush_out();
