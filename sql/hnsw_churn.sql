-- VACUUM after every row of a table was updated: each new row version's index element was
-- linked in through elements that are now all deleted. The repaired graph must still reach
-- every live row from its entry point, with well-separated clusters where a search that starts
-- inside one never leaves it.

SET max_parallel_maintenance_workers = 1;
SELECT setseed(0.91);
CREATE TABLE churn_centres AS SELECT c, array_agg(random() * 40 ORDER BY j) AS v
	FROM generate_series(0, 29) c, generate_series(1, 8) j GROUP BY c;
CREATE TABLE churn (id int PRIMARY KEY, emb vector(8), version int);
INSERT INTO churn SELECT i, (SELECT array_agg(v[j] + random() ORDER BY j)
		FROM churn_centres, generate_series(1, 8) j WHERE c = i % 30)::vector, 0
	FROM generate_series(1, 6000) i;
CREATE INDEX churn_emb ON churn USING mvvd_hnsw (emb vector_l2_ops);
SELECT count(*) AS problems_after_build FROM mvvd_hnsw_check('churn_emb');
-- rows (1 in 7, of 857, from every cluster) the index finds by their own vector
CREATE FUNCTION found_itself() RETURNS bigint LANGUAGE sql AS $$
	SELECT count(*) FROM churn o
	WHERE o.id % 7 = 0 AND (SELECT c.id FROM churn c ORDER BY c.emb <-> o.emb LIMIT 1) = o.id $$;
SET enable_seqscan = off;
SELECT found_itself() >= 840 AS found_after_build;
RESET enable_seqscan;

-- every row gets a new version (a new element), twice, with VACUUM in between and after
UPDATE churn SET version = 1;
VACUUM churn;
SELECT count(*) AS problems_after_first_vacuum FROM mvvd_hnsw_check('churn_emb');
UPDATE churn SET version = 2;
VACUUM churn;
SELECT count(*) AS problems_after_second_vacuum FROM mvvd_hnsw_check('churn_emb');

-- still nearly every row found (it was whole clusters lost when repairs dropped the links
-- between them)
SET enable_seqscan = off;
SELECT found_itself() >= 800 AS found_after_updates;
RESET enable_seqscan;
