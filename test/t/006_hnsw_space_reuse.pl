
# Places of deleted elements are reused: deleting every row of an mvvd_hnsw index, VACUUM, and
# inserting the rows again grows the index by at most 2%; a table churned at 10% per round for
# 10 rounds (delete, VACUUM, insert new rows) stays within 1.2x of a fresh build's size, with
# recall@10 within 0.02 of a fresh build's. Then clients insert (some rows with repeated
# vectors), delete, VACUUM and query at once: every query gets its rows in distance order (a scan
# never returns a row by the distance of the vector whose place it took), and afterwards every
# row is in the index, all but at most one in a thousand are found by their own vector, and
# mvvd_hnsw_check reports no damage.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use List::Util;
use FindBin;
use lib $FindBin::Bin;
use SpaceReuse;

my $node = PostgreSQL::Test::Cluster->new('reuse');
$node->init;
$node->append_conf('postgresql.conf', "autovacuum = off\nmax_connections = 40\n");
$node->start;

my $rows = 10000;
$node->safe_psql(
	'postgres', qq{
CREATE EXTENSION mvvd;
SELECT setseed(0.42);
CREATE TABLE src AS SELECT i AS id, (SELECT array_agg(random()) FROM generate_series(1, 16)
	WHERE i > 0)::vector AS v FROM generate_series(1, 5 * $rows) i;
});
SpaceReuse::fill_and_index($node, $rows, 100, 'vector(16)', 'vector_l2_ops');
my $size = sub { SpaceReuse::index_size($node) };
my $errors = sub { SpaceReuse::check_errors($node) };
# recall@10 at ef_search 100 of the index against the exact answer
sub recall { SpaceReuse::recall($node, '<->', 'SET mvvd.hnsw_ef_search = 100;') }

SpaceReuse::refill($node, $rows, 'index');
is( $node->safe_psql(
		'postgres', q{
SET enable_seqscan = off;
SELECT count(*) FROM t a WHERE a.id % 40 = 0
	AND a.id = (SELECT b.id FROM t b ORDER BY b.v <-> a.v LIMIT 1)}),
	$rows / 40,
	'every row is found by its own vector in the places of the deleted ones');

# ten rounds of 10% churn, each round's new rows inserted one statement after the VACUUM
SpaceReuse::churn($node, $rows);
my $churned = $size->();
my $churned_recall = recall();
is($errors->(), '0', 'mvvd_hnsw_check reports no errors after the churn');
$node->safe_psql('postgres', 'REINDEX INDEX t_v');
my $fresh = $size->();
my $fresh_recall = recall();
note("after 10 rounds of 10% churn: $churned bytes, recall\@10 $churned_recall; "
	  . "a fresh build of the same rows: $fresh bytes, recall\@10 $fresh_recall");
cmp_ok($churned, '<=', 1.2 * $fresh, 'the churned index is within 1.2x of a fresh build');
cmp_ok($churned_recall, '>=', $fresh_recall - 0.02,
	'the churned index has recall@10 within 0.02 of a fresh build');

# Clients at once: inserts (every fourth of one of 5 vectors many rows share), deletes, VACUUM, and queries
# that fail (division by zero) if a scan returns rows out of distance order.
$node->safe_psql(
	'postgres', q{
CREATE TABLE shared_vectors AS SELECT id AS k, v FROM src WHERE id <= 20;
CREATE SEQUENCE next_row START 1000000;
});
my %scripts = (
	'insert.sql' => q{
\set k random(1, 4 * 10000)
INSERT INTO t SELECT nextval('next_row'), CASE WHEN :k % 4 = 0
	THEN (SELECT v FROM shared_vectors WHERE k = 1 + :k % 20)
	ELSE (SELECT v FROM src WHERE id = 10000 * 3 + :k / 4) END;
},
	'delete.sql' => q{
\set k random(1, 3 * 10000)
DELETE FROM t WHERE id = :k OR id = (SELECT min(id) FROM t WHERE id >= 1000000);
},
	'vacuum.sql' => q{
VACUUM t;
},
	'query.sql' => q{
\set k random(1, 5 * 10000)
SELECT count(*) AS out_of_order FROM (SELECT d < lag(d) OVER (ORDER BY n) AS before
	FROM (SELECT t.v <-> (SELECT v FROM src WHERE id = :k) AS d, row_number() OVER () AS n
		FROM (SELECT v FROM t ORDER BY v <-> (SELECT v FROM src WHERE id = :k) LIMIT 30) t) s) s2
	WHERE before \gset
\if :out_of_order
SELECT 1 / 0 AS rows_out_of_distance_order;
\endif
});
SpaceReuse::run_clients($node, \%scripts, 6, 200,
	'clients insert, delete, vacuum and query at once; every query gets its rows in distance order');
$node->safe_psql('postgres', 'VACUUM t');
is($errors->(), '0', 'mvvd_hnsw_check reports no errors after the concurrent churn');
# a row is found among as many nearest as there are rows with its vector
$node->safe_psql(
	'postgres', q{
CREATE INDEX t_v_equal ON t (v);
CREATE FUNCTION found_by_own_vector(a_id int, a_v vector) RETURNS bool AS $$
	SELECT a_id IN (SELECT b.id FROM t b ORDER BY b.v <-> a_v
		LIMIT (SELECT count(*) FROM t c WHERE c.v = a_v))
$$ LANGUAGE sql;
});
# every row is in the index (a scan with a NULL query reads every element)
like(
	$node->safe_psql('postgres',
		"SET enable_seqscan = off; EXPLAIN (COSTS OFF) SELECT id FROM t ORDER BY v <-> (SELECT NULL::vector) LIMIT 1000000"),
	qr/Index Scan using t_v/,
	'the NULL-query scan reads the index');
is( $node->safe_psql(
		'postgres', q{
SET enable_seqscan = off;
SELECT count(*) FROM t WHERE id NOT IN
	(SELECT id FROM (SELECT id FROM t ORDER BY v <-> (SELECT NULL::vector) LIMIT 1000000) a)}),
	'0',
	'every row is in the index after the concurrent churn');
# and a search finds all but at most one in a thousand (a graph search is approximate)
my ($sampled, $missed) = split /\|/, $node->safe_psql(
	'postgres', q{
SET enable_seqscan = off;
SET mvvd.hnsw_ef_search = 200;
SELECT count(*), count(*) FILTER (WHERE NOT found_by_own_vector(a.id, a.v)) FROM t a
	WHERE a.id % 13 = 0});
note("rows found by their own vector afterwards: " . ($sampled - $missed) . " of $sampled");
cmp_ok($missed, '<=', List::Util::max(1, $sampled / 1000),
	'every row but at most one in a thousand is found by its own vector afterwards');

$node->stop;
done_testing();
