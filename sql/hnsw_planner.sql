-- Plans that use mvvd_hnsw: a partial index for queries whose WHERE implies its predicate, and
-- ORDER BY distance LIMIT k under a distance bound; each checked against the exact answer.
SELECT setseed(0.1);
CREATE TABLE plan_rows (id int, category int, v vector(32));
INSERT INTO plan_rows SELECT i, i % 10, (SELECT array_agg(random()) FROM generate_series(1, 32) j
	WHERE i > 0)::vector FROM generate_series(1, 20000) i;
SET max_parallel_maintenance_workers = 1;
CREATE INDEX plan_rows_cat3 ON plan_rows USING mvvd_hnsw (v vector_l2_ops) WHERE category = 3;
ANALYZE plan_rows;
CREATE TEMP TABLE plan_query AS SELECT v FROM plan_rows WHERE id = 1;
-- a WHERE that implies the predicate uses the partial index
EXPLAIN (COSTS OFF) SELECT id FROM plan_rows WHERE category = 3 AND id > 5
	ORDER BY v <-> (SELECT v FROM plan_query) LIMIT 10;
-- and finds the exact answer's rows (recall@10 over 20 queries, at ef_search 100)
SET mvvd.hnsw_ef_search = 100;
SELECT avg((SELECT count(*) FROM (SELECT id FROM plan_rows WHERE category = 3
		ORDER BY v <-> q.v LIMIT 10) found
	WHERE id IN (SELECT id FROM (SELECT id, v <-> q.v AS d FROM plan_rows WHERE category = 3) e
		ORDER BY d LIMIT 10)) / 10.0) >= 0.95 AS partial_index_recall
FROM (SELECT v FROM plan_rows WHERE id % 1000 = 7) q;
RESET mvvd.hnsw_ef_search;
-- a query whose WHERE does not imply it does not
EXPLAIN (COSTS OFF) SELECT id FROM plan_rows WHERE category = 4
	ORDER BY v <-> (SELECT v FROM plan_query) LIMIT 10;

CREATE INDEX plan_rows_v ON plan_rows USING mvvd_hnsw (v vector_l2_ops);
-- a bound that 20 rows are within, found exactly (with no index)
SET enable_indexscan = off;
SET enable_bitmapscan = off;
CREATE TEMP TABLE plan_bound AS SELECT max(d) + 1e-6 AS r FROM (SELECT v <-> (SELECT v FROM plan_query) AS d
	FROM plan_rows ORDER BY d LIMIT 20) t;
RESET enable_indexscan;
RESET enable_bitmapscan;
-- a distance bound under ORDER BY the same distance uses the index
EXPLAIN (COSTS OFF) SELECT id FROM plan_rows WHERE v <-> (SELECT v FROM plan_query) < (SELECT r FROM plan_bound)
	ORDER BY v <-> (SELECT v FROM plan_query) LIMIT 50;
-- every row within the bound comes back, nearest first (an iterative scan goes on until the
-- bound rejects what it finds; a beam wide enough that a strict-order scan meets none of them
-- late, on this data where the default beam finds about 86% of the true nearest)
SET enable_seqscan = off;
SET mvvd.hnsw_ef_search = 100;
SELECT count(*) AS within_bound,
	count(*) = 20 AS all_within_bound_found
FROM (SELECT id FROM plan_rows WHERE v <-> (SELECT v FROM plan_query) < (SELECT r FROM plan_bound)
	ORDER BY v <-> (SELECT v FROM plan_query) LIMIT 50) t;
RESET enable_seqscan;
RESET mvvd.hnsw_ef_search;
DROP TABLE plan_rows;

-- On small tables the index is chosen when it is the faster plan: at 384 dimensions (vectors in
-- line) and at 1,536 (vectors in TOAST, which the planner does not count for a sequential scan;
-- there it took 11 ms against the index's 1.3 ms), with default settings.
SELECT setseed(0.1);
CREATE TABLE plan_small_384 (id int, v vector(384));
INSERT INTO plan_small_384 SELECT i, (SELECT array_agg(random()) FROM generate_series(1, 384)
	WHERE i > 0)::vector FROM generate_series(1, 2000) i;
CREATE TABLE plan_small_1536 (id int, v vector(1536));
INSERT INTO plan_small_1536 SELECT i, (SELECT array_agg(random()) FROM generate_series(1, 1536)
	WHERE i > 0)::vector FROM generate_series(1, 2000) i;
CREATE INDEX ON plan_small_384 USING mvvd_hnsw (v vector_l2_ops);
CREATE INDEX ON plan_small_1536 USING mvvd_hnsw (v vector_l2_ops);
ANALYZE plan_small_384, plan_small_1536;
EXPLAIN (COSTS OFF) SELECT id FROM plan_small_384
	ORDER BY v <-> (SELECT v FROM plan_small_384 WHERE id = 7) LIMIT 10;
EXPLAIN (COSTS OFF) SELECT id FROM plan_small_1536
	ORDER BY v <-> (SELECT v FROM plan_small_1536 WHERE id = 7) LIMIT 10;
-- without an ORDER BY distance it is never used
EXPLAIN (COSTS OFF) SELECT id FROM plan_small_384 WHERE id < 10;
DROP TABLE plan_small_384, plan_small_1536;

-- The ORDER BY distance is not computed again for each row the index returns when nothing
-- above the scan reads it (the scan's junk column is a NULL); a plan that reads it (ties, a
-- merge of partitions, the distance in the select list) keeps it. Small integer coordinates
-- make many equal distances, so ties and merges are visible.
CREATE TABLE plan_ties (id int, v vector(3));
INSERT INTO plan_ties SELECT i, ARRAY[i % 5, i % 7, i % 3]::vector FROM generate_series(1, 2000) i;
CREATE INDEX ON plan_ties USING mvvd_hnsw (v vector_l2_ops);
CREATE TABLE plan_parts (id int, v vector(3)) PARTITION BY RANGE (id);
CREATE TABLE plan_parts_1 PARTITION OF plan_parts FOR VALUES FROM (1) TO (1001);
CREATE TABLE plan_parts_2 PARTITION OF plan_parts FOR VALUES FROM (1001) TO (2001);
INSERT INTO plan_parts SELECT * FROM plan_ties;
CREATE INDEX ON plan_parts USING mvvd_hnsw (v vector_l2_ops);
ANALYZE plan_ties, plan_parts;
SET enable_seqscan = off;
SET mvvd.hnsw_ef_search = 400;
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM plan_ties ORDER BY v <-> '[1,2,1]' LIMIT 5;
SELECT count(*) AS rows, max(id) IS NOT NULL AS has_ids
FROM (SELECT id FROM plan_ties ORDER BY v <-> '[1,2,1]' LIMIT 5) t;
-- WITH TIES compares the distances: every row at the 5th distance comes back, as many as the
-- exact answer has (about 19 rows share each point)
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM plan_ties ORDER BY v <-> '[1,2,1]'
	FETCH FIRST 5 ROWS WITH TIES;
SELECT count(*) AS with_ties,
	count(*) = (SELECT count(*) FROM plan_ties WHERE v <-> '[1,2,1]' = 0) AS all_ties
FROM (SELECT id FROM plan_ties ORDER BY v <-> '[1,2,1]' FETCH FIRST 5 ROWS WITH TIES) t;
-- a distance in the select list is computed (19 rows at 0, then the next point's)
EXPLAIN (VERBOSE, COSTS OFF) SELECT v <-> '[1,2,1]' AS d FROM plan_ties
	ORDER BY v <-> '[1,2,1]' LIMIT 20;
SELECT v <-> '[1,2,1]' AS d FROM plan_ties ORDER BY v <-> '[1,2,1]' LIMIT 20;
-- a merge of the partitions' scans reads each one's distances: the merged rows come out in
-- order (300 rows span three distances)
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM plan_parts ORDER BY v <-> '[1,2,1]' LIMIT 300;
SELECT bool_and(d >= previous) AS in_order, count(DISTINCT d) AS distances
FROM (SELECT v <-> '[1,2,1]' AS d, lag(v <-> '[1,2,1]', 1, 0::float8) OVER () AS previous
	FROM (SELECT v FROM plan_parts ORDER BY v <-> '[1,2,1]' LIMIT 300) t) u;
RESET enable_seqscan;
RESET mvvd.hnsw_ef_search;
DROP TABLE plan_ties, plan_parts;
