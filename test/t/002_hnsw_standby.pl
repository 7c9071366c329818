
# Streaming replication of an mvvd_hnsw index: after a build, inserts, deletes and VACUUM on the
# primary, a hot standby replaying the WAL must hold the same graph: the same top-10 answers for
# 100 queries, a plan that uses the index, and no mvvd_hnsw_check errors.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $dim = 32;
# A fresh random vector per row: the WHERE correlates the subquery with the outer row.
my $rand_vec =
  "(SELECT array_agg(random()) FROM generate_series(1, $dim) WHERE i > 0)::vector";

my $primary = PostgreSQL::Test::Cluster->new('primary');
$primary->init(allows_streaming => 1);
$primary->start;
$primary->backup('base');

my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($primary, 'base', has_streaming => 1);
$standby->start;

# Build on a populated table, then rounds of inserts, deletes and VACUUM, so that the build's,
# the insert path's and VACUUM's WAL records all reach the standby.
$primary->safe_psql(
	'postgres', qq{
CREATE EXTENSION mvvd;
CREATE TABLE t (id bigserial PRIMARY KEY, emb vector($dim));
INSERT INTO t (emb) SELECT $rand_vec FROM generate_series(1, 2000) i;
CREATE INDEX t_emb_idx ON t USING mvvd_hnsw (emb vector_l2_ops) WITH (m = 16, ef_construction = 64);
});
for my $round (1 .. 3)
{
	$primary->safe_psql(
		'postgres', qq{
INSERT INTO t (emb) SELECT $rand_vec FROM generate_series(1, 300) i;
DELETE FROM t WHERE id % 7 = $round;
});
	$primary->safe_psql('postgres', 'VACUUM t');
	$primary->safe_psql('postgres',
		"INSERT INTO t (emb) SELECT $rand_vec FROM generate_series(1, 200) i");
}

# 100 query vectors, in a table so that both nodes use the same ones.
$primary->safe_psql(
	'postgres', qq{
CREATE TABLE q (qid int PRIMARY KEY, v vector($dim));
INSERT INTO q SELECT i, $rand_vec FROM generate_series(1, 100) i;
});
my $rows = $primary->safe_psql('postgres', 'SELECT count(*) FROM t');
note("rows on the primary: $rows");

$primary->wait_for_catchup($standby);

is($standby->safe_psql('postgres', 'SELECT count(*) FROM t'),
	$rows, 'standby has replayed all rows');
is($standby->safe_psql('postgres', 'SELECT pg_is_in_recovery()'),
	't', 'standby is in recovery');

my $top10_query = q{
SELECT q.qid, ARRAY(SELECT t.id FROM t ORDER BY t.emb <-> q.v LIMIT 10)
  FROM q ORDER BY q.qid};
my $top10 = "SET enable_seqscan = off; $top10_query";

my $plan = $standby->safe_psql('postgres',
	"SET enable_seqscan = off; EXPLAIN (COSTS OFF) $top10_query");
like(
	$plan,
	qr/Index Scan using t_emb_idx on t/,
	'the standby answers the queries through the mvvd_hnsw index');

my $on_primary = $primary->safe_psql('postgres', $top10);
my $on_standby = $standby->safe_psql('postgres', $top10);
my @lines = split /\n/, $on_primary;
is(scalar(@lines), 100, '100 query answers on the primary');
is(scalar(grep { /^\d+\|\{\d+(,\d+){9}\}$/ } @lines),
	100, 'every answer on the primary has 10 ids');
is($on_standby, $on_primary,
	'top-10 answers are identical on primary and standby');

# Recall against exact answers, for information only.
my $recall = $primary->safe_psql(
	'postgres', qq{
SET enable_seqscan = off;
CREATE TEMP TABLE approx AS
  SELECT q.qid, ARRAY(SELECT t.id FROM t ORDER BY t.emb <-> q.v LIMIT 10) AS a FROM q;
RESET enable_seqscan;
SET enable_indexscan = off;
SET enable_bitmapscan = off;
SELECT round(avg(cardinality(ARRAY(SELECT unnest(a) INTERSECT SELECT unnest(e)))) / 10, 3)
  FROM approx,
       LATERAL (SELECT ARRAY(SELECT t.id FROM t, q WHERE q.qid = approx.qid
                              ORDER BY t.emb <-> q.v LIMIT 10) AS e) x;
});
note("recall\@10 of the index on the primary (ef_search 40): $recall");

is( $standby->safe_psql('postgres',
		"SELECT severity, element, problem FROM mvvd_hnsw_check('t_emb_idx') WHERE severity = 'error' ORDER BY element LIMIT 50"
	),
	'',
	'mvvd_hnsw_check reports no errors on the standby');
my $check_all =
  "SELECT severity, element, problem FROM mvvd_hnsw_check('t_emb_idx') ORDER BY element, problem";
my $check_standby = $standby->safe_psql('postgres', $check_all);
is($check_standby, $primary->safe_psql('postgres', $check_all),
	'mvvd_hnsw_check reports the same findings on primary and standby');
note('mvvd_hnsw_check warnings on the standby: '
	  . scalar(grep { /^warning\|/ } split /\n/, $check_standby));

# The same for an index on a multivector column (its rows' vectors are consecutive elements).
my $rand_mv =
  "(SELECT multivector_agg((SELECT array_agg(random()) FROM generate_series(1, 8) WHERE k > 0)::vector) FROM generate_series(1, 2 + i % 6) k)";
$primary->safe_psql(
	'postgres', qq{
CREATE TABLE m (id bigserial PRIMARY KEY, mv multivector(8));
INSERT INTO m (mv) SELECT $rand_mv FROM generate_series(1, 500) i;
CREATE INDEX m_mv_idx ON m USING mvvd_hnsw (mv multivector_l2_ops);
INSERT INTO m (mv) SELECT $rand_mv FROM generate_series(1, 200) i;
DELETE FROM m WHERE id % 5 = 0;
});
$primary->safe_psql('postgres', 'VACUUM m');
$primary->safe_psql(
	'postgres', qq{
INSERT INTO m (mv) SELECT $rand_mv FROM generate_series(1, 100) i;
CREATE TABLE mq (qid int PRIMARY KEY, mv multivector(8));
INSERT INTO mq SELECT i, $rand_mv FROM generate_series(1, 30) i;
});
$primary->wait_for_catchup($standby);
my $mv_top10 = q{SET enable_seqscan = off;
SELECT mq.qid, ARRAY(SELECT m.id FROM m ORDER BY m.mv @-> mq.mv LIMIT 10),
       ARRAY(SELECT m.id FROM m ORDER BY m.mv <-> (mq.mv::vector[])[1] LIMIT 10)
  FROM mq ORDER BY mq.qid};
my $mv_on_primary = $primary->safe_psql('postgres', $mv_top10);
is(scalar(grep { /^\d+\|\{\d+(,\d+){9}\}\|\{\d+(,\d+){9}\}$/ } split /\n/, $mv_on_primary),
	30, 'multivector index: 30 answers of 10 rows on the primary');
is($standby->safe_psql('postgres', $mv_top10),
	$mv_on_primary, 'multivector index: identical answers on primary and standby');
is( $standby->safe_psql('postgres',
		"SELECT count(*) FROM mvvd_hnsw_check('m_mv_idx') WHERE severity = 'error'"),
	'0',
	'multivector index: mvvd_hnsw_check reports no errors on the standby');

$standby->stop;
$primary->stop;
done_testing();
