#!/usr/bin/perl
# killer.pl SEED MODE MAX_MS DIR CMD ARGS...
#
# Starts CMD (stdout and stderr to DIR/../killer.out) and kills it with SIGKILL:
#   MODE any    after a random delay of 0 to MAX_MS milliseconds;
#   MODE write  once CMD starts writing: a temporary file of its (DIR/.modules.*.PID[.*].tmp)
#               appears or a DIR/modules.* file changes (inode, size or modification time; an
#               in-place writer shows so), after a further random delay of 0 to MAX_MS
#               milliseconds (so the kill lands while depmod writes its files, when it matters).
# The delay comes from perl's generator seeded with SEED. Prints `killed` when the signal ended
# CMD, `finished RC` when CMD exited first.
use strict;
use warnings;
use POSIX ':sys_wait_h';
use Time::HiRes qw(usleep time);

my ($seed, $mode, $max_ms, $dir, @cmd) = @ARGV;
die "usage: $0 SEED any|write MAX_MS DIR CMD...\n" unless @cmd;
srand($seed);
my $delay_us = int(rand($max_ms * 1000));

# What DIR's index files look like before CMD starts.
sub index_state {
    opendir(my $dh, $dir) or die "$dir: $!\n";
    my %state;
    for my $f (grep { /^modules\./ } readdir($dh)) {
        my @st = stat("$dir/$f") or next;
        $state{$f} = join(' ', @st[1, 7, 9]);
    }
    closedir($dh);
    return \%state;
}
my $before = index_state();

my $pid = fork() // die "fork: $!\n";
if ($pid == 0) {
    open(STDOUT, '>', "$dir/../killer.out") or die;
    open(STDERR, '>&', \*STDOUT) or die;
    exec(@cmd) or die "exec $cmd[0]: $!\n";
}

sub done_early {
    return waitpid($pid, WNOHANG) == $pid;
}

my $status;
if ($mode eq 'write') {
    my $deadline = time() + 60;
    my $seen = 0;
    while (!$seen && time() < $deadline) {
        if (done_early()) { $status = $?; last; }
        opendir(my $dh, $dir) or die "$dir: $!\n";
        $seen = grep { /^\.modules\..*\.$pid(\..*)?\.tmp$/ } readdir($dh);
        closedir($dh);
        if (!$seen) {
            my $now = index_state();
            $seen = grep { ($before->{$_} // '') ne $now->{$_} } keys %$now;
        }
        usleep(100) unless $seen;
    }
}
if (!defined $status) {
    my $end = time() + $delay_us / 1e6;
    while (time() < $end) {
        if (done_early()) { $status = $?; last; }
        usleep(200);
    }
}
if (!defined $status) {
    kill('KILL', $pid);
    waitpid($pid, 0);
    $status = $?;
}
if (WIFSIGNALED($status)) {
    print "killed\n";
} else {
    print 'finished ', WEXITSTATUS($status), "\n";
}
