
# Crash recovery of an mvvd_hnsw index: several clients insert rows (each its own committed
# transaction) while the server is stopped in immediate mode; after WAL replay the index must pass
# mvvd_hnsw_check without errors, hold every committed row, and find all but at most one in a
# thousand when searching for its own vector (a graph search is approximate: a CI run once missed
# one row of 5,824 that a scan of the whole index returned).

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use List::Util qw(max);
use IPC::Run;
use Time::HiRes qw(sleep);

my $dim = 32;
# A fresh random vector per row: the WHERE correlates the subquery with the outer row.
my $rand_vec =
  "(SELECT array_agg(random()) FROM generate_series(1, $dim) WHERE i > 0)::vector";

my $node = PostgreSQL::Test::Cluster->new('main');
$node->init(allows_streaming => 0);
# Thousands of single-row inserts: do not log every statement.
$node->append_conf('postgresql.conf', "log_statement = 'ddl'\n");
$node->start;

$node->safe_psql(
	'postgres', qq{
CREATE EXTENSION mvvd;
CREATE TABLE t (id bigserial PRIMARY KEY, emb vector($dim));
INSERT INTO t (emb) SELECT $rand_vec FROM generate_series(1, 1000) i;
CREATE INDEX t_emb_idx ON t USING mvvd_hnsw (emb vector_l2_ops) WITH (m = 16, ef_construction = 64);
});
is($node->safe_psql('postgres', 'SELECT count(*) FROM t'),
	'1000', 'initial rows loaded');

# Checks that the index has no damage and finds every row of the table by its own vector.
sub check_index
{
	my ($label) = @_;

	my $errors = $node->safe_psql('postgres',
		"SELECT severity, element, problem FROM mvvd_hnsw_check('t_emb_idx') WHERE severity = 'error' ORDER BY element LIMIT 50"
	);
	is($errors, '', "$label: mvvd_hnsw_check reports no errors");
	my $unreachable = $node->safe_psql('postgres',
		"SELECT count(*) FROM mvvd_hnsw_check('t_emb_idx') WHERE severity = 'warning' AND problem LIKE 'not reachable%'"
	);

	my $settings =
	  "SET enable_seqscan = off; SET mvvd.hnsw_ef_search = 200;";
	my $self_search =
	  "SELECT t2.id FROM t t2 ORDER BY t2.emb <-> t.emb LIMIT 1";

	my $plan = $node->safe_psql('postgres',
		"$settings EXPLAIN (COSTS OFF) SELECT count(*) FROM t WHERE id = ($self_search)"
	);
	like(
		$plan,
		qr/Index Scan using t_emb_idx on t t2/,
		"$label: self-search uses the mvvd_hnsw index");

	my ($total, $found, $missed) = split /\|/,
	  $node->safe_psql('postgres',
		"$settings SELECT count(*), count(*) FILTER (WHERE s.id = t.id),
		        string_agg(t.id::text, ', ' ORDER BY t.id) FILTER (WHERE s.id IS DISTINCT FROM t.id)
		   FROM t LEFT JOIN LATERAL ($self_search) s ON true"
	  );
	# A graph search is approximate: a row the search at ef_search 200 missed must still be in
	# the index, which a search with a wider beam then finds.
	my $refound = 0;
	if ($found != $total)
	{
		$refound = $node->safe_psql('postgres',
			"SET enable_seqscan = off; SET mvvd.hnsw_ef_search = 1000;
			 SELECT count(*) FROM t WHERE t.id IN ($missed) AND t.id = ($self_search)");
	}
	note("$label: $found of $total rows found by their own vector"
		  . ($found == $total ? '' : " (missed ids: $missed; $refound of them found at ef_search 1000)")
		  . "; elements reported unreachable: $unreachable");
	# A row missing from the index would be data loss: every row must be in it, which a scan
	# with a NULL query (every element in storage order) shows. A row no search finds (its
	# element out of reach, or only reachable along a path a beam does not follow) is a matter of
	# graph quality: a few per thousand at most.
	like(
		$node->safe_psql('postgres',
			"SET enable_seqscan = off; EXPLAIN (COSTS OFF) SELECT id FROM t ORDER BY emb <-> (SELECT NULL::vector) LIMIT 1000000"),
		qr/Index Scan using t_emb_idx/,
		"$label: the NULL-query scan reads the index");
	my $absent = $node->safe_psql('postgres',
		"SET enable_seqscan = off;
		 SELECT count(*) FROM t WHERE id NOT IN
		   (SELECT id FROM (SELECT id FROM t ORDER BY emb <-> (SELECT NULL::vector) LIMIT 1000000) a)");
	is($absent, '0', "$label: every row is in the index");
	cmp_ok($total - $found - $refound, '<=', max(1, $total / 1000),
		"$label: at most one row per thousand (or one) is not found by its own vector");
	return $total;
}

check_index('after build');

# Concurrent inserting clients: pgbench, 4 clients, one committed single-row INSERT per transaction,
# throttled to 2000 transactions/s in all so that the checks after the crash stay quick.
my $script = $node->basedir . '/insert.sql';
append_to_file($script,
	"INSERT INTO t (emb) SELECT (SELECT array_agg(random()) FROM generate_series(1, $dim))::vector;\n"
);
my ($pgb_out, $pgb_err) = ('', '');
my $pgbench = IPC::Run::start(
	[
		'pgbench', '-n', '-c', '4', '-j', '2', '-T', '120', '-R', '2000',
		'-f', $script, '-h', $node->host, '-p', $node->port, 'postgres'
	],
	'>', \$pgb_out, '2>', \$pgb_err);

# Wait until the clients are really inserting, let them run ~2 s, then crash.
$node->poll_query_until('postgres', 'SELECT count(*) > 1100 FROM t')
  or die 'the inserting clients did not get going';
sleep(2);
my $before_crash = $node->safe_psql('postgres', 'SELECT count(*) FROM t');
$node->stop('immediate');

# The clients lose their connections: that is expected, only make sure they are gone.
$pgbench->finish;
note('pgbench exit status after the crash: ' . ($? >> 8));
my @pgb_err_lines = split /\n/, $pgb_err;
splice(@pgb_err_lines, 0, @pgb_err_lines - 3) if @pgb_err_lines > 3;
note("pgbench stderr (tail): $_") for @pgb_err_lines;

$node->start;

my $after_crash = $node->safe_psql('postgres', 'SELECT count(*) FROM t');
cmp_ok($after_crash, '>=', $before_crash,
	'no row committed before the crash was lost');
note('rows committed by the concurrent clients before the crash: '
	  . ($after_crash - 1000)
	  . " (at least $before_crash rows in total were visible just before the stop)");
cmp_ok($after_crash - 1000, '>=', 1000, 'thousands of inserts ran before the crash');

check_index('after crash recovery');

# The recovered index must still take inserts.
$node->safe_psql('postgres',
	"INSERT INTO t (emb) SELECT $rand_vec FROM generate_series(1, 500) i");
is( $node->safe_psql('postgres', 'SELECT count(*) FROM t'),
	$after_crash + 500,
	'500 rows inserted after recovery');
check_index('after inserts following recovery');

$node->stop;
done_testing();
