
# What the space reuse tests (006 on a vector column, 008 on a multivector column) share. Each
# has a table t (id, v) with an mvvd_hnsw index t_v, a table src of rows to insert (id, v) and a
# table q of queries (qid, v).

package SpaceReuse;

use strict;
use warnings;

use PostgreSQL::Test::Utils;
use Test::More;

# Size of the index t_v in bytes.
sub index_size
{
	my ($node) = @_;
	return $node->safe_psql('postgres', q{SELECT pg_relation_size('t_v')});
}

# Rows mvvd_hnsw_check reports as errors on t_v.
sub check_errors
{
	my ($node) = @_;
	return $node->safe_psql('postgres',
		q{SELECT count(*) FROM mvvd_hnsw_check('t_v') WHERE severity = 'error'});
}

# Mean recall@10 of the index over the queries against the exact order by $op, with settings.
sub recall
{
	my ($node, $op, $settings) = @_;
	$settings //= '';
	return $node->safe_psql(
		'postgres', qq{
$settings
SET enable_seqscan = off;
CREATE TEMP TABLE found AS SELECT q.qid, s.id FROM q, LATERAL (SELECT id FROM t
	ORDER BY t.v $op q.v LIMIT 10) s;
SET enable_seqscan = on;
SET enable_indexscan = off;
CREATE TEMP TABLE exact AS SELECT q.qid, s.id FROM q, LATERAL (SELECT id FROM t
	ORDER BY t.v $op q.v LIMIT 10) s;
SELECT round((SELECT count(*) FROM found JOIN exact USING (qid, id))
	/ (10.0 * (SELECT count(*) FROM q)), 3);
});
}

# Given src (id, v), makes q (the last $nq rows of src, as qid, v) and t (id, v $type) holding
# the first $rows rows of src, and indexes t.v with mvvd_hnsw ($opclass) as t_v.
sub fill_and_index
{
	my ($node, $rows, $nq, $type, $opclass) = @_;
	$node->safe_psql(
		'postgres', qq{
ALTER TABLE src ADD PRIMARY KEY (id);
CREATE TABLE q AS SELECT id AS qid, v FROM src WHERE id > (SELECT max(id) FROM src) - $nq;
CREATE TABLE t (id int, v $type);
CREATE INDEX t_id ON t (id);
INSERT INTO t SELECT * FROM src WHERE id <= $rows;
CREATE INDEX t_v ON t USING mvvd_hnsw (v $opclass);
});
	return;
}

# Deletes every row of t, runs VACUUM and inserts the first $rows rows of src again: the index
# grows by at most 2%, and mvvd_hnsw_check reports no errors.
sub refill
{
	my ($node, $rows, $what) = @_;
	my $built = index_size($node);
	$node->safe_psql('postgres', 'DELETE FROM t');
	$node->safe_psql('postgres', 'VACUUM t');
	$node->safe_psql('postgres', "INSERT INTO t SELECT * FROM src WHERE id <= $rows");
	my $again = index_size($node);
	note("$what of $rows rows: $built bytes built, $again after deleting and inserting "
		  . "them again");
	cmp_ok($again, '<=', 1.02 * $built,
		'deleting every row and inserting it again grows the index by at most 2%');
	is(check_errors($node), '0', 'mvvd_hnsw_check reports no errors after the rows came back');
	return;
}

# Ten rounds of 10% churn of $rows rows: delete a random tenth, VACUUM, insert the next tenth of
# src (ids $rows + 1 to 2 * $rows over the rounds) in a statement after the VACUUM.
sub churn
{
	my ($node, $rows) = @_;
	for my $round (1 .. 10)
	{
		my $from = $rows * (1 + ($round - 1) / 10);
		my $to = $rows * (1 + $round / 10);
		$node->safe_psql('postgres',
			"DELETE FROM t WHERE id IN (SELECT id FROM t ORDER BY random() LIMIT $rows / 10)");
		$node->safe_psql('postgres', 'VACUUM t');
		$node->safe_psql('postgres',
			"INSERT INTO t SELECT * FROM src WHERE id > $from AND id <= $to");
	}
	return;
}

# Runs pgbench clients at once over the scripts (name => text; vacuum.sql weighs 1, the others
# 20), each client $transactions transactions, as one test named $what.
sub run_clients
{
	my ($node, $scripts, $clients, $transactions, $what) = @_;
	my @args;
	for my $name (sort keys %$scripts)
	{
		my $path = $node->basedir . "/$name";
		append_to_file($path, $scripts->{$name});
		my $weight = $name eq 'vacuum.sql' ? 1 : 20;
		push @args, '-f', "$path\@$weight";
	}
	$node->command_ok(
		[
			'pgbench', '-n', '-c', $clients, '-j', 2, '-t', $transactions, @args,
			'-h', $node->host, '-p', $node->port, 'postgres'
		],
		$what);
	return;
}

1;
