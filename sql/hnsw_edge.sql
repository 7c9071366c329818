-- mvvd_hnsw edge cases: NULLs and zero vectors, untyped columns, empty tables, large
-- dimensions (vectors spanning pages), builds past maintenance_work_mem, unlogged tables.

SET enable_seqscan = off;

-- NULLs are not indexed (an index scan does not return them); for cosine, zero vectors are not
-- either (their distance is NaN).
CREATE TABLE e1 (id int, emb vector(2));
INSERT INTO e1 VALUES (1, '[1,0]'), (2, NULL), (3, '[0,0]'), (4, '[0,1]'), (5, '[1,1]');
CREATE INDEX ON e1 USING mvvd_hnsw (emb vector_cosine_ops);
SELECT id FROM e1 ORDER BY emb <=> '[1,0.1]' LIMIT 10;
CREATE INDEX e1_l2 ON e1 USING mvvd_hnsw (emb vector_l2_ops);
SELECT id FROM e1 ORDER BY emb <-> '[0,0]' LIMIT 10;
-- ORDER BY the distance to NULL: every distance is NULL, so any order is right; all rows come back
SELECT count(*) FROM (SELECT id FROM e1 ORDER BY emb <-> NULL LIMIT 10) f;
DROP TABLE e1;

-- An untyped column: the first vector fixes the index's dimensions.
CREATE TABLE e2 (id int, emb vector);
CREATE INDEX e2_idx ON e2 USING mvvd_hnsw (emb vector_l2_ops);
INSERT INTO e2 VALUES (1, '[1,2,3]'), (2, '[3,2,1]');
SELECT id FROM e2 ORDER BY emb <-> '[1,2,3]' LIMIT 1;
INSERT INTO e2 VALUES (3, '[1,2]');
SELECT id FROM e2 ORDER BY emb <-> '[1,2]' LIMIT 1;
SELECT count(*) FROM e2;
DROP TABLE e2;
-- and a build over mixed sizes fails with the same error
CREATE TABLE e3 (id int, emb vector);
INSERT INTO e3 VALUES (1, '[1,2,3]'), (2, '[1,2]');
CREATE INDEX ON e3 USING mvvd_hnsw (emb vector_l2_ops);
DROP TABLE e3;

-- 4,000 and 16,000 dimensions: each vector spans pages.
CREATE TABLE e4 (id int, emb vector(4000));
SELECT setseed(0.4);
-- one build thread: the graph, and so the counts below, do not depend on thread timing
SET max_parallel_maintenance_workers = 0;
INSERT INTO e4 SELECT i, (SELECT array_agg(random() ORDER BY j) FROM generate_series(1, 4000) j
	WHERE i > 0)::vector FROM generate_series(1, 60) i;
CREATE INDEX e4_idx ON e4 USING mvvd_hnsw (emb vector_l2_ops);
INSERT INTO e4 SELECT i, (SELECT array_agg(random() ORDER BY j) FROM generate_series(1, 4000) j
	WHERE i > 0)::vector FROM generate_series(61, 100) i;
SELECT count(*) AS own_vector_first FROM e4 a
	WHERE a.id = (SELECT b.id FROM e4 b ORDER BY b.emb <-> a.emb LIMIT 1);
SELECT count(*) AS errors FROM mvvd_hnsw_check('e4_idx') WHERE severity = 'error';
-- (chunks of such vectors hold a number of elements that does not fill their last record page)
DELETE FROM e4 WHERE id % 3 = 0;
VACUUM e4;
SELECT count(*) AS errors_after_vacuum FROM mvvd_hnsw_check('e4_idx')
	WHERE severity = 'error' OR problem LIKE '%deleted%';
SELECT count(*) AS own_vector_first_after_vacuum FROM e4 a
	WHERE a.id = (SELECT b.id FROM e4 b ORDER BY b.emb <-> a.emb LIMIT 1);
RESET max_parallel_maintenance_workers;
DROP TABLE e4;
CREATE TABLE e5 (id int, emb vector(16000));
INSERT INTO e5 SELECT i, array_fill(i::real, ARRAY[16000])::vector FROM generate_series(1, 12) i;
CREATE INDEX ON e5 USING mvvd_hnsw (emb vector_l2_ops);
SELECT id FROM e5 ORDER BY emb <-> array_fill(4.4::real, ARRAY[16000])::vector LIMIT 3;
DROP TABLE e5;

-- A build that outgrows maintenance_work_mem finishes on pages. (Its NOTICE is not shown: the
-- row count it names depends on the elements' random levels, which take memory.)
CREATE TABLE e6 (id int, emb vector(64));
INSERT INTO e6 SELECT i, (SELECT array_agg(random() ORDER BY j) FROM generate_series(1, 64) j
	WHERE i > 0)::vector FROM generate_series(1, 6000) i;
SET maintenance_work_mem = '1MB';
SET client_min_messages = warning;
CREATE INDEX e6_idx ON e6 USING mvvd_hnsw (emb vector_l2_ops);
RESET client_min_messages;
RESET maintenance_work_mem;
SELECT count(*) AS errors FROM mvvd_hnsw_check('e6_idx') WHERE severity = 'error';
SELECT count(*) >= 295 AS own_vector_found FROM (SELECT * FROM e6 WHERE id % 20 = 0) a
	WHERE a.id = (SELECT b.id FROM e6 b ORDER BY b.emb <-> a.emb LIMIT 1);
DROP TABLE e6;

-- Unlogged tables and an empty table.
CREATE UNLOGGED TABLE e7 (id int, emb vector(3));
CREATE INDEX ON e7 USING mvvd_hnsw (emb vector_l2_ops);
INSERT INTO e7 VALUES (1, '[1,1,1]'), (2, '[2,2,2]');
SELECT id FROM e7 ORDER BY emb <-> '[2,2,2]' LIMIT 1;
DROP TABLE e7;
RESET enable_seqscan;

-- A build is cancellable: statement_timeout stops it while the graph is being linked, and the
-- session carries on (the next build succeeds).
CREATE TABLE e8 (id int, emb vector(64));
INSERT INTO e8 SELECT i, (SELECT array_agg(random() ORDER BY j) FROM generate_series(1, 64) j
	WHERE i > 0)::vector FROM generate_series(1, 30000) i;
SET statement_timeout = '150ms';
CREATE INDEX e8_idx ON e8 USING mvvd_hnsw (emb vector_l2_ops) WITH (ef_construction = 200);
RESET statement_timeout;
SELECT count(*) AS indexes_left FROM pg_indexes WHERE tablename = 'e8';
CREATE INDEX e8_idx ON e8 USING mvvd_hnsw (emb vector_l2_ops) WITH (m = 4, ef_construction = 8);
SELECT count(*) AS errors FROM mvvd_hnsw_check('e8_idx') WHERE severity = 'error';
DROP TABLE e8;
