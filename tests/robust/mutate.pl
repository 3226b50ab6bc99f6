#!/usr/bin/perl
# mutate.pl SEED FILE OUTDIR SUFFIX NTRUNC NFLIP
#
# Writes damaged copies of FILE into OUTDIR, deterministically for a given SEED:
#   t<LEN><SUFFIX>  FILE truncated to LEN bytes, for up to NTRUNC lengths: the structural
#                   boundaries of the file (for an ELF64 little-endian module: the header fields,
#                   every section header and every section's start and end; the signature
#                   trailer; for any file its first bytes, its middle and its last bytes), then
#                   random lengths;
#   f<N><SUFFIX>    FILE with 1 to 16 random bytes XORed with random non-zero values, NFLIP of
#                   them: a quarter anywhere, a quarter in the ELF header and section header table
#                   (for other files: the first 4 KiB), half in the parts the tools parse (for a
#                   module .modinfo, __versions, the symbol and string tables, __ksymtab_strings
#                   and the signature trailer; for other files the last 4 KiB).
# Lengths and positions come from perl's own generator seeded with SEED (platform-independent
# since perl 5.20), so a run can be repeated exactly.
use strict;
use warnings;

my ($seed, $file, $out, $suffix, $ntrunc, $nflip) = @ARGV;
die "usage: $0 SEED FILE OUTDIR SUFFIX NTRUNC NFLIP\n" unless defined $nflip;
srand($seed);
open(my $fh, '<:raw', $file) or die "$file: $!\n";
my $data = do { local $/; <$fh> };
close $fh;
my $n = length $data;
die "$file is empty\n" if $n == 0;

my %marks = map { $_ => 1 } (0 .. 8, 12, 16, 18, 20, 24, 32, 40, 48, 52, 58, 60, 62, 63, 64);
$marks{$_} = 1 for (int($n / 2), $n - 1, $n - 2, $n - 4, $n - 12, $n - 28, $n - 29, $n - 40, $n - 41);
my @head;       # [start, length] regions for the header-table flips
my @parsed;     # [start, length] regions for the parsed-parts flips

my $elf = $n >= 64 && substr($data, 0, 6) eq "\x7fELF\x02\x01";
if ($elf) {
    my $shoff = unpack('Q<', substr($data, 40, 8));
    my ($shentsize, $shnum, $shstrndx) = unpack('v3', substr($data, 58, 6));
    push @head, [0, 64];
    if ($shentsize >= 64 && $shoff + $shnum * $shentsize <= $n) {
        push @head, [$shoff, $shnum * $shentsize];
        my @sections;
        for my $i (0 .. $shnum - 1) {
            my $h = $shoff + $i * $shentsize;
            my ($name, $type) = unpack('V2', substr($data, $h, 8));
            my ($off, $size) = unpack('Q<2', substr($data, $h + 24, 16));
            push @sections, [$name, $type, $off, $size];
            $marks{$h} = 1;
            $marks{$h + 24} = 1;
            $marks{$off} = 1 if $off < $n;
            $marks{$off + $size} = 1 if $off + $size < $n;
        }
        my $strtab = $sections[$shstrndx] // [0, 0, 0, 0];
        for my $s (@sections) {
            my ($name, $type, $off, $size) = @$s;
            next if $type == 8 || $off + $size > $n;    # SHT_NOBITS
            my $at = $strtab->[2] + $name;
            my $sname = $at < $n ? (split /\0/, substr($data, $at, 64))[0] // '' : '';
            push @parsed, [$off, $size]
                if $type == 2 || $type == 3    # SHT_SYMTAB, SHT_STRTAB
                || $sname =~ /^(\.modinfo|__versions|__version_ext_\w+|__ksymtab_strings)$/;
        }
    }
    if (substr($data, -28) eq "~Module signature appended~\n") {
        my $len = $n < 1024 ? $n : 1024;
        push @parsed, [$n - $len, $len];
    }
} else {
    push @head, [0, $n < 4096 ? $n : 4096];
    push @parsed, [$n > 4096 ? $n - 4096 : 0, $n < 4096 ? $n : 4096];
}
@head = ([0, $n]) unless @head;
@parsed = @head unless @parsed;

# Truncations: the boundaries first (shuffled, then the first NTRUNC taken), then random.
my @lengths = grep { $_ >= 0 && $_ < $n } keys %marks;
@lengths = map { $_->[1] } sort { $a->[0] <=> $b->[0] } map { [rand(), $_] } sort { $a <=> $b } @lengths;
splice(@lengths, int($ntrunc * 3 / 4)) if @lengths > int($ntrunc * 3 / 4);
my %have = map { $_ => 1 } @lengths;
while (@lengths < $ntrunc && @lengths < $n) {
    my $l = int(rand($n));
    push @lengths, $l unless $have{$l}++;
}
for my $l (@lengths) {
    write_file("$out/t$l$suffix", substr($data, 0, $l));
}

for my $i (1 .. $nflip) {
    my $r = rand();
    my @regions = $r < 0.25 ? ([0, $n]) : $r < 0.5 ? @head : @parsed;
    my $copy = $data;
    my $k = (1, 1, 1, 2, 4, 16)[int(rand(6))];
    for (1 .. $k) {
        my $reg = $regions[int(rand(@regions))];
        my $len = $reg->[1] > 0 ? $reg->[1] : 1;
        my $pos = $reg->[0] + int(rand($len));
        $pos = $n - 1 if $pos >= $n;
        substr($copy, $pos, 1) = chr(ord(substr($copy, $pos, 1)) ^ (1 + int(rand(255))));
    }
    write_file("$out/f$i$suffix", $copy);
}

sub write_file {
    my ($path, $bytes) = @_;
    open(my $o, '>:raw', $path) or die "$path: $!\n";
    print $o $bytes;
    close $o or die "$path: $!\n";
}
