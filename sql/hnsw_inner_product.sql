-- Inner product on all-positive data: linked by inner product, a graph loses the vectors of
-- small norm (nobody's nearest, so no element keeps a link to them) and no search reaches them;
-- mvvd_hnsw links an inner-product graph by L2 and searches it by inner product.
SELECT setseed(0.25);
CREATE TABLE ip_rows (id int PRIMARY KEY, v vector(16));
INSERT INTO ip_rows SELECT i, (SELECT array_agg(random()) FROM generate_series(1, 16) j WHERE i > 0)::vector
	FROM generate_series(1, 5000) i;
CREATE TABLE ip_queries (qid int, v vector(16));
INSERT INTO ip_queries SELECT i, (SELECT array_agg(random()) FROM generate_series(1, 16) j WHERE i > 0)::vector
	FROM generate_series(1, 50) i;
SET max_parallel_maintenance_workers = 0;
CREATE INDEX ip_rows_v ON ip_rows USING mvvd_hnsw (v vector_ip_ops);
-- fewer than 1% of the elements out of reach (linked by inner product: about 80%)
SELECT count(*) < 50 AS reachable FROM mvvd_hnsw_check('ip_rows_v') WHERE problem LIKE 'not reachable%';
-- recall@10 against brute force at ef_search 40 and 400
CREATE FUNCTION ip_recall(ef int) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE
	total float8 := 0;
	q record;
BEGIN
	EXECUTE format('SET LOCAL mvvd.hnsw_ef_search = %s', ef);
	FOR q IN SELECT * FROM ip_queries LOOP
		SET LOCAL enable_seqscan = off;
		CREATE TEMP TABLE got AS SELECT id FROM ip_rows ORDER BY v <#> q.v LIMIT 10;
		SET LOCAL enable_seqscan = on;
		SET LOCAL enable_indexscan = off;
		total := total + (SELECT count(*) FROM got WHERE id IN
			(SELECT id FROM ip_rows ORDER BY v <#> q.v, id LIMIT 10)) / 10.0;
		SET LOCAL enable_indexscan = on;
		DROP TABLE got;
	END LOOP;
	RETURN total / (SELECT count(*) FROM ip_queries);
END $$;
SELECT ip_recall(40) >= 0.85 AS recall_at_40, ip_recall(400) >= 0.97 AS recall_at_400;
-- a filter that keeps 100 rows gets them all back from an iterative scan (an unreachable row
-- would be silently missing)
SET mvvd.hnsw_iterative_scan = relaxed_order;
SET enable_seqscan = off;
SELECT count(*) >= 97 AS filtered_rows_returned FROM (SELECT id FROM ip_rows WHERE id % 50 = 0
	ORDER BY v <#> (SELECT v FROM ip_queries WHERE qid = 1) LIMIT 100) t;
RESET enable_seqscan;
RESET mvvd.hnsw_iterative_scan;
-- the members of multivectors, by the same rule
CREATE TABLE ip_docs (id int, mv multivector(16));
INSERT INTO ip_docs SELECT i, (SELECT multivector_agg((SELECT array_agg(random()) FROM generate_series(1, 16) j
		WHERE k > 0 AND i > 0)::vector) FROM generate_series(1, 5) k)
	FROM generate_series(1, 1000) i;
CREATE INDEX ip_docs_mv ON ip_docs USING mvvd_hnsw (mv multivector_ip_ops);
SELECT count(*) < 50 AS members_reachable FROM mvvd_hnsw_check('ip_docs_mv') WHERE problem LIKE 'not reachable%';
-- inserts after the build link the same way
INSERT INTO ip_rows SELECT i, (SELECT array_agg(random()) FROM generate_series(1, 16) j WHERE i > 0)::vector
	FROM generate_series(5001, 6000) i;
SELECT count(*) < 60 AS reachable_after_inserts FROM mvvd_hnsw_check('ip_rows_v') WHERE problem LIKE 'not reachable%';
DROP TABLE ip_rows, ip_queries, ip_docs;
DROP FUNCTION ip_recall(int);
