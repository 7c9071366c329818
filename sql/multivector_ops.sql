-- Multivector distances against a reference computed in SQL from the member vectors: late
-- interaction (@# inner product MaxSim, @= cosine MaxSim, @-> Chamfer L2) and closest-pair set
-- distances (<->, <=>, <#>) between multivectors and between a multivector and a vector.

SELECT maxsim('[[1,0],[0,1]]', '[[1,1],[2,0]]') AS score,
	'[[1,0],[0,1]]'::multivector @# '[[1,1],[2,0]]' AS maxsim_distance,
	maxsim_cosine('[[1,0],[0,1]]', '[[1,1],[2,0]]') AS cosine_score,
	'[[1,0],[0,1]]'::multivector @= '[[1,1],[2,0]]' AS cosine_distance,
	'[[1,0],[0,1]]'::multivector @-> '[[1,1],[2,0]]' AS chamfer;
SELECT '[[1,0],[0,1]]'::multivector <-> '[[1,1],[2,0]]' AS l2,
	'[[1,0],[0,1]]'::multivector <=> '[[1,1],[2,0]]' AS cosine,
	'[[1,0],[0,1]]'::multivector <#> '[[1,1],[2,0]]' AS neg_ip,
	'[[1,0],[0,1]]'::multivector <-> '[3,0]'::vector AS to_vector,
	'[3,0]'::vector <-> '[[1,0],[0,1]]'::multivector AS from_vector;
-- MaxSim is not symmetric: the right side is the query
SELECT maxsim('[[1,0]]', '[[1,0],[0,1]]') AS doc_one, maxsim('[[1,0],[0,1]]', '[[1,0]]') AS doc_two;
-- cosine skips zero vectors (no direction); with no valid pair the result is NaN
SELECT maxsim_cosine('[[0,0],[1,0]]', '[[2,0]]') AS skips_zero, maxsim_cosine('[[0,0]]', '[[1,1]]') AS none_valid,
	'[[0,0]]'::multivector <=> '[[1,1]]' AS pair_none_valid;

-- seeded random sets of many sizes vs a float8 reference over unnest()
SELECT setseed(0.61);
CREATE TABLE mvo AS
	SELECT s AS id, (SELECT multivector_agg((SELECT array_agg(random() * 2 - 1)
			FROM generate_series(1, dims) WHERE k > 0)::vector) FROM generate_series(1, nd) k) AS doc,
		(SELECT multivector_agg((SELECT array_agg(random() * 2 - 1)
			FROM generate_series(1, dims) WHERE k > 0)::vector) FROM generate_series(1, nq) k) AS query
	FROM (SELECT s, 1 + s % 7 AS nd, 1 + (s * 3) % 5 AS nq, (ARRAY[1, 3, 16, 17, 33, 128])[1 + s % 6] AS dims
		  FROM generate_series(1, 60) s) p;
CREATE TABLE mvo_pairs AS
	SELECT id, qi, dj, q, d,
		(SELECT sum(x::float8 * y) FROM unnest(q::real[], d::real[]) u(x, y)) AS ip,
		(SELECT sqrt(sum((x::float8 - y) ^ 2)) FROM unnest(q::real[], d::real[]) u(x, y)) AS l2,
		1 - (SELECT sum(x::float8 * y) / sqrt(sum(x::float8 * x) * sum(y::float8 * y))
			 FROM unnest(q::real[], d::real[]) u(x, y)) AS cos
	FROM mvo, LATERAL unnest(query) WITH ORDINALITY a(q, qi), LATERAL unnest(doc) WITH ORDINALITY b(d, dj);
CREATE TABLE mvo_ref AS
	SELECT id,
		-sum(best_ip) AS maxsim_d, -sum(1 - best_cos) AS maxsim_cos_d, sum(best_l2) AS chamfer,
		min(min_l2) AS min_l2, min(min_cos) AS min_cos, -max(best_ip) AS neg_max_ip
	FROM (SELECT id, qi, max(ip) AS best_ip, min(cos) AS best_cos, min(l2) AS best_l2,
			min(l2) AS min_l2, min(cos) AS min_cos
		  FROM mvo_pairs GROUP BY id, qi) per_query
	GROUP BY id;
SELECT count(*) AS sets,
	count(*) FILTER (WHERE abs((doc @# query) - maxsim_d) <= 1e-4 * (1 + abs(maxsim_d))) AS maxsim_ok,
	count(*) FILTER (WHERE abs((doc @= query) - maxsim_cos_d) <= 1e-4 * (1 + abs(maxsim_cos_d))) AS cosine_ok,
	count(*) FILTER (WHERE abs((doc @-> query) - chamfer) <= 1e-4 * (1 + chamfer)) AS chamfer_ok,
	count(*) FILTER (WHERE abs((doc <-> query) - min_l2) <= 1e-4 * (1 + min_l2)) AS l2_ok,
	count(*) FILTER (WHERE abs((doc <=> query) - min_cos) <= 1e-4) AS pair_cosine_ok,
	count(*) FILTER (WHERE abs((doc <#> query) - neg_max_ip) <= 1e-4 * (1 + abs(neg_max_ip))) AS ip_ok,
	count(*) FILTER (WHERE maxsim(doc, query) = -(doc @# query)) AS score_is_minus_distance
FROM mvo JOIN mvo_ref USING (id);
-- a vector against a multivector is its closest member
SELECT count(*) FILTER (WHERE (doc <-> v) = (doc <-> multivector(ARRAY[v]))
	AND (v <-> doc) = (doc <-> v) AND (doc <=> v) = (doc <=> multivector(ARRAY[v]))
	AND (doc <#> v) = (doc <#> multivector(ARRAY[v]))) AS vector_forms_agree, count(*) AS total
FROM (SELECT doc, (query::vector[])[1] AS v FROM mvo) s;
DROP TABLE mvo, mvo_pairs, mvo_ref;

-- a query of another dimension is an error
SELECT '[[1,2]]'::multivector @# '[[1,2,3]]';
SELECT '[[1,2]]'::multivector <-> '[1,2,3]'::vector;
