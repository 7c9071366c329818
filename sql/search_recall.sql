-- mvvd_search on seeded data: 50,000 rows with two vector fields and one multivector field.
-- Fused recall@10 against a brute force in SQL that computes the documented formulas: exactly
-- 1 when rows are scored exactly (no index), >= 0.95 through the indexes at their defaults, and
-- with a filter that keeps 5% of the rows.

SET max_parallel_maintenance_workers = 1;
SELECT setseed(0.4242);
CREATE TABLE centres AS SELECT c, array_agg(random() * 2 - 1 ORDER BY j) AS v
	FROM generate_series(1, 60) c, generate_series(1, 16) j GROUP BY c;
CREATE TABLE centre_noise AS SELECT i, array_agg((random() - 0.5) * 0.8 ORDER BY j) AS v
	FROM generate_series(1, 50021) i, generate_series(1, 16) j GROUP BY i;
ALTER TABLE centre_noise ADD PRIMARY KEY (i);
-- a vector near a centre: the centre plus one of 50,021 noise vectors, rotated by a seed (a
-- prime count, so no two rows of a field are the same up to the noise's scale: HNSW misses
-- members of groups of near-duplicates, which is not what this test is about)
CREATE FUNCTION near(c int, seed int) RETURNS vector LANGUAGE sql STABLE AS $$
	SELECT array_agg(centres.v[j] + centre_noise.v[1 + (j + seed) % 16] * (1 + (seed % 7) * 0.05)
		ORDER BY j)::vector(16)
	FROM centres, centre_noise, generate_series(1, 16) j
	WHERE centres.c = 1 + $1 % 60 AND centre_noise.i = 1 + $2 % 50021 $$;

-- a and b are unrelated; m holds 2-4 vectors on neighbouring centres (a document's topic)
CREATE TABLE items (id int PRIMARY KEY, a vector(16), b vector(16), m multivector(16), cat int);
INSERT INTO items
SELECT i, near(i * 7, i), near(i * 13 + 5, i * 3 + 1),
	(SELECT multivector_agg(near((i * 11) % 60 + k, i * 5 + k)) FROM generate_series(0, 1 + i % 3) k),
	(i * 7919) % 20
FROM generate_series(1, 50000) i;
CREATE TABLE queries AS
SELECT q, near(q * 3, 40000 + q) AS qa, near(q * 5 + 1, 41000 + q) AS qb,
	(SELECT multivector_agg(near(q * 7 + k, 42000 + q * 3 + k)) FROM generate_series(0, 1) k) AS qm
FROM generate_series(1, 60) q;
ANALYZE items;

-- The exact top k by the documented formulas, in SQL (weights 0.5, 0.3, 0.2; L2, cosine,
-- late-interaction cosine); ties go to the lower ctid, as in mvvd_search.
CREATE FUNCTION truth(qa vector, qb vector, qm multivector, fusion text, flt text, k int)
RETURNS SETOF tid LANGUAGE plpgsql AS $$
DECLARE
	n float8 := multivector_count(qm);
	sims text := format('1 / (1 + (a <-> %L::vector)) AS s1, (1 - (b <=> %L::vector) / 2) AS s2, '
		'greatest(0, least(1, (1 - (m @= %L::multivector) / %s) / 2)) AS s3', qa, qb, qm, n);
	ranks text := format('rank() OVER (ORDER BY a <-> %L::vector, ctid) AS r1, '
		'rank() OVER (ORDER BY b <=> %L::vector, ctid) AS r2, '
		'rank() OVER (ORDER BY m @= %L::multivector, ctid) AS r3', qa, qb, qm);
	score text := CASE fusion
		WHEN 'weighted' THEN '0.5::float8 * s1 + 0.3::float8 * s2 + 0.2::float8 * s3'
		WHEN 'min' THEN 'least(0.5::float8 * s1, 0.3::float8 * s2, 0.2::float8 * s3)'
		WHEN 'max' THEN 'greatest(0.5::float8 * s1, 0.3::float8 * s2, 0.2::float8 * s3)'
		WHEN 'rrf' THEN '(CASE WHEN r1 <= 100 THEN 0.5::float8 / (60 + r1) ELSE 0 END) + '
			'(CASE WHEN r2 <= 100 THEN 0.3::float8 / (60 + r2) ELSE 0 END) + '
			'(CASE WHEN r3 <= 100 THEN 0.2::float8 / (60 + r3) ELSE 0 END)' END;
BEGIN
	RETURN QUERY EXECUTE format(
		'SELECT ctid FROM (SELECT ctid, %s, %s FROM items WHERE %s) s '
		'WHERE %s ORDER BY %s DESC, ctid LIMIT %s',
		sims, ranks, coalesce(flt, 'true'),
		CASE WHEN fusion = 'rrf' THEN 'least(r1, r2, r3) <= 100' ELSE 'true' END, score, k);
END $$;

CREATE FUNCTION found(qa vector, qb vector, qm multivector, fusion text, flt text, k int)
RETURNS TABLE (row_id tid, exact boolean) LANGUAGE sql AS $$
	SELECT row_id, exact FROM mvvd_search('items', ARRAY[
		mvvd_field('a', qa, 0.5, 'l2'), mvvd_field('b', qb, 0.3, 'cosine'),
		mvvd_field('m', qm, 0.2, 'cosine')], k => k, fusion => fusion, filter => flt) $$;

-- mean recall@10 over the queries, how many answers were full, and how many claimed exact
CREATE FUNCTION recall(fusion text, flt text DEFAULT NULL)
RETURNS TABLE (fusion text, recall numeric, full_answers bigint, exact_answers bigint)
LANGUAGE sql AS $$
	SELECT fusion, round(avg(hits) / 10, 3), count(*) FILTER (WHERE n = 10),
		count(*) FILTER (WHERE all_exact)
	FROM (SELECT count(*) FILTER (WHERE f.row_id = ANY (t.ids)) AS hits, count(f.row_id) AS n,
			bool_and(f.exact) AS all_exact
		FROM queries
		CROSS JOIN LATERAL (SELECT array_agg(x) AS ids FROM truth(qa, qb, qm, fusion, flt, 10) x) t
		LEFT JOIN LATERAL found(qa, qb, qm, fusion, flt, 10) f ON true
		GROUP BY q, t.ids) per_query $$;

-- 'ok' at 0.95 or more; a failing run shows the recall it measured
CREATE FUNCTION recall_ok(recall numeric) RETURNS text LANGUAGE sql AS $$
	SELECT CASE WHEN recall >= 0.95 THEN 'ok' ELSE 'only ' || recall END $$;

-- No index: every row is scored, so the answer is the brute force's, and says it is exact.
SELECT * FROM recall('weighted');
SELECT * FROM recall('min');
SELECT * FROM recall('max');
SELECT * FROM recall('rrf');
SELECT * FROM recall('weighted', 'cat = 3');

-- Through the indexes at their defaults.
CREATE INDEX ON items USING mvvd_hnsw (a vector_l2_ops);
CREATE INDEX ON items USING mvvd_hnsw (b vector_cosine_ops);
CREATE INDEX ON items USING mvvd_hnsw (m multivector_cosine_ops);
SELECT fusion, recall_ok(recall), full_answers FROM recall('weighted')
UNION ALL SELECT fusion, recall_ok(recall), full_answers FROM recall('min')
UNION ALL SELECT fusion, recall_ok(recall), full_answers FROM recall('max')
UNION ALL SELECT fusion, recall_ok(recall), full_answers FROM recall('rrf');

-- A filter that keeps 5% of the rows: few enough (under mvvd.search_exact_rows) that the
-- default plan scores them all.
SELECT fusion, recall, full_answers, exact_answers FROM recall('weighted', 'cat = 3');
-- Through the indexes, rows are checked against the filter as they come; with 10% of rows left
-- the streams go ten times deeper.
SET mvvd.search_exact_rows = 0;
SELECT fusion, recall_ok(recall), full_answers FROM recall('weighted', 'cat < 2');
RESET mvvd.search_exact_rows;
