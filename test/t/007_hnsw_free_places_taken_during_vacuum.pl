
# Rows inserted while a VACUUM runs may take places an earlier VACUUM freed, after this VACUUM's
# first pass read them as free. Its repair pass must count those elements as live: links to them
# are not repaired away, so every such row is found by its own vector afterwards and no element
# is left out of reach. A slow VACUUM (cost delay) gives the inserts their moment.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IPC::Run;

my $node = PostgreSQL::Test::Cluster->new('taken');
$node->init;
$node->append_conf('postgresql.conf', "autovacuum = off\n");
$node->start;

my $rows = 6000;
$node->safe_psql(
	'postgres', qq{
CREATE EXTENSION mvvd;
SELECT setseed(0.7);
CREATE TABLE src AS SELECT i AS id, (SELECT array_agg(random()) FROM generate_series(1, 16)
	WHERE i > 0)::vector AS v FROM generate_series(1, 2 * $rows) i;
CREATE TABLE t (id int, v vector(16));
INSERT INTO t SELECT * FROM src WHERE id <= $rows;
CREATE INDEX t_v ON t USING mvvd_hnsw (v vector_l2_ops);
-- the first third of the places become free
DELETE FROM t WHERE id <= $rows / 3;
VACUUM t;
-- dead rows for the next VACUUM, so that it repairs lists
DELETE FROM t WHERE id > $rows - $rows / 10;
});
my $size = $node->safe_psql('postgres', q{SELECT pg_relation_size('t_v')});

my ($out, $err) = ('', '');
my $vacuum = IPC::Run::start(
	[
		'psql', '-X', '-h', $node->host, '-p', $node->port, '-d', 'postgres',
		'-c', 'SET vacuum_cost_delay = 20', '-c', 'SET vacuum_cost_limit = 1',
		'-c', 'VACUUM t'
	],
	'>', \$out, '2>', \$err);
$node->poll_query_until('postgres',
	q{SELECT count(*) = 1 FROM pg_stat_progress_vacuum WHERE phase = 'vacuuming indexes'})
  or die 'the VACUUM did not reach its index phase';
# past the first record pages, where the free places are taken from
sleep(1);
$node->safe_psql('postgres',
	"INSERT INTO t SELECT * FROM src WHERE id > $rows AND id <= $rows + 300");
my $during = $node->safe_psql('postgres',
	q{SELECT count(*) FROM pg_stat_progress_vacuum WHERE phase = 'vacuuming indexes'});
$vacuum->finish;
is($err, '', 'the slow VACUUM ran without errors');
is($during, '1', 'the rows were inserted while VACUUM was in its index phase');
is($node->safe_psql('postgres', q{SELECT pg_relation_size('t_v')}),
	$size, 'the inserted rows took free places (the index did not grow)');

is( $node->safe_psql(
		'postgres', qq{
SET enable_seqscan = off;
SET mvvd.hnsw_ef_search = 100;
SELECT count(*) FROM t a WHERE a.id > $rows
	AND a.id = (SELECT b.id FROM t b ORDER BY b.v <-> a.v LIMIT 1)}),
	'300',
	'every row inserted during the VACUUM is found by its own vector');
is( $node->safe_psql(
		'postgres',
		q{SELECT count(*) FROM mvvd_hnsw_check('t_v') WHERE problem LIKE 'not reachable%'}),
	'0',
	'no element is out of reach');
is( $node->safe_psql(
		'postgres', q{SELECT count(*) FROM mvvd_hnsw_check('t_v') WHERE severity = 'error'}),
	'0',
	'mvvd_hnsw_check reports no errors');

done_testing();
