# The format version in an mvvd_hnsw metapage: an index whose metapage names another version
# (as one written by a later or earlier format would) is refused by a scan, an insert, VACUUM
# and mvvd_hnsw_check with SQLSTATE 0A000 and a hint that rebuilds it, and REINDEX brings it back;
# a damaged magic number is reported as a corrupted index (XX002), and so is a damaged chain of
# copies (rows with equal vectors), which mvvd_hnsw_check reports too. Pages are changed on disk
# while the server is stopped.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

# The metapage's payload starts after the page header (MAXALIGN(SizeOfPageHeaderData) = 24);
# HnswMeta (src/pg/hnsw/format.h) begins with uint32 magic, then uint32 version.
my $magic_offset = 24;
my $version_offset = 28;

my $node = PostgreSQL::Test::Cluster->new('format');
$node->init;
$node->start;

# A page changed behind the server's back would fail its checksum: work without them.
if ($node->safe_psql('postgres', 'SHOW data_checksums') eq 'on')
{
	$node->stop;
	command_ok([ 'pg_checksums', '--disable', '-D', $node->data_dir ],
		'data checksums disabled');
	$node->start;
}

# A schema and an index name that need quoting, so the hint is shown to quote them.
$node->safe_psql(
	'postgres', q{
CREATE EXTENSION mvvd;
CREATE SCHEMA "Store";
CREATE TABLE "Store".t (id int PRIMARY KEY, emb vector(3));
INSERT INTO "Store".t
  SELECT i, ARRAY[i, i % 7, i % 3]::float8[]::vector FROM generate_series(1, 300) i;
CREATE INDEX "Emb_idx" ON "Store".t USING mvvd_hnsw (emb vector_l2_ops);
});

my $settings = 'SET enable_seqscan = off;';
my $scan = q{SELECT id FROM "Store".t ORDER BY emb <-> '[10, 3, 1]' LIMIT 1};
my $insert = q{INSERT INTO "Store".t VALUES (1000, '[1, 2, 3]')};
my $check =
  q{SELECT count(*) FROM mvvd_hnsw_check('"Store"."Emb_idx"') WHERE severity = 'error'};
# A dead row, so that VACUUM's bulk delete opens the index.
my $vacuum = q{VACUUM (INDEX_CLEANUP ON) "Store".t};

like(
	$node->safe_psql('postgres', "$settings EXPLAIN (COSTS OFF) $scan"),
	qr/Index Scan using "Emb_idx"/,
	'the scan uses the index');
is($node->safe_psql('postgres', "$settings $scan"), '10', 'scan finds the row');

# The file of an index.
sub index_path
{
	my ($index) = @_;
	return $node->data_dir . '/'
	  . $node->safe_psql('postgres', qq{SELECT pg_relation_filepath('$index')});
}

# Overwrites bytes of an index's file with a value packed as format says ('L': a native uint32).
sub poke
{
	my ($index, $offset, $value, $format) = @_;
	my $path = index_path($index);

	$node->stop;
	open(my $fh, '+<', $path) or die "open $path: $!";
	binmode $fh;
	seek($fh, $offset, 0) or die "seek $path: $!";
	print $fh pack($format // 'L', $value) or die "write $path: $!";
	close($fh) or die "close $path: $!";
	$node->start;
}

# Overwrites 4 bytes of the index's metapage (its first block).
sub poke_metapage
{
	my ($offset, $value) = @_;
	poke('"Store"."Emb_idx"', $offset, $value);
}

# Runs sql expecting an ERROR; returns its verbose report (with the SQLSTATE).
sub fails
{
	my ($sql) = @_;
	my ($ret, $stdout, $stderr) =
	  $node->psql('postgres', "\\set VERBOSITY verbose\n$settings $sql");

	isnt($ret, 0, "fails: $sql");
	return $stderr;
}

# A metapage of another format version.
$node->safe_psql('postgres', q{DELETE FROM "Store".t WHERE id = 5});
poke_metapage($version_offset, 2);
my $hint;
for my $sql ($scan, $insert, $vacuum, $check)
{
	my $err = fails($sql);

	like(
		$err,
		qr/ERROR:  0A000: index "Emb_idx" has mvvd_hnsw format version 2, but this build of mvvd reads version 3/,
		"version refused with 0A000: $sql");
	like(
		$err,
		qr/HINT:  REINDEX INDEX "Store"\."Emb_idx";/,
		"hint names the REINDEX command: $sql");
	($hint) = $err =~ /HINT:  (REINDEX INDEX .*;)/;
}

# The hint's command rebuilds the index.
$node->safe_psql('postgres', $hint);
is($node->safe_psql('postgres', "$settings $scan"),
	'10', 'scan works again after REINDEX');
$node->safe_psql('postgres', $insert);
is($node->safe_psql('postgres', $check), '0', 'rebuilt index checks clean');

# A damaged magic number: not an mvvd_hnsw metapage at all.
poke_metapage($magic_offset, 0xDEADBEEF);
like(
	fails($scan),
	qr/ERROR:  XX002: index "Emb_idx" is not a valid mvvd_hnsw index/,
	'bad magic refused as a corrupted index (XX002)');
$node->safe_psql('postgres', q{REINDEX INDEX "Store"."Emb_idx"});
is($node->safe_psql('postgres', "$settings $scan"),
	'10', 'scan works after REINDEX of the damaged index');

# A damaged chain of copies. 100 distinct rows and 21 equal ones: the build makes the first
# equal row an element (id 100) and the other 20 its copies (ids 101 to 120), chained from the
# newest (120) down to the oldest.
$node->safe_psql(
	'postgres', q{
CREATE TABLE "Store".dup (id int, emb vector(3));
INSERT INTO "Store".dup
  SELECT i, ARRAY[i, i % 7, i % 3]::float8[]::vector FROM generate_series(1, 100) i;
INSERT INTO "Store".dup SELECT 1000 + i, '[50, 50, 50]' FROM generate_series(0, 20) i;
CREATE INDEX dup_idx ON "Store".dup USING mvvd_hnsw (emb vector_l2_ops);
});
my $copies =
  q{SELECT count(*) FROM (SELECT id FROM "Store".dup ORDER BY emb <-> '[50, 50, 50]' LIMIT 21) s WHERE id >= 1000};
my $dup_check = q{SELECT string_agg(severity || ': ' || problem, '; ') FROM mvvd_hnsw_check('"Store".dup_idx')};
is($node->safe_psql('postgres', "$settings $copies"), '21', 'every equal row is found');
is($node->safe_psql('postgres', $dup_check), '', 'the index with copies checks clean');

# The record of element id: HnswLayout (format.h) follows six uint32s in the metapage payload;
# a record's flags follow its 6-byte heap TID and level, and its next_copy the flags.
sub record_offset
{
	my ($index, $id) = @_;
	my $block_size = $node->safe_psql('postgres', 'SHOW block_size');
	$node->safe_psql('postgres', 'CHECKPOINT');    # the metapage on disk
	open(my $fh, '<', index_path($index)) or die "open: $!";
	binmode $fh;
	seek($fh, $magic_offset + 24, 0) or die "seek: $!";
	read($fh, my $bytes, 40) == 40 or die "read: $!";
	close($fh);
	my ($vector_bytes, $record_bytes, $upper_slot_bytes, $records_per_page,
		$upper_slots_per_page, $per_chunk, $vector_pages, $record_pages,
		$upper_pages, $chunk_pages)
	  = unpack('L10', $bytes);
	my $chunk = int($id / $per_chunk);
	my $index_in_chunk = $id % $per_chunk;
	my $block = 1 + $chunk * $chunk_pages + $vector_pages
	  + int($index_in_chunk / $records_per_page);
	return $block * $block_size + $magic_offset
	  + ($index_in_chunk % $records_per_page) * $record_bytes;
}
my $flags_offset = 7;
my $next_copy_offset = 8;

# Copy 110 made to lead back up to copy 115: out of order (it could loop).
poke('"Store".dup_idx', record_offset('"Store".dup_idx', 110) + $next_copy_offset, 115);
like(
	$node->safe_psql('postgres', $dup_check),
	qr/error: its chain of copies leads from 110 to 115, which is not a copy in order/,
	'the check reports the damaged chain');
like(
	fails($copies),
	qr/ERROR:  XX002: index "dup_idx" has a broken chain of copies/,
	'a scan that meets the damaged chain fails as a corrupted index (XX002)');
# The element made to lead to an ordinary element: the copies after it are in no chain.
$node->safe_psql('postgres', q{REINDEX INDEX "Store".dup_idx});
poke('"Store".dup_idx', record_offset('"Store".dup_idx', 100) + $next_copy_offset, 3);
like(
	$node->safe_psql('postgres', $dup_check),
	qr/error: a copy in no element's chain/,
	'the check reports copies no chain leads to');
# A copy in a chain flagged free (valid, deleted, a copy, free: HNSW_RECORD_* in format.h):
# only VACUUM frees copies, after unlinking them.
$node->safe_psql('postgres', q{REINDEX INDEX "Store".dup_idx});
poke('"Store".dup_idx', record_offset('"Store".dup_idx', 110) + $flags_offset, 0x0F, 'C');
like(
	$node->safe_psql('postgres', $dup_check),
	qr/error: its chain of copies leads from 111 to 110, which is not a copy in order, or is free/,
	'the check reports a chain that leads to a free place');
$node->safe_psql('postgres', q{REINDEX INDEX "Store".dup_idx});
is($node->safe_psql('postgres', "$settings $copies"),
	'21', 'after REINDEX every equal row is found again');

$node->stop;
done_testing();
