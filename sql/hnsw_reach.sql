-- Elements no walk from the entry point reaches: pruning leaves some without an in-link (here
-- a thousand multivector rows holding one equal vector, which fill each other's lists; in an
-- index on vectors, equal rows share one element, see hnsw_duplicates). The build links them
-- back, and so does every VACUUM, also one with no dead rows: all of them, in one pass (an
-- element out of reach takes the place of a reached element's shortest link and links on to
-- where it led; displacing a link instead could cut off another copy until the next VACUUM). No
-- autovacuum: the test's own VACUUM must be the one that links them back. One at a time, the
-- inserts of the copies left 16 to 50 of them out of reach in six runs (20 or fewer in one CI run).
SELECT setseed(0.3);
CREATE TABLE reach_built (id serial, v multivector(8)) WITH (autovacuum_enabled = false);
INSERT INTO reach_built (v) SELECT ARRAY[(SELECT array_agg(random()) FROM generate_series(1, 8) j
	WHERE i > 0)::vector]::multivector FROM generate_series(1, 3000) i;
INSERT INTO reach_built (v) SELECT '[[1,1,1,1,1,1,1,1]]' FROM generate_series(1, 1000);
SET max_parallel_maintenance_workers = 1;
CREATE INDEX reach_built_v ON reach_built USING mvvd_hnsw (v multivector_l2_ops);
-- without the build's pass, 891 of the copies were out of reach
SELECT count(*) <= 5 AS reachable_after_build FROM mvvd_hnsw_check('reach_built_v')
	WHERE problem LIKE 'not reachable%';
-- so a scan finds every copy
SET enable_seqscan = off;
SELECT count(*) AS copies_found FROM (SELECT id FROM reach_built
	ORDER BY v <-> '[[1,1,1,1,1,1,1,1]]' LIMIT 1000) t;
RESET enable_seqscan;

CREATE TABLE reach_inserted (id serial, v multivector(8)) WITH (autovacuum_enabled = false);
CREATE INDEX reach_inserted_v ON reach_inserted USING mvvd_hnsw (v multivector_l2_ops);
INSERT INTO reach_inserted (v) SELECT ARRAY[(SELECT array_agg(random()) FROM generate_series(1, 8) j
	WHERE i > 0)::vector]::multivector FROM generate_series(1, 3000) i;
INSERT INTO reach_inserted (v) SELECT '[[1,1,1,1,1,1,1,1]]' FROM generate_series(1, 1000);
CREATE TEMP TABLE before_vacuum AS SELECT count(*) AS n FROM mvvd_hnsw_check('reach_inserted_v')
	WHERE problem LIKE 'not reachable%';
VACUUM reach_inserted;
SELECT (SELECT n FROM before_vacuum) > 0 AS inserts_left_some_out,
	count(*) = 0 AS vacuum_linked_them_back
FROM mvvd_hnsw_check('reach_inserted_v') WHERE problem LIKE 'not reachable%';
SELECT count(*) AS errors FROM mvvd_hnsw_check('reach_inserted_v') WHERE severity = 'error';
DROP TABLE reach_built, reach_inserted;
