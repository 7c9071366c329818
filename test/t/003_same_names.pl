
# MVVD in a backend that has already loaded another library exporting the same function names.
# Postgres loads libraries with RTLD_GLOBAL, so a name an earlier library exports can take over
# the calls of a later one that exports it too: with pgvector loaded first, MVVD's own calls to
# hnswbuild, l2_distance, ... once ran pgvector's functions and killed the backend. Here a
# throwaway library, built by this test, exports every C name MVVD's library holds (its internal
# functions too) and the names pgvector exports; each of them traps if called. It is loaded
# first, and then, in that session, MVVD builds and scans indexes and searches.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $pg_config = $ENV{PG_CONFIG} // 'pg_config';
my $includedir = `$pg_config --includedir-server`;
chomp $includedir;
my $pkglibdir = `$pg_config --pkglibdir`;
chomp $pkglibdir;
my $bindir = `$pg_config --bindir`;
chomp $bindir;

# Names pgvector's library exports (a sample of its access method callbacks, helpers and SQL
# functions), which a C extension beside MVVD could export as well.
my @pgvector_names = qw(
  hnswhandler hnswbuild hnswbuildempty hnswinsert hnswbulkdelete hnswvacuumcleanup
  hnswbeginscan hnswrescan hnswgettuple hnswendscan hnswcostestimate hnswoptions hnswvalidate
  HnswInitPage HnswInitNeighbors HnswSearchLayer HnswFindElementNeighbors HnswUpdateMetaPage
  HnswGetMetaPageInfo HnswInsertTupleOnDisk HnswInitGucs ivfflathandler ivfflatbuild
  InitVector l2_distance vector_l2_squared_distance inner_product vector_negative_inner_product
  cosine_distance l1_distance vector_in vector_out vector_typmod_in vector_recv vector_send
  vector_dims vector_norm l2_normalize vector_add vector_sub vector_mul vector_avg vector_accum
  vector_combine vector_cmp vector_lt vector_le vector_eq vector_ne vector_ge vector_gt
  array_to_vector vector_to_float4 vector halfvec_in sparsevec_in hamming_distance
);

# Every C-style name in MVVD's library: its symbol table when it has one, else what it exports.
my $lib = "$pkglibdir/mvvd.so";
my @nm = `nm --defined-only $lib 2>/dev/null`;
@nm = `nm -D --defined-only $lib` unless @nm;
my %taken;    # names the server or libc already define: never shadowed by anyone
for my $dep ("$bindir/postgres", split /\n/, `ldd $bindir/postgres | awk '/=> \\// {print \$3}'`)
{
	for (`nm -D --defined-only $dep`)
	{
		my $name = (split /\s+/)[2] // next;
		$name =~ s/\@.*//;
		$taken{$name} = 1;
	}
}
my %names;
for (@nm)
{
	my (undef, undef, $name) = split /\s+/;
	next unless defined $name && $name =~ /^[A-Za-z][A-Za-z0-9_]*$/;
	$names{$name} = 1;
}
$names{$_} = 1 for @pgvector_names;
delete $names{$_} for qw(Pg_magic_func _PG_init main);
delete $names{$_} for grep { $taken{$_} } keys %names;
my $count = keys %names;
cmp_ok($count, '>', 300, "the decoy library defines $count names");

# The decoy: a module magic block (so LOAD accepts it), and every name as a function that traps.
my $dir = PostgreSQL::Test::Utils::tempdir;
open my $magic, '>', "$dir/magic.c" or die;
print $magic "#include \"postgres.h\"\n#include \"fmgr.h\"\nPG_MODULE_MAGIC;\n";
close $magic;
open my $decoy, '>', "$dir/names.c" or die;
print $decoy "void $_(void) { __builtin_trap(); }\n" for sort keys %names;
close $decoy;
system("cc -shared -fPIC -O0 -I$includedir -o $dir/decoy.so $dir/magic.c $dir/names.c") == 0
  or die "cannot build the decoy library";

my $node = PostgreSQL::Test::Cluster->new('same_names');
$node->init;
$node->start;

my $dim = 16;
my $rand_vec =
  "(SELECT array_agg(random()) FROM generate_series(1, $dim) WHERE i > 0)::vector";
# One session: the decoy first, then everything MVVD does. The answers through the indexes are
# printed next to brute force (index scans off) for the same queries.
my $out = $node->safe_psql(
	'postgres', qq{
LOAD '$dir/decoy.so';
CREATE EXTENSION mvvd;
SELECT setseed(0.5);
CREATE TABLE t (id int PRIMARY KEY, emb vector($dim), tokens multivector($dim));
INSERT INTO t SELECT i, $rand_vec,
  multivector_agg($rand_vec) FROM generate_series(1, 2000) i, generate_series(1, 3) j GROUP BY i;
CREATE INDEX t_emb ON t USING mvvd_hnsw (emb vector_l2_ops);
CREATE INDEX t_tokens ON t USING mvvd_hnsw (tokens multivector_ip_ops);
INSERT INTO t SELECT i, $rand_vec, NULL FROM generate_series(2001, 2100) i;
DELETE FROM t WHERE id % 10 = 0;
VACUUM t;
CREATE TABLE q AS SELECT i AS qid, $rand_vec AS v FROM generate_series(1, 20) i;
SET mvvd.hnsw_ef_search = 200;
SET enable_seqscan = off;
SELECT 'index', qid, ARRAY(SELECT id FROM t ORDER BY emb <-> v LIMIT 5) FROM q ORDER BY qid;
SELECT 'mv', qid, ARRAY(SELECT id FROM t ORDER BY tokens <#> v LIMIT 3) FROM q ORDER BY qid;
SELECT 'search', qid, ARRAY(SELECT s.row_id FROM mvvd_search('t',
  ARRAY[mvvd_field('emb', v)], k => 3) s) = ARRAY(SELECT ctid FROM t
  ORDER BY 1 / (1 + (emb <-> v)) DESC LIMIT 3) FROM q ORDER BY qid;
SELECT 'check', count(*) FROM mvvd_hnsw_check('t_emb') WHERE severity = 'error';
SELECT 'maps', count(*) FROM regexp_split_to_table(pg_read_file('/proc/self/maps'), '\\n') l
  WHERE l LIKE '%/decoy.so' OR l LIKE '%/mvvd.so';
SET enable_indexscan = off;
SET enable_seqscan = on;
SELECT 'exact', qid, ARRAY(SELECT id FROM t ORDER BY emb <-> v LIMIT 5) FROM q ORDER BY qid;
SELECT 'mvexact', qid, ARRAY(SELECT id FROM t ORDER BY tokens <#> v LIMIT 3) FROM q ORDER BY qid;
});

my (%index, %exact, %mv, %mvexact, $search_same, $maps, $check);
for (split /\n/, $out)
{
	my @f = split /\|/;
	next unless @f >= 2;
	$index{ $f[1] } = $f[2] if $f[0] eq 'index';
	$exact{ $f[1] } = $f[2] if $f[0] eq 'exact';
	$mv{ $f[1] } = $f[2] if $f[0] eq 'mv';
	$mvexact{ $f[1] } = $f[2] if $f[0] eq 'mvexact';
	$search_same += $f[2] eq 't' if $f[0] eq 'search';
	$maps = $f[1] if $f[0] eq 'maps';
	$check = $f[1] if $f[0] eq 'check';
}
cmp_ok($maps, '>=', 2, 'the session mapped both the decoy and mvvd.so');
is(scalar(keys %index), 20, '20 answers through the vector index');
my $same = grep { $index{$_} eq $exact{$_} } keys %index;
cmp_ok($same, '>=', 18, "vector index answers match brute force ($same of 20)");
my $mv_same = grep { $mv{$_} eq $mvexact{$_} } keys %mv;
cmp_ok($mv_same, '>=', 18, "multivector index answers match brute force ($mv_same of 20)");
cmp_ok($search_same, '>=', 18, "mvvd_search answers match brute force ($search_same of 20)");
is($check, 0, 'mvvd_hnsw_check finds no errors');
ok($node->safe_psql('postgres', 'SELECT 1') eq '1', 'the server is still up');

$node->stop;
done_testing();
