-- Distance operators and functions, norms and arithmetic: exact small cases, then agreement with a
-- double-precision SQL reference on seeded data at lengths that exercise every SIMD remainder.

SELECT '[1,2,3]'::vector <-> '[4,5,6]' AS l2;
SELECT l2_distance('[1,2,3]', '[4,5,6]');
SELECT vector_l2_squared_distance('[1,2,3]', '[4,5,6]');
SELECT '[1,2,3]'::vector <#> '[4,5,6]' AS neg_ip, inner_product('[1,2,3]', '[4,5,6]');
SELECT '[1,2,3]'::vector <=> '[4,5,6]' AS cosine, cosine_distance('[1,2,3]', '[4,5,6]');
SELECT '[1,2,3]'::vector <+> '[4,5,6]' AS l1, l1_distance('[1,2,3]', '[4,5,6]');
SELECT '[1,1]'::vector <=> '[-1,-1]' AS opposite, '[1,1]'::vector <=> '[2,2]' AS same_direction;
SELECT '[3,4]'::vector <-> '[3,4]' AS self_distance;
SELECT vector_norm('[3,4]'), l2_normalize('[3,4]'), l2_normalize('[0,0]');
SELECT '[1,2,3]'::vector + '[4,5,6]', '[1,2,3]'::vector - '[4,5,6]', '[1,2,3]'::vector * '[4,5,6]';

-- Cosine distance with a zero vector is NaN (the angle is undefined), as in pgvector; NaN sorts
-- after every number, so zero vectors come last in ORDER BY v <=> q.
SELECT '[0,0,0]'::vector <=> '[1,2,3]' AS zero_left, '[1,2,3]'::vector <=> '[0,0,0]' AS zero_right;
SELECT v FROM (VALUES ('[0,0]'::vector), ('[1,0]'), ('[0,1]')) t(v) ORDER BY v <=> '[1,0.1]';

-- Huge and tiny magnitudes: float32 sums would overflow or vanish; results stay exact.
SELECT '[1e30,1e30]'::vector <-> '[-1e30,-1e30]' AS huge_l2,
	'[1e-25,1e-25]'::vector <-> '[-1e-25,-1e-25]' AS tiny_l2,
	'[1e30,1e30]'::vector <=> '[-1e30,-1e30]' AS huge_cosine,
	vector_norm('[3e38,3e38]') AS huge_norm;

-- Seeded random vectors at many lengths vs a float8 reference computed in SQL.
SELECT setseed(0.17);
CREATE TABLE ops_pairs AS
	SELECT n, array_agg((random() * 2 - 1)::real ORDER BY i) AS a,
		array_agg((random() * 2 - 1)::real ORDER BY i) AS b
	FROM unnest(ARRAY[1,2,3,7,8,15,16,17,31,33,63,64,65,127,129,255,257,383,385,767,768,1023,
		1535,1536,1537,3072,4096]) n, generate_series(1, n) i
	GROUP BY n;
CREATE TABLE ops_ref AS
	SELECT n, a, b,
		sqrt(sum((x - y)::float8 ^ 2)) AS l2,
		sum(x::float8 * y) AS ip,
		sum(abs(x::float8 - y)) AS l1,
		1 - sum(x::float8 * y) / (sqrt(sum(x::float8 ^ 2)) * sqrt(sum(y::float8 ^ 2))) AS cos
	FROM ops_pairs, unnest(a, b) u(x, y) GROUP BY n, a, b;
SELECT count(*) AS pairs,
	count(*) FILTER (WHERE abs((a::vector <-> b::vector) - l2) <= 1e-5 * l2) AS l2_ok,
	count(*) FILTER (WHERE abs(-(a::vector <#> b::vector) - ip) <= 1e-5 * n) AS ip_ok,
	count(*) FILTER (WHERE abs((a::vector <+> b::vector) - l1) <= 1e-5 * l1) AS l1_ok,
	count(*) FILTER (WHERE abs((a::vector <=> b::vector) - cos) <= 1e-5) AS cos_ok,
	count(*) FILTER (WHERE abs(vector_norm(a::vector) - sqrt((SELECT sum(x::float8 ^ 2)
		FROM unnest(a) x))) <= 1e-9) AS norm_ok
FROM ops_ref;
-- arithmetic agrees element by element with real arithmetic
SELECT count(*) FILTER (WHERE (a::vector + b::vector)::real[] =
		ARRAY(SELECT x + y FROM unnest(a, b) u(x, y))) AS add_ok,
	count(*) FILTER (WHERE (a::vector - b::vector)::real[] =
		ARRAY(SELECT x - y FROM unnest(a, b) u(x, y))) AS sub_ok,
	count(*) FILTER (WHERE (a::vector * b::vector)::real[] =
		ARRAY(SELECT x * y FROM unnest(a, b) u(x, y))) AS mul_ok
FROM ops_pairs;
DROP TABLE ops_ref, ops_pairs;

-- The kernel in use is reported (this varies by CPU, so only its validity is checked here).
SELECT mvvd_simd() IN ('avx512', 'avx2', 'sse', 'neon', 'scalar') AS simd_reported;

-- Operators are found by symbol and commute.
SELECT oprname, oprcom::regoperator IS NOT NULL AS has_commutator
FROM pg_operator WHERE oprleft = 'vector'::regtype AND oprright = 'vector'::regtype
	AND oprname IN ('<->', '<#>', '<=>', '<+>')
ORDER BY oprname;
