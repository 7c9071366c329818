-- mvvd_search: the SQL surface (fields, fusions, filter, join, CTE, prepared statements,
-- privileges, row-level security) and every bad input.

CREATE TABLE products (id int PRIMARY KEY, title vector(3), image vector(2),
	reviews multivector(3), category int, price numeric, note text);
INSERT INTO products SELECT i,
	ARRAY[sin(i), cos(i), sin(2 * i)]::vector,
	ARRAY[cos(3 * i), sin(5 * i)]::vector,
	(SELECT multivector_agg(ARRAY[sin(i + k), cos(i * k), sin(i - k)]::vector)
		FROM generate_series(1, 1 + i % 3) k),
	i % 4, i * 1.5, 'note ' || i
FROM generate_series(1, 300) i;
INSERT INTO products VALUES (301, NULL, '[1,0]', '[[1,0,0]]', 0, 1, 'no title');

CREATE FUNCTION search_error_of(stmt text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	detail text;
	hint text;
BEGIN
	EXECUTE stmt;
	RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL, hint = PG_EXCEPTION_HINT;
	RETURN SQLSTATE || ': ' || SQLERRM || coalesce(nullif(' (' || detail || ')', ' ()'), '')
		|| coalesce(nullif(' HINT: ' || hint, ' HINT: '), '');
END $$;

SELECT mvvd_field('title', '[1,0,0]'::vector);
SELECT mvvd_field('reviews', '[[1,0,0],[0,1,0]]'::multivector, weight => 0.25, metric => 'ip');

-- The reference: the documented formulas in SQL (weights 0.6, 0.3, 0.1; L2 on title, cosine on
-- image, late-interaction inner product on reviews: similarity 1 / (1 + exp(d / 2)) for a
-- query of 2 vectors).
CREATE FUNCTION reference(fusion text, flt text DEFAULT 'true', k int DEFAULT 5)
RETURNS int[] LANGUAGE plpgsql AS $$
DECLARE
	result int[];
BEGIN
	EXECUTE format($q$
		SELECT array_agg(id ORDER BY score DESC, ctid) FROM (
			SELECT id, ctid, CASE %L
				WHEN 'weighted' THEN 0.6::float8 * s1 + 0.3::float8 * s2 + 0.1::float8 * s3
				WHEN 'raw' THEN -(0.6::float8 * d1 + 0.3::float8 * d2 + 0.1::float8 * d3)
				WHEN 'min' THEN least(0.6::float8 * s1, 0.3::float8 * s2, 0.1::float8 * s3)
				WHEN 'max' THEN greatest(0.6::float8 * s1, 0.3::float8 * s2, 0.1::float8 * s3) END AS score
			FROM (SELECT id, ctid, d1, d2, d3, 1 / (1 + d1) AS s1, 1 - d2 / 2 AS s2,
					1 / (1 + exp(d3 / 2)) AS s3
				FROM (SELECT id, ctid, title <-> '[1,0,0]' AS d1, image <=> '[0.6,0.8]' AS d2,
						reviews @# '[[1,0,0],[0,0,1]]' AS d3
					FROM products WHERE title IS NOT NULL AND (%s)) d) s
			ORDER BY score DESC, ctid LIMIT %s) top$q$, fusion, flt, k) INTO result;
	RETURN result;
END $$;

CREATE FUNCTION searched(fusion text, flt text DEFAULT NULL, k int DEFAULT 5)
RETURNS TABLE (ids int[], all_exact boolean) LANGUAGE sql AS $$
	SELECT array_agg(p.id ORDER BY s.score DESC, s.row_id), bool_and(s.exact)
	FROM mvvd_search('products', ARRAY[
			mvvd_field('title', '[1,0,0]'::vector, 0.6, 'l2'),
			mvvd_field('image', '[0.6,0.8]'::vector, 0.3, 'cosine'),
			mvvd_field('reviews', '[[1,0,0],[0,0,1]]'::multivector, 0.1, 'ip')],
		k => k, fusion => fusion, filter => flt) s
	JOIN products p ON p.ctid = s.row_id $$;

-- No index: every row is scored; the same rows as the reference, in the same order.
SELECT f AS fusion, (searched(f)).ids = reference(f) AS same_rows, (searched(f)).all_exact
FROM unnest(ARRAY['weighted', 'raw', 'min', 'max']) f;
SELECT (searched('weighted', 'category = 2 AND price > 100')).ids
	= reference('weighted', 'category = 2 AND price > 100') AS same_rows_filtered;

-- Scores and per-field scores, checked against the formulas.
SELECT p.id, round(s.score::numeric, 6) AS score,
	round(s.score::numeric, 9) = round((0.6 * s.field_scores[1] + 0.3 * s.field_scores[2]
		+ 0.1 * s.field_scores[3])::numeric, 9) AS score_is_weighted_sum,
	round(s.field_scores[1]::numeric, 9) = round((1 / (1 + (p.title <-> '[1,0,0]')))::numeric, 9) AS title_score_ok,
	round(s.field_scores[2]::numeric, 9) = round((1 - (p.image <=> '[0.6,0.8]') / 2)::numeric, 9) AS image_score_ok
FROM mvvd_search('products', ARRAY[
		mvvd_field('title', '[1,0,0]'::vector, 0.6, 'l2'),
		mvvd_field('image', '[0.6,0.8]'::vector, 0.3, 'cosine'),
		mvvd_field('reviews', '[[1,0,0],[0,0,1]]'::multivector, 0.1, 'ip')], k => 3) s
JOIN products p ON p.ctid = s.row_id ORDER BY s.score DESC;
-- raw reports distances
SELECT round(field_scores[1]::numeric, 6) = round((SELECT title <-> '[1,0,0]' FROM products WHERE ctid = row_id)::numeric, 6) AS raw_reports_distance
FROM mvvd_search('products', ARRAY[mvvd_field('title', '[1,0,0]'::vector, 1, 'l2')], k => 1, fusion => 'raw');
-- a row with a NULL field is never returned, even when nearest on the others
SELECT count(*) FILTER (WHERE p.id = 301) AS null_title_rows
FROM mvvd_search('products', ARRAY[mvvd_field('title', '[1,0,0]'::vector, 0, 'l2'),
	mvvd_field('image', '[1,0]'::vector, 1, 'cosine')], k => 300) s JOIN products p ON p.ctid = s.row_id;
-- a vector query against a multivector column: the closest member
SELECT p.id, round(s.score::numeric, 6) = round((1 / (1 + (p.reviews <-> '[1,0,0]'::vector)))::numeric, 6) AS closest_member
FROM mvvd_search('products', ARRAY[mvvd_field('reviews', '[1,0,0]'::vector, 1, 'l2')], k => 2) s
JOIN products p ON p.ctid = s.row_id ORDER BY s.score DESC, p.id;

-- Without an index, a field needs its metric.
SELECT search_error_of($$SELECT * FROM mvvd_search('products', ARRAY[mvvd_field('image', '[1,0]'::vector, 1)])$$) AS no_metric;

-- Reciprocal rank fusion over each field's top rrf_depth rows.
CREATE FUNCTION rrf_reference(depth int) RETURNS int[] LANGUAGE sql AS $$
	SELECT array_agg(id ORDER BY score DESC, ctid) FROM (
		SELECT id, ctid, (CASE WHEN r1 <= depth THEN 0.6::float8 / (60 + r1) ELSE 0 END)
			+ (CASE WHEN r2 <= depth THEN 0.3::float8 / (60 + r2) ELSE 0 END)
			+ (CASE WHEN r3 <= depth THEN 0.1::float8 / (60 + r3) ELSE 0 END) AS score
		FROM (SELECT id, ctid,
				rank() OVER (ORDER BY title <-> '[1,0,0]', ctid) AS r1,
				rank() OVER (ORDER BY image <=> '[0.6,0.8]', ctid) AS r2,
				rank() OVER (ORDER BY reviews @# '[[1,0,0],[0,0,1]]', ctid) AS r3
			FROM products WHERE title IS NOT NULL) r
		WHERE least(r1, r2, r3) <= depth ORDER BY score DESC, ctid LIMIT 5) top $$;
SELECT d AS rrf_depth, (SELECT array_agg(p.id ORDER BY s.score DESC, s.row_id)
		FROM mvvd_search('products', ARRAY[
			mvvd_field('title', '[1,0,0]'::vector, 0.6, 'l2'),
			mvvd_field('image', '[0.6,0.8]'::vector, 0.3, 'cosine'),
			mvvd_field('reviews', '[[1,0,0],[0,0,1]]'::multivector, 0.1, 'ip')],
			k => 5, fusion => 'rrf', rrf_depth => d) s
		JOIN products p ON p.ctid = s.row_id) = rrf_reference(d) AS same_rows
FROM unnest(ARRAY[3, 100]) d;

-- Through the indexes (every weighted field has one; mvvd.search_exact_rows = 0 uses them
-- even on this small table): the same answers, proven exact.
SET max_parallel_maintenance_workers = 1;
CREATE INDEX products_title ON products USING mvvd_hnsw (title vector_l2_ops);
CREATE INDEX products_image ON products USING mvvd_hnsw (image vector_cosine_ops);
CREATE INDEX products_reviews ON products USING mvvd_hnsw (reviews multivector_ip_ops);
SET mvvd.search_exact_rows = 0;
SELECT f AS fusion, (searched(f)).ids = reference(f) AS same_rows, (searched(f)).all_exact
FROM unnest(ARRAY['weighted', 'raw', 'min', 'max']) f;
SELECT (searched('weighted', 'category = 2 AND price > 100')).ids
	= reference('weighted', 'category = 2 AND price > 100') AS same_rows_filtered;
-- The streams go past the first beam, in relaxed order, whatever the session's setting (which
-- mvvd_search leaves as it was).
SET mvvd.hnsw_iterative_scan = off;
SET mvvd.hnsw_ef_search = 10;
SELECT (searched('weighted', 'category = 2 AND price > 100')).*,
	reference('weighted', 'category = 2 AND price > 100') AS reference;
SHOW mvvd.hnsw_iterative_scan;
RESET mvvd.hnsw_ef_search;
RESET mvvd.hnsw_iterative_scan;
-- the metric comes from the index when not given
SELECT (SELECT array_agg(row_id) FROM mvvd_search('products', ARRAY[mvvd_field('title', '[1,0,0]'::vector)], k => 3))
	= (SELECT array_agg(ctid) FROM (SELECT ctid FROM products WHERE title IS NOT NULL ORDER BY title <-> '[1,0,0]', ctid LIMIT 3) t) AS metric_from_index;

-- In a CTE, joined back by ctid, and prepared.
WITH hits AS (
	SELECT row_id, score FROM mvvd_search('products', ARRAY[
		mvvd_field('title', '[1,0,0]'::vector, 0.6), mvvd_field('image', '[0.6,0.8]'::vector, 0.3)], k => 4))
SELECT count(*) AS hits, bool_and(p.title IS NOT NULL) AS joined FROM hits JOIN products p ON p.ctid = hits.row_id;
PREPARE top_by(vector, vector, int) AS
	SELECT p.id FROM mvvd_search('products', ARRAY[mvvd_field('title', $1, 0.6), mvvd_field('image', $2, 0.3)], k => $3) s
	JOIN products p ON p.ctid = s.row_id ORDER BY s.score DESC, s.row_id;
EXECUTE top_by('[1,0,0]', '[0.6,0.8]', 3);
EXECUTE top_by('[0,1,0]', '[1,0]', 2);
DEALLOCATE top_by;
RESET mvvd.search_exact_rows;

-- Privileges: the caller needs SELECT on the table (rows are named by ctid, which column
-- privileges do not cover); the filter runs with the caller's rights; row-level security applies.
CREATE ROLE regress_mvvd_reader;
CREATE ROLE regress_mvvd_columns;
CREATE TABLE secrets (id int, code int);
GRANT SELECT ON products TO regress_mvvd_reader;
GRANT SELECT (id, title, image) ON products TO regress_mvvd_columns;
SET ROLE regress_mvvd_reader;
SELECT count(*) AS readable FROM mvvd_search('products', ARRAY[mvvd_field('title', '[1,0,0]'::vector, 1, 'l2')], k => 3);
SELECT search_error_of($$SELECT * FROM mvvd_search('products', ARRAY[mvvd_field('title', '[1,0,0]'::vector, 1, 'l2')], filter => 'id IN (SELECT id FROM secrets)')$$) AS filter_reads_other_table;
SET mvvd.search_exact_rows = 0;
SELECT search_error_of($$SELECT * FROM mvvd_search('products', ARRAY[mvvd_field('title', '[1,0,0]'::vector, 1, 'l2')], filter => 'id IN (SELECT id FROM secrets)')$$) AS filter_reads_other_table_index_plan;
RESET mvvd.search_exact_rows;
SET ROLE regress_mvvd_columns;
SELECT search_error_of($$SELECT * FROM mvvd_search('products', ARRAY[mvvd_field('title', '[1,0,0]'::vector, 1, 'l2')])$$) AS column_privileges_only;
RESET ROLE;

ALTER TABLE products ENABLE ROW LEVEL SECURITY;
CREATE POLICY only_category_1 ON products FOR SELECT TO regress_mvvd_reader USING (category = 1);
SET ROLE regress_mvvd_reader;
SELECT count(*) AS rows_seen, bool_and(p.category = 1) AS only_policy_rows
FROM mvvd_search('products', ARRAY[mvvd_field('title', '[1,0,0]'::vector, 1, 'l2')], k => 20) s
JOIN products p ON p.ctid = s.row_id;
SET mvvd.search_exact_rows = 0;
SELECT count(*) AS rows_seen, bool_and(p.category = 1) AS only_policy_rows
FROM mvvd_search('products', ARRAY[mvvd_field('title', '[1,0,0]'::vector, 1, 'l2')], k => 20) s
JOIN products p ON p.ctid = s.row_id;
RESET mvvd.search_exact_rows;
RESET ROLE;
ALTER TABLE products DISABLE ROW LEVEL SECURITY;

-- Bad input: each an ERROR with a SQLSTATE and a message that names the problem.
CREATE VIEW products_view AS SELECT * FROM products;
CREATE TABLE parted (id int, v vector(3)) PARTITION BY RANGE (id);
SELECT s AS statement, search_error_of(s) FROM unnest(ARRAY[
	$$SELECT * FROM mvvd_search('products', ARRAY[mvvd_field('nope', '[1,0,0]'::vector, 1, 'l2')])$$,
	$$SELECT * FROM mvvd_search('products', ARRAY[mvvd_field('price', '[1,0,0]'::vector, 1, 'l2')])$$,
	$$SELECT * FROM mvvd_search('products', ARRAY[mvvd_field('ctid', '[1,0,0]'::vector, 1, 'l2')])$$,
	$$SELECT * FROM mvvd_search('products', ARRAY[mvvd_field('title', '[1,0]'::vector, 1, 'l2')])$$,
	$$SELECT * FROM mvvd_search('products', ARRAY[mvvd_field('reviews', '[[1,0]]'::multivector, 1, 'ip')])$$,
	$$SELECT * FROM mvvd_search('products', ARRAY[mvvd_field('title', '[[1,0,0]]'::multivector, 1, 'l2')])$$,
	$$SELECT * FROM mvvd_search('products', ARRAY[mvvd_field('title', '[1,0,0]'::vector, -1, 'l2')])$$,
	$$SELECT * FROM mvvd_search('products', ARRAY[mvvd_field('title', '[1,0,0]'::vector, 'NaN', 'l2')])$$,
	$$SELECT * FROM mvvd_search('products', ARRAY[mvvd_field('title', '[1,0,0]'::vector, 'Infinity', 'l2')])$$,
	$$SELECT * FROM mvvd_search('products', ARRAY[mvvd_field('title', '[1,0,0]'::vector, 0, 'l2'), mvvd_field('image', '[1,0]'::vector, 0, 'cosine')])$$,
	$$SELECT * FROM mvvd_search('products', ARRAY[mvvd_field('title', '[1,0,0]'::vector, NULL, 'l2')])$$,
	$$SELECT * FROM mvvd_search('products', ARRAY[]::mvvd_field[])$$,
	$$SELECT * FROM mvvd_search('products', ARRAY[NULL::mvvd_field])$$,
	$$SELECT * FROM mvvd_search('products', ARRAY[ROW('title', NULL, NULL, 1, 'l2')::mvvd_field])$$,
	$$SELECT * FROM mvvd_search('products', ARRAY[ROW('title', '[1,0,0]', '[[1,0,0]]', 1, 'l2')::mvvd_field])$$,
	$$SELECT * FROM mvvd_search('products', NULL)$$,
	$$SELECT * FROM mvvd_search('products', ARRAY[mvvd_field('title', '[1,0,0]'::vector, 1, 'l2')], k => 0)$$,
	$$SELECT * FROM mvvd_search('products', ARRAY[mvvd_field('title', '[1,0,0]'::vector, 1, 'l2')], k => -5)$$,
	$$SELECT * FROM mvvd_search('products', ARRAY[mvvd_field('title', '[1,0,0]'::vector, 1, 'l2')], k => 1000000)$$,
	$$SELECT * FROM mvvd_search('products', ARRAY[mvvd_field('title', '[1,0,0]'::vector, 1, 'l2')], k => NULL)$$,
	$$SELECT * FROM mvvd_search('products', ARRAY[mvvd_field('title', '[1,0,0]'::vector, 1, 'l2')], fusion => 'average')$$,
	$$SELECT * FROM mvvd_search('products', ARRAY[mvvd_field('title', '[1,0,0]'::vector, 1, 'l2')], fusion => 'rrf', rrf_depth => 0)$$,
	$$SELECT * FROM mvvd_search('products', ARRAY[mvvd_field('title', '[1,0,0]'::vector, 1, 'manhattan')])$$,
	$$SELECT * FROM mvvd_search('products', ARRAY[mvvd_field('reviews', '[[1,0,0]]'::multivector, 1, 'l1')])$$,
	$$SELECT * FROM mvvd_search('products', ARRAY[mvvd_field('note', '[1,0,0]'::vector, 1, 'l2')])$$,
	$$SELECT * FROM mvvd_search('products', ARRAY[mvvd_field('title', '[1,0,0]'::vector, 1, 'l2')], filter => 'category = ')$$,
	$$SELECT * FROM mvvd_search('products', ARRAY[mvvd_field('title', '[1,0,0]'::vector, 1, 'l2')], filter => 'true) UNION SELECT ctid, 1 FROM products WHERE (true')$$,
	$$SELECT * FROM mvvd_search('products', ARRAY[mvvd_field('title', '[1,0,0]'::vector, 1, 'l2')], filter => 'true; DROP TABLE products')$$,
	$$SELECT * FROM mvvd_search('products', ARRAY[mvvd_field('title', '[1,0,0]'::vector, 1, 'l2')], filter => 'no_such_column = 1')$$,
	$$SELECT * FROM mvvd_search('products', ARRAY[mvvd_field('title', '[1,0,0]'::vector, 1, 'l2')], filter => 'category')$$,
	$$SELECT * FROM mvvd_search('products_view', ARRAY[mvvd_field('title', '[1,0,0]'::vector, 1, 'l2')])$$,
	$$SELECT * FROM mvvd_search('parted', ARRAY[mvvd_field('v', '[1,0,0]'::vector, 1, 'l2')])$$,
	$$SELECT * FROM mvvd_search('no_such_table', ARRAY[mvvd_field('title', '[1,0,0]'::vector, 1, 'l2')])$$
]) s;
-- the table is untouched by the attempted injections
SELECT count(*) FROM products;

DROP POLICY only_category_1 ON products;
REVOKE ALL ON products FROM regress_mvvd_reader, regress_mvvd_columns;
DROP ROLE regress_mvvd_reader;
DROP ROLE regress_mvvd_columns;
