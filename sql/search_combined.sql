-- Combined indexes: mvvd_unit_concat, and mvvd_search reading one mvvd_hnsw index on it instead
-- of one index per field (weighted and raw fusion of cosine fields); everywhere else the
-- per-field indexes still serve. Also the per-field plan on a column stored out of line (TOAST),
-- whose detoasting mvvd_search skips for rows that cannot reach the top k.
-- Its objects live in a schema of their own (search_recall's have the same names).
CREATE SCHEMA combined;
SET search_path = combined, public;

-- mvvd_unit_concat: the unit vectors of its arguments, end to end
SELECT mvvd_unit_concat('[3,4]', '[0,0,2]') AS two_parts,
	mvvd_unit_concat('[0,0]', '[1,1]') AS zero_part,
	mvvd_unit_concat('[5]') AS one_part,
	mvvd_unit_concat('[1,2]', NULL) IS NULL AS null_part,
	mvvd_unit_concat(VARIADIC NULL::vector[]) IS NULL AS null_array;
CREATE FUNCTION concat_error_of(stmt text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE stmt;
	RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE || ': ' || SQLERRM;
END $$;
SELECT s AS statement, concat_error_of(s) FROM unnest(ARRAY[
	$$SELECT mvvd_unit_concat(VARIADIC ARRAY[]::vector[])$$,
	$$SELECT mvvd_unit_concat(VARIADIC ARRAY[['[1]'::vector], ['[2]'::vector]])$$,
	$$SELECT mvvd_unit_concat(array_fill(1, ARRAY[9000])::vector, array_fill(1, ARRAY[9000])::vector)$$
]) s;

-- 1,500 seeded documents: title and body on the same topic (30 topics), image on another;
-- body has 600 dimensions, so it is stored out of line.
SET max_parallel_maintenance_workers = 1;
SELECT setseed(0.2718);
CREATE TABLE centre AS SELECT c, j, random() * 2 - 1 AS x
	FROM generate_series(0, 29) c, generate_series(1, 600) j;
CREATE FUNCTION near(topic int, dims int) RETURNS vector LANGUAGE sql VOLATILE AS $$
	SELECT array_agg(x + (random() - 0.5) * 0.9 ORDER BY j)::vector
	FROM centre WHERE c = topic % 30 AND j <= dims $$;
CREATE TABLE docs (id int PRIMARY KEY, title vector(24), body vector(600), image vector(8),
	tag int);
INSERT INTO docs SELECT i, near(i, 24), near(i, 600), near(i * 7 + 3, 8), i % 10
	FROM generate_series(1, 1500) i;
SELECT pg_relation_size(reltoastrelid) > 1500 * 2000 AS bodies_out_of_line
FROM pg_class WHERE relname = 'docs';
CREATE TABLE queries AS SELECT q, near(q * 11, 24) AS qt, near(q * 11, 600) AS qb,
	near(q * 5, 8) AS qi FROM generate_series(1, 20) q;
ANALYZE docs;

-- The exact top 10 by the documented formulas (cosine similarity 1 - d / 2), ties by ctid.
CREATE FUNCTION truth(qt vector, qb vector, qi vector, w float8[], fusion text, flt text)
RETURNS SETOF tid LANGUAGE plpgsql AS $$
BEGIN
	RETURN QUERY EXECUTE format(
		'SELECT ctid FROM (SELECT ctid, title <=> %L::vector AS d1, body <=> %L::vector AS d2, '
		'image <=> %L::vector AS d3 FROM docs WHERE %s) d ORDER BY %s DESC, ctid LIMIT 10',
		qt, qb, qi, coalesce(flt, 'true'), CASE fusion
			WHEN 'weighted' THEN format('%s * (1 - d1 / 2) + %s * (1 - d2 / 2) + %s * (1 - d3 / 2)',
				w[1], w[2], w[3])
			WHEN 'raw' THEN format('-(%s * d1 + %s * d2 + %s * d3)', w[1], w[2], w[3])
			WHEN 'min' THEN format('least(%s * (1 - d1 / 2), %s * (1 - d2 / 2), %s * (1 - d3 / 2))',
				w[1], w[2], w[3]) END);
END $$;
-- The fields in another order than the combined index's columns.
CREATE FUNCTION found(qt vector, qb vector, qi vector, w float8[], fusion text, flt text)
RETURNS TABLE (row_id tid, exact boolean) LANGUAGE sql AS $$
	SELECT row_id, exact FROM mvvd_search('docs', ARRAY[
		mvvd_field('image', qi, w[3], 'cosine'), mvvd_field('title', qt, w[1], 'cosine'),
		mvvd_field('body', qb, w[2], 'cosine')], k => 10, fusion => fusion, filter => flt) $$;
-- mean recall@10 ('ok' at 0.95 or more, else what it measured), full answers, exact answers
CREATE FUNCTION recall_of(w float8[], fusion text, flt text DEFAULT NULL)
RETURNS TABLE (fusion text, recall text, full_answers bigint, exact_answers bigint)
LANGUAGE sql AS $$
	SELECT fusion, CASE WHEN avg(hits) / 10 >= 0.95 THEN 'ok' ELSE 'only ' || round(avg(hits) / 10, 3) END,
		count(*) FILTER (WHERE n = 10), count(*) FILTER (WHERE all_exact)
	FROM (SELECT count(*) FILTER (WHERE f.row_id = ANY (t.ids)) AS hits, count(f.row_id) AS n,
			bool_and(f.exact) AS all_exact
		FROM queries
		CROSS JOIN LATERAL (SELECT array_agg(x) AS ids FROM truth(qt, qb, qi, w, fusion, flt) x) t
		LEFT JOIN LATERAL found(qt, qb, qi, w, fusion, flt) f ON true
		GROUP BY q, t.ids) per_query $$;
-- The index scans one statement makes of the combined and the per-field indexes (a statement's
-- counts are not flushed to the statistics while it runs).
CREATE FUNCTION scans() RETURNS TABLE (combined bigint, per_field bigint) LANGUAGE sql AS $$
	SELECT coalesce(pg_stat_get_xact_numscans(to_regclass('docs_combined')), 0),
		(SELECT coalesce(sum(pg_stat_get_xact_numscans(oid)), 0)::bigint FROM pg_class
			WHERE relname IN ('docs_title', 'docs_body', 'docs_image')) $$;
CREATE FUNCTION reads_of(stmt text)
RETURNS TABLE (combined bigint, per_field bigint) LANGUAGE plpgsql AS $$
DECLARE
	before record;
BEGIN
	SELECT * INTO before FROM scans();
	EXECUTE stmt;
	RETURN QUERY SELECT s.combined - before.combined, s.per_field - before.per_field FROM scans() s;
END $$;
CREATE FUNCTION reads(w float8[], fusion text)
RETURNS TABLE (combined bigint, per_field bigint) LANGUAGE sql AS $$
	SELECT * FROM reads_of(format('SELECT count(*) FROM queries, '
		'LATERAL found(qt, qb, qi, %L, %L, NULL)', w, fusion)) $$;

-- Per-field indexes only: through them, with body detoasted only for rows that could still
-- reach the top k.
CREATE INDEX docs_title ON docs USING mvvd_hnsw (title vector_cosine_ops);
CREATE INDEX docs_body ON docs USING mvvd_hnsw (body vector_cosine_ops);
CREATE INDEX docs_image ON docs USING mvvd_hnsw (image vector_cosine_ops);
SET mvvd.search_exact_rows = 0;
SELECT * FROM recall_of('{0.5,0.3,0.2}', 'weighted');
SELECT * FROM recall_of('{0.5,0.3,0.2}', 'min');

-- The combined index, built on existing rows; the weighted and raw fusions of the three
-- fields read it alone, at any weights, under a filter too. Its graph links rows by all three
-- fields equally, and here image has a topic of its own (the fields disagree): the fused best
-- rows lie between the graph's clusters, and at weights far from equal the query measures
-- otherwise than the graph was built, so its searches take a wider beam than the default 40.
CREATE INDEX docs_combined ON docs USING mvvd_hnsw
	(mvvd_unit_concat(title, body, image) vector_ip_ops);
SET mvvd.hnsw_ef_search = 150;
SELECT * FROM recall_of('{0.5,0.3,0.2}', 'weighted');
SELECT * FROM recall_of('{0.1,0.1,0.8}', 'weighted');
SELECT * FROM recall_of('{1,2,3}', 'weighted');
SELECT * FROM recall_of('{2,3,1}', 'raw');
SELECT * FROM recall_of('{0.5,0.3,0.2}', 'weighted', 'tag = 4');
SELECT * FROM reads('{0.5,0.3,0.2}', 'weighted');
RESET mvvd.hnsw_ef_search;

-- Rows inserted later are in it too: copies of five rows, searched for by their own vectors,
-- are found beside their originals.
INSERT INTO docs SELECT 10000 + id, title, body, image, 99 FROM docs WHERE id % 300 = 7;
SELECT d.id, array_agg(p.id ORDER BY p.id) FILTER (WHERE p.id IN (d.id, 10000 + d.id)) AS found
FROM docs d, LATERAL found(d.title, d.body, d.image, '{0.5,0.3,0.2}', 'weighted', NULL) f
JOIN docs p ON p.ctid = f.row_id
WHERE d.id % 300 = 7 AND d.id < 10000 GROUP BY d.id ORDER BY d.id;
DELETE FROM docs WHERE id > 10000;
-- mvvd.search_combined = off leaves it unread.
SET mvvd.search_combined = off;
SELECT * FROM reads('{0.5,0.3,0.2}', 'weighted');
RESET mvvd.search_combined;

-- Where it cannot serve, the per-field indexes do: min (not a line of the inner product), two
-- fields of its three (its graph is for all three), a field by another metric, a zero query.
SELECT * FROM reads('{0.5,0.3,0.2}', 'min');
SELECT * FROM reads('{0.5,0.5,0}', 'weighted');
CREATE FUNCTION others() RETURNS TABLE (l2_rows bigint, zero_query_rows bigint) LANGUAGE sql AS $$
SELECT (SELECT count(*) FROM mvvd_search('docs', ARRAY[mvvd_field('title', '[1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]'::vector, 1, 'l2'),
	mvvd_field('body', (SELECT qb FROM queries WHERE q = 1), 1), mvvd_field('image', '[1,2,3,4,5,6,7,8]'::vector, 1)])),
	(SELECT count(*) FROM mvvd_search('docs', ARRAY[mvvd_field('title', array_fill(0, ARRAY[24])::vector, 1),
	mvvd_field('body', (SELECT qb FROM queries WHERE q = 1), 1), mvvd_field('image', '[1,2,3,4,5,6,7,8]'::vector, 1)])) $$;
SELECT * FROM others();
SELECT combined AS combined_for_others FROM reads_of('SELECT others()');
RESET mvvd.search_exact_rows;

-- The combined index alone (no per-field index) is enough for the index plan, and gives its
-- columns their metric (cosine).
DROP INDEX docs_title, docs_body, docs_image;
SET mvvd.search_exact_rows = 0;
SELECT * FROM recall_of('{0.5,0.3,0.2}', 'weighted');
SELECT * FROM reads('{0.5,0.3,0.2}', 'weighted');
SELECT * FROM reads_of($$SELECT * FROM mvvd_search('docs', ARRAY[mvvd_field('title', (SELECT qt FROM queries WHERE q = 1), 0.5),
	mvvd_field('body', (SELECT qb FROM queries WHERE q = 1), 0.3), mvvd_field('image', (SELECT qi FROM queries WHERE q = 1), 0.2)])$$);
SELECT (SELECT array_agg(row_id) FROM mvvd_search('docs', ARRAY[mvvd_field('title', qt, 0.5),
		mvvd_field('body', qb, 0.3), mvvd_field('image', qi, 0.2)]))
	= (SELECT array_agg(row_id) FROM found(qt, qb, qi, '{0.5,0.3,0.2}', 'weighted', NULL)) AS metric_from_combined
FROM queries WHERE q <= 3;
ALTER TABLE docs ADD COLUMN extra vector(3);
SELECT concat_error_of($$SELECT * FROM mvvd_search('docs', ARRAY[mvvd_field('extra', '[1,2,3]'::vector, 1)])$$) AS not_a_part;
RESET mvvd.search_exact_rows;
