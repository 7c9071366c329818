-- Rows with equal vectors share one graph element (the others are its copies): a thousand
-- equal rows do not fill each other's neighbour lists, and a search that reaches the element
-- returns every one of them, from a build, from inserts, after non-HOT updates and VACUUM.
SELECT setseed(0.7);
CREATE TABLE dup (id int, category int, v vector(16));
CREATE INDEX dup_category ON dup (category); -- makes updates of category non-HOT
INSERT INTO dup SELECT i, i % 10, (SELECT array_agg(random()) FROM generate_series(1, 16) j
	WHERE i > 0)::vector FROM generate_series(1, 10000) i;
INSERT INTO dup SELECT 100000 + i, 0, array_fill(0.5, ARRAY[16])::vector
	FROM generate_series(1, 1000) i;
CREATE INDEX dup_v ON dup USING mvvd_hnsw (v vector_l2_ops);
SET enable_seqscan = off;
CREATE FUNCTION dup_found(k int) RETURNS TABLE (copies bigint, distinct_rows bigint) AS $$
	SELECT count(*) FILTER (WHERE id > 100000), count(DISTINCT id) FROM (SELECT id FROM dup
		ORDER BY v <-> array_fill(0.5, ARRAY[16])::vector LIMIT k) t
$$ LANGUAGE sql;
EXPLAIN (COSTS OFF) SELECT id FROM dup ORDER BY v <-> array_fill(0.5, ARRAY[16])::vector LIMIT 1000;
-- after the build: every copy
SELECT * FROM dup_found(1000);
SELECT count(*) AS problems FROM mvvd_hnsw_check('dup_v');

-- a thousand more, inserted
INSERT INTO dup SELECT 200000 + i, 0, array_fill(0.5, ARRAY[16])::vector
	FROM generate_series(1, 1000) i;
SELECT * FROM dup_found(2000);
-- the rows nearest after them are the ones a sequential scan finds
SELECT count(*) AS nearest_others_found FROM (SELECT id FROM dup
	ORDER BY v <-> array_fill(0.5, ARRAY[16])::vector LIMIT 2010) t
	WHERE id <= 10000 AND id IN (SELECT id FROM dup WHERE id <= 10000
		ORDER BY l2_distance(v, array_fill(0.5, ARRAY[16])::vector) LIMIT 10);
SELECT count(*) AS problems FROM mvvd_hnsw_check('dup_v');

-- non-HOT updates give every row a new TID; the element's own row is among the dead ones
UPDATE dup SET category = category + 1 WHERE id > 100000;
SELECT * FROM dup_found(2000);
VACUUM dup;
-- the element stays in the graph for its live copies
SELECT * FROM dup_found(2000);
SELECT count(*) AS problems FROM mvvd_hnsw_check('dup_v');

-- deleting half of them, then all of them
DELETE FROM dup WHERE id > 100000 AND id % 2 = 0;
VACUUM dup;
SELECT * FROM dup_found(2000);
DELETE FROM dup WHERE id > 100000;
VACUUM dup;
SELECT * FROM dup_found(10);
SELECT count(*) AS problems FROM mvvd_hnsw_check('dup_v');
-- and equal rows inserted again make an element of their own
INSERT INTO dup SELECT 300000 + i, 0, array_fill(0.5, ARRAY[16])::vector
	FROM generate_series(1, 500) i;
SELECT * FROM dup_found(500);
SELECT count(*) AS problems FROM mvvd_hnsw_check('dup_v');

-- a NULL query orders every row, copies included
SELECT count(*) AS null_order_rows, (SELECT count(*) FROM dup WHERE v IS NOT NULL) AS table_rows
	FROM (SELECT id FROM dup ORDER BY v <-> NULL LIMIT 100000) t;

-- cosine and inner product indexes share elements too
CREATE TABLE dup_ops (id int, v vector(4));
INSERT INTO dup_ops SELECT i, (SELECT array_agg(random() - 0.5) FROM generate_series(1, 4) j
	WHERE i > 0)::vector FROM generate_series(1, 2000) i;
INSERT INTO dup_ops SELECT 10000 + i, '[3, -1, 2, 0.5]' FROM generate_series(1, 300) i;
CREATE INDEX dup_ops_cos ON dup_ops USING mvvd_hnsw (v vector_cosine_ops);
INSERT INTO dup_ops SELECT 20000 + i, '[3, -1, 2, 0.5]' FROM generate_series(1, 300) i;
SELECT count(*) FILTER (WHERE id > 10000) AS cosine_copies FROM (SELECT id FROM dup_ops
	ORDER BY v <=> '[3, -1, 2, 0.5]' LIMIT 600) t;
DROP INDEX dup_ops_cos;
CREATE INDEX dup_ops_ip ON dup_ops USING mvvd_hnsw (v vector_ip_ops);
INSERT INTO dup_ops SELECT 30000 + i, '[3, -1, 2, 0.5]' FROM generate_series(1, 300) i;
-- every row at the query's inner product with the copied vector is a copy (or one of the others
-- that happen to reach as far)
SELECT count(*) FILTER (WHERE id > 10000) AS ip_copies FROM (SELECT id FROM dup_ops
	ORDER BY v <#> '[3, -1, 2, 0.5]' LIMIT 900) t;
SELECT count(*) AS problems FROM mvvd_hnsw_check('dup_ops_ip');
RESET enable_seqscan;
DROP TABLE dup, dup_ops;
DROP FUNCTION dup_found;
