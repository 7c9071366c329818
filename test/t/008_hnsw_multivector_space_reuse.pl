
# Places of deleted multivector rows are reused: a row's vectors are consecutive elements, so a
# new row takes a run of as many consecutive free places (a deleted row's, or part of one).
# Deleting every row, VACUUM, and inserting the rows again grows the index by at most 2%; ten
# rounds of 10% churn (delete, VACUUM, insert new rows) stay within 1.2x of a fresh build's size,
# with recall@10 within 0.02 of a fresh build's. Then clients insert, delete, VACUUM and query
# at once; afterwards every row is in the index once, is found by its own value, and
# mvvd_hnsw_check reports no damage (a row whose members were written over another's would show
# as members out of order, or as a row found by another row's vectors).

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib $FindBin::Bin;
use SpaceReuse;

my $node = PostgreSQL::Test::Cluster->new('mv_reuse');
$node->init;
$node->append_conf('postgresql.conf', "autovacuum = off\nmax_connections = 40\n");
$node->start;

# rows of 2 to 12 members of 8 dimensions around 40 centres
my $rows = 2000;
$node->safe_psql(
	'postgres', qq{
CREATE EXTENSION mvvd;
SELECT setseed(0.17);
CREATE TABLE centres AS SELECT c, array_agg(random() * 4 ORDER BY j) AS v
	FROM generate_series(0, 39) c, generate_series(1, 8) j GROUP BY c;
CREATE TABLE src AS SELECT i AS id, (SELECT array_agg((SELECT array_agg(v[j] + random() - 0.5
		ORDER BY j) FROM centres, generate_series(1, 8) j WHERE c = (i * 7 + m) % 40)::vector)
	FROM generate_series(1, 2 + i % 11) m)::multivector AS v
	FROM generate_series(1, 3 * $rows) i;
});
SpaceReuse::fill_and_index($node, $rows, 50, 'multivector(8)', 'multivector_l2_ops');
my $size = sub { SpaceReuse::index_size($node) };
my $errors = sub { SpaceReuse::check_errors($node) };
# rows (one in ten) that are not the first a search by their own value returns
my $not_found_by_own_value = sub {
	$node->safe_psql(
		'postgres', q{
SET enable_seqscan = off;
SELECT count(*) FROM t a WHERE a.id % 10 = 0
	AND a.id <> (SELECT b.id FROM t b ORDER BY b.v @-> a.v LIMIT 1)});
};

# recall@10 of the index against the exact order, over 50 queries
sub recall { SpaceReuse::recall($node, '@->') }

SpaceReuse::refill($node, $rows, 'multivector index');
is($not_found_by_own_value->(), '0',
	'every row is found by its own value in the places of the deleted ones');

# ten rounds of 10% churn, each round's new rows (of other sizes) inserted after the VACUUM
SpaceReuse::churn($node, $rows);
my $churned = $size->();
my $churned_recall = recall();
is($errors->(), '0', 'mvvd_hnsw_check reports no errors after the churn');
is($not_found_by_own_value->(), '0', 'every row is found by its own value after the churn');
$node->safe_psql('postgres', 'REINDEX INDEX t_v');
my $fresh = $size->();
my $fresh_recall = recall();
note("after 10 rounds of 10% churn: $churned bytes, recall\@10 $churned_recall; "
	  . "a fresh build of the same rows: $fresh bytes, recall\@10 $fresh_recall");
cmp_ok($churned, '<=', 1.2 * $fresh, 'the churned index is within 1.2x of a fresh build');
cmp_ok($churned_recall, '>=', $fresh_recall - 0.02,
	'the churned index has recall@10 within 0.02 of a fresh build');

# clients at once: inserts, deletes, VACUUM and queries
# each insert a row of src not in t yet (the churn used the first 2 * $rows)
$node->safe_psql('postgres',
	"CREATE SEQUENCE next_row START 100000; CREATE SEQUENCE next_src START " . (2 * $rows + 1));
my %scripts = (
	'insert.sql' => q{
INSERT INTO t SELECT nextval('next_row'), v FROM src WHERE id = (SELECT nextval('next_src'));
},
	'delete.sql' => q{
\set k random(1, 2 * 2000)
DELETE FROM t WHERE id = :k OR id = (SELECT min(id) FROM t WHERE id >= 100000);
},
	'vacuum.sql' => q{
VACUUM t;
},
	'query.sql' => q{
\set k random(1, 3 * 2000)
SELECT id FROM t ORDER BY v @-> (SELECT v FROM src WHERE id = :k) LIMIT 10;
});
SpaceReuse::run_clients($node, \%scripts, 6, 150,
	'clients insert, delete, vacuum and query a multivector index at once');
$node->safe_psql('postgres', 'VACUUM t');
is($errors->(), '0', 'mvvd_hnsw_check reports no errors after the concurrent churn');
# a scan with a NULL query returns each row once, from its first member's element
is( $node->safe_psql(
		'postgres', q{
SET enable_seqscan = off;
SELECT count(*) = (SELECT count(*) FROM t) AND count(DISTINCT id) = count(*)
	FROM (SELECT id FROM t ORDER BY v <-> (SELECT NULL::multivector) LIMIT 1000000) a}),
	't',
	'every row is in the index once after the concurrent churn');
is($not_found_by_own_value->(), '0',
	'every row is found by its own value after the concurrent churn');

$node->stop;
done_testing();
