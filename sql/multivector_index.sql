-- mvvd_hnsw on multivector columns: every vector of every row is indexed; ORDER BY the
-- late-interaction operators (@#, @=, @->) or the closest-pair distances to a multivector or a
-- vector returns rows re-scored exactly. Recall against brute force on seeded clustered data.

SET max_parallel_maintenance_workers = 1;
SELECT setseed(0.77);
CREATE TABLE mcent AS SELECT c, array_agg(random() * 2 - 1 ORDER BY j) AS v
	FROM generate_series(1, 40) c, generate_series(1, 16) j GROUP BY c;
-- a vector near centre c
CREATE FUNCTION near(c int) RETURNS vector LANGUAGE sql VOLATILE AS $$
	SELECT array_agg(v[j] + (random() - 0.5) * 0.6 ORDER BY j)::vector
	FROM mcent, generate_series(1, 16) j WHERE mcent.c = $1 $$;
-- 800 documents of 4..12 vectors, each document spread over a few centres
CREATE TABLE docs (id int PRIMARY KEY, tag int, mv multivector(16));
INSERT INTO docs SELECT d, d % 20,
	(SELECT multivector_agg(near(1 + (d * 7 + k * (1 + d % 3)) % 40)) FROM generate_series(1, 4 + d % 9) k)
	FROM generate_series(1, 800) d;
CREATE TABLE mqueries AS SELECT q AS qid,
	(SELECT multivector_agg(near(1 + (q * 11 + k * 3) % 40)) FROM generate_series(1, 3 + q % 6) k) AS mv
	FROM generate_series(1, 25) q;
ANALYZE docs;

-- recall@10 of the index against the exact order, for an ORDER BY operator and query column
CREATE FUNCTION mv_recall(op text, query_expr text) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE
	total float8 := 0;
	q record;
	hits int;
BEGIN
	FOR q IN SELECT qid FROM mqueries LOOP
		SET LOCAL enable_indexscan = off;
		SET LOCAL enable_seqscan = on;
		EXECUTE format('CREATE TEMP TABLE truth AS SELECT id FROM docs
			ORDER BY mv %s (SELECT %s FROM mqueries WHERE qid = $1), id LIMIT 10', op, query_expr)
			USING q.qid;
		SET LOCAL enable_indexscan = on;
		SET LOCAL enable_seqscan = off;
		EXECUTE format('SELECT count(*) FROM (SELECT id FROM docs
			ORDER BY mv %s (SELECT %s FROM mqueries WHERE qid = $1) LIMIT 10) f
			WHERE id IN (SELECT id FROM truth)', op, query_expr) INTO hits USING q.qid;
		DROP TABLE truth;
		total := total + hits / 10.0;
	END LOOP;
	RETURN total / (SELECT count(*) FROM mqueries);
END $$;

CREATE INDEX docs_ip ON docs USING mvvd_hnsw (mv multivector_ip_ops);
SELECT count(*) AS check_errors FROM mvvd_hnsw_check('docs_ip') WHERE severity = 'error';
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM docs ORDER BY mv @# (SELECT mv FROM mqueries WHERE qid = 1) LIMIT 10;
EXPLAIN (COSTS OFF) SELECT id FROM docs ORDER BY mv <#> '[1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]'::vector LIMIT 10;
RESET enable_seqscan;
SELECT mv_recall('@#', 'mv') >= 0.95 AS maxsim_recall_ok,
	mv_recall('<#>', 'mv') >= 0.95 AS closest_pair_recall_ok,
	mv_recall('<#>', '(mv::vector[])[1]') >= 0.95 AS to_vector_recall_ok;
-- the index returns the operator's exact value, in order
SET enable_seqscan = off;
CREATE TEMP TABLE first20 AS SELECT id, d, row_number() OVER () AS rn FROM
	(SELECT id, mv @# (SELECT mv FROM mqueries WHERE qid = 2) AS d FROM docs
	 ORDER BY mv @# (SELECT mv FROM mqueries WHERE qid = 2) LIMIT 20) f;
SELECT count(*) AS rows, bool_and(f.d = d.mv @# q.mv) AS exact_scores,
	bool_and(f.d >= coalesce(p.d, '-infinity')) AS ordered, count(DISTINCT f.id) AS distinct_rows
FROM first20 f JOIN docs d USING (id) CROSS JOIN mqueries q LEFT JOIN first20 p ON p.rn = f.rn - 1
WHERE q.qid = 2;
DROP TABLE first20;
RESET enable_seqscan;
DROP INDEX docs_ip;

CREATE INDEX docs_cos ON docs USING mvvd_hnsw (mv multivector_cosine_ops);
SELECT mv_recall('@=', 'mv') >= 0.95 AS maxsim_cosine_recall_ok,
	mv_recall('<=>', '(mv::vector[])[1]') >= 0.95 AS to_vector_recall_ok;
DROP INDEX docs_cos;
CREATE INDEX docs_l2 ON docs USING mvvd_hnsw (mv multivector_l2_ops);
SELECT mv_recall('@->', 'mv') >= 0.95 AS chamfer_recall_ok,
	mv_recall('<->', 'mv') >= 0.95 AS closest_pair_recall_ok;

-- a filter keeping 5% of the rows still fills LIMIT 10 (iterative scan), with good recall
SET enable_seqscan = off;
SELECT avg((SELECT count(*) FROM (SELECT id FROM docs WHERE tag = q.qid % 20
		ORDER BY mv @-> q.mv LIMIT 10) f)) AS rows_per_query,
	avg((SELECT count(*) FROM (SELECT id FROM docs WHERE tag = q.qid % 20 ORDER BY mv @-> q.mv LIMIT 10) f
		WHERE id IN (SELECT id FROM docs WHERE tag = q.qid % 20 ORDER BY (mv @-> q.mv) + 0 LIMIT 10))
		/ 10.0) >= 0.9 AS filtered_recall_ok
FROM mqueries q;
SET mvvd.hnsw_iterative_scan = off;
SELECT avg((SELECT count(*) FROM (SELECT id FROM docs WHERE tag = q.qid % 20
		ORDER BY mv @-> q.mv LIMIT 10) f)) < 10 AS off_leaves_gaps
FROM mqueries q;
RESET mvvd.hnsw_iterative_scan;

-- inserted rows are found by their own vectors; VACUUM keeps the graph sound
INSERT INTO docs SELECT d, d % 20,
	(SELECT multivector_agg(near(1 + (d * 5 + k) % 40)) FROM generate_series(1, 2 + d % 5) k)
	FROM generate_series(801, 900) d;
SELECT count(*) AS inserted_found FROM docs n
WHERE n.id > 800 AND n.id = (SELECT d.id FROM docs d ORDER BY d.mv @-> n.mv LIMIT 1);
DELETE FROM docs WHERE id % 4 = 0;
VACUUM docs;
SELECT count(*) AS check_findings FROM mvvd_hnsw_check('docs_l2')
	WHERE severity = 'error' OR problem LIKE '%deleted%';
SELECT count(*) AS deleted_returned FROM (SELECT id FROM docs
	ORDER BY mv @-> (SELECT mv FROM mqueries WHERE qid = 4) LIMIT 100) f WHERE id % 4 = 0;
SELECT mv_recall('@->', 'mv') >= 0.95 AS recall_after_vacuum;

-- errors: a query of another dimension; operator classes of the other type
SELECT id FROM docs ORDER BY mv @-> '[[1,2]]' LIMIT 1;
SELECT id FROM docs ORDER BY mv <-> '[1,2]'::vector LIMIT 1;
RESET enable_seqscan;
SET mvvd.hnsw_candidates = 0;
CREATE INDEX ON docs USING mvvd_hnsw (mv vector_l2_ops);
CREATE TABLE vdocs (v vector(2));
CREATE INDEX ON vdocs USING mvvd_hnsw (v multivector_l2_ops);
DROP TABLE docs, mqueries, mcent, vdocs;
DROP FUNCTION mv_recall(text, text);
DROP FUNCTION near(int);
