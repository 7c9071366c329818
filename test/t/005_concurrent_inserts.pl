
# Recall after concurrent inserts: ten clients insert rows into an empty table with an mvvd_hnsw
# index of every vector operator class, each row its own transaction, so every element is linked
# on the pages while others are; afterwards each index must find the exact top 10 (recall@10
# >= 0.97 at ef_search 100; at the default 40 the inner-product graph, linked by L2, reaches
# about 0.93 here) and mvvd_hnsw_check must report no damage. Then ten clients insert rows
# whose vectors repeat (copies attached to one element while others attach to it too), and
# every row must be found by a search for its vector.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $dim = 16;
my $clients = 10;
my $per_client = 300;
# Mixed-sign values: inner product and cosine rank rows differently from L2.
my $rand_vec =
  "(SELECT array_agg(random() - 0.3) FROM generate_series(1, $dim) WHERE i > 0)::vector";

my $node = PostgreSQL::Test::Cluster->new('main');
$node->init;
$node->append_conf('postgresql.conf', "log_statement = 'ddl'\nmax_connections = 40\n");
$node->start;

my %ops = (
	vector_l2_ops => '<->',
	vector_ip_ops => '<#>',
	vector_cosine_ops => '<=>',
	vector_l1_ops => '<+>');
my $setup = "CREATE EXTENSION mvvd;\nCREATE TABLE t (id bigserial PRIMARY KEY, emb vector($dim));\n";
$setup .= "CREATE INDEX t_$_ ON t USING mvvd_hnsw (emb $_);\n" for sort keys %ops;
$node->safe_psql('postgres', $setup);

my $script = $node->basedir . '/insert.sql';
append_to_file($script,
	"INSERT INTO t (emb) SELECT $rand_vec FROM generate_series(1, 1) i;\n");
$node->command_ok(
	[
		'pgbench', '-n', '-c', $clients, '-j', '2', '-t', $per_client, '-f', $script,
		'-h', $node->host, '-p', $node->port, 'postgres'
	],
	"$clients clients insert $per_client rows each");
is($node->safe_psql('postgres', 'SELECT count(*) FROM t'),
	$clients * $per_client, 'every row is in the table');

$node->safe_psql('postgres',
	"CREATE TABLE q AS SELECT i AS qid, $rand_vec AS emb FROM generate_series(1, 50) i");
for my $opclass (sort keys %ops)
{
	my $op = $ops{$opclass};
	my $errors = $node->safe_psql('postgres',
		"SELECT count(*) FROM mvvd_hnsw_check('t_$opclass') WHERE severity = 'error'");
	is($errors, '0', "$opclass: mvvd_hnsw_check reports no errors");
	my $recall = $node->safe_psql(
		'postgres', qq{
SET mvvd.hnsw_ef_search = 100;
SET enable_seqscan = off;
CREATE TEMP TABLE found AS SELECT q.qid, s.id FROM q, LATERAL (SELECT id FROM t
	ORDER BY t.emb $op q.emb LIMIT 10) s;
SET enable_seqscan = on;
SET enable_indexscan = off;
SET enable_bitmapscan = off;
CREATE TEMP TABLE exact AS SELECT q.qid, s.id FROM q, LATERAL (SELECT id FROM t
	ORDER BY t.emb $op q.emb, t.id LIMIT 10) s;
SELECT round((SELECT count(*) FROM found JOIN exact USING (qid, id)) / 500.0, 3);
});
	my $plan = $node->safe_psql('postgres',
		"SET enable_seqscan = off; EXPLAIN (COSTS OFF) SELECT id FROM t ORDER BY emb $op (SELECT emb FROM q LIMIT 1) LIMIT 10");
	like($plan, qr/Index Scan using t_$opclass/, "$opclass: the query uses its index");
	note("$opclass: recall\@10 at ef_search 100 after concurrent inserts: $recall");
	cmp_ok($recall, '>=', 0.97, "$opclass: recall\@10 >= 0.97");
}

# Equal vectors from ten clients at once: 20 vectors, each inserted about 50 times (a
# transaction inserts the rows of base whose k it draws, one on average).
$node->safe_psql(
	'postgres', qq{
CREATE TABLE base AS SELECT k, $rand_vec AS emb FROM generate_series(1, 20) k, LATERAL (SELECT k AS i) s;
CREATE TABLE d (id bigserial PRIMARY KEY, k int, emb vector($dim));
CREATE INDEX d_l2 ON d USING mvvd_hnsw (emb vector_l2_ops);
INSERT INTO d (k, emb) SELECT -1, $rand_vec FROM generate_series(1, 500) i;
CREATE FUNCTION copies_found(key int, n bigint) RETURNS bigint AS \$\$
	SELECT count(*) FROM (SELECT d.k FROM d ORDER BY d.emb <-> (SELECT emb FROM base
		WHERE base.k = key) LIMIT n) s WHERE s.k = key
\$\$ LANGUAGE sql;
});
my $copies_script = $node->basedir . '/copies.sql';
append_to_file($copies_script,
	"INSERT INTO d (k, emb) SELECT k, emb FROM base WHERE k = 1 + (random() * 19)::int;\n");
$node->command_ok(
	[
		'pgbench', '-n', '-c', $clients, '-j', '2', '-t', 100, '-f', $copies_script,
		'-h', $node->host, '-p', $node->port, 'postgres'
	],
	"$clients clients insert rows with repeated vectors");
is( $node->safe_psql(
		'postgres', q{
SET enable_seqscan = off;
SELECT sum(copies_found(k, n)) = sum(n) AND sum(n) > 900 FROM (SELECT k, count(*) AS n FROM d
	WHERE k > 0 GROUP BY k) g;
}),
	't',
	'a search for each repeated vector returns every row that holds it');
is( $node->safe_psql('postgres',
		"SELECT count(*) FROM mvvd_hnsw_check('d_l2') WHERE severity = 'error'"),
	'0',
	'the index with copies checks clean');

done_testing();
