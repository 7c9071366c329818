-- Elements no walk from the entry point reaches: pruning leaves some without an in-link (here
-- a thousand multivector rows holding one equal vector, which fill each other's lists; in an
-- index on vectors, equal rows share one element, see hnsw_duplicates). The build links them
-- back. Inserted one at a time, the copies keep their ways in: a full list that a new copy joins
-- lets another copy go, and the copies let go join the new copy's own list (before, 16 to 50 of
-- them were out of reach after the inserts, until a VACUUM). VACUUM linking back what is out of
-- reach is tested on a damaged graph (t/004). No autovacuum.
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
SELECT count(*) AS out_of_reach_after_inserts FROM mvvd_hnsw_check('reach_inserted_v')
	WHERE problem LIKE 'not reachable%';
SET enable_seqscan = off;
SELECT count(*) AS copies_found FROM (SELECT id FROM reach_inserted
	ORDER BY v <-> '[[1,1,1,1,1,1,1,1]]' LIMIT 1000) t;
RESET enable_seqscan;
VACUUM reach_inserted;
SELECT count(*) AS out_of_reach_after_vacuum FROM mvvd_hnsw_check('reach_inserted_v')
	WHERE problem LIKE 'not reachable%';
SELECT count(*) AS errors FROM mvvd_hnsw_check('reach_inserted_v') WHERE severity = 'error';
DROP TABLE reach_built, reach_inserted;
