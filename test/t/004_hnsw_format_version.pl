# The format version in an mvvd_hnsw metapage: an index whose metapage names another version
# (as one written by a later or earlier format would) is refused by a scan, an insert, VACUUM
# and mvvd_hnsw_check with SQLSTATE 0A000 and a hint that rebuilds it, and REINDEX brings it back;
# a damaged magic number is reported as a corrupted index (XX002). The metapage is changed on
# disk while the server is stopped.

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

# Overwrites 4 bytes of the index's metapage (its first block) with a native uint32.
sub poke_metapage
{
	my ($offset, $value) = @_;
	my $path = $node->data_dir . '/'
	  . $node->safe_psql('postgres',
		q{SELECT pg_relation_filepath('"Store"."Emb_idx"')});

	$node->stop;
	open(my $fh, '+<', $path) or die "open $path: $!";
	binmode $fh;
	seek($fh, $offset, 0) or die "seek $path: $!";
	print $fh pack('L', $value) or die "write $path: $!";
	close($fh) or die "close $path: $!";
	$node->start;
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
		qr/ERROR:  0A000: index "Emb_idx" has mvvd_hnsw format version 2, but this build of mvvd reads version 1/,
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

$node->stop;
done_testing();
