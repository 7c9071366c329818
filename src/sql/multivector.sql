-- The multivector type: an ordered set of vectors of one size; multivector(n) has n-dimensional
-- vectors. Constructors, accessors, casts and the multivector_agg aggregate.

CREATE TYPE multivector;

CREATE FUNCTION multivector_in(cstring, oid, integer) RETURNS multivector
	AS 'MODULE_PATHNAME', 'mvvd_multivector_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION multivector_out(multivector) RETURNS cstring
	AS 'MODULE_PATHNAME', 'mvvd_multivector_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION multivector_typmod_in(cstring[]) RETURNS integer
	AS 'MODULE_PATHNAME', 'mvvd_multivector_typmod_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION multivector_recv(internal, oid, integer) RETURNS multivector
	AS 'MODULE_PATHNAME', 'mvvd_multivector_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION multivector_send(multivector) RETURNS bytea
	AS 'MODULE_PATHNAME', 'mvvd_multivector_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

-- EXTENDED: large values are compressed when it helps and moved out of line (TOAST).
CREATE TYPE multivector (
	INPUT      = multivector_in,
	OUTPUT     = multivector_out,
	TYPMOD_IN  = multivector_typmod_in,
	TYPMOD_OUT = vector_typmod_out,
	RECEIVE    = multivector_recv,
	SEND       = multivector_send,
	STORAGE    = extended
);

COMMENT ON TYPE multivector IS 'ordered set of vectors of one size; multivector(n) has n-dimensional vectors';

CREATE FUNCTION multivector(multivector, integer, boolean) RETURNS multivector
	AS 'MODULE_PATHNAME', 'mvvd_multivector' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE CAST (multivector AS multivector)
	WITH FUNCTION multivector(multivector, integer, boolean) AS IMPLICIT;

CREATE FUNCTION multivector_dims(multivector) RETURNS integer
	AS 'MODULE_PATHNAME', 'mvvd_multivector_dims' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION multivector_count(multivector) RETURNS integer
	AS 'MODULE_PATHNAME', 'mvvd_multivector_count' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION multivector(vector[]) RETURNS multivector
	AS 'MODULE_PATHNAME', 'mvvd_vectors_to_multivector' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION vectors_to_multivector(vector[], integer, boolean) RETURNS multivector
	AS 'MODULE_PATHNAME', 'mvvd_vectors_to_multivector' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION multivector_to_vectors(multivector) RETURNS vector[]
	AS 'MODULE_PATHNAME', 'mvvd_multivector_to_vectors' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION array_to_multivector(real[], integer, boolean) RETURNS multivector
	AS 'MODULE_PATHNAME', 'mvvd_array_to_multivector' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION array_to_multivector(double precision[], integer, boolean) RETURNS multivector
	AS 'MODULE_PATHNAME', 'mvvd_array_to_multivector' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE CAST (vector[] AS multivector)
	WITH FUNCTION vectors_to_multivector(vector[], integer, boolean) AS ASSIGNMENT;
CREATE CAST (multivector AS vector[]) WITH FUNCTION multivector_to_vectors(multivector);
CREATE CAST (real[] AS multivector)
	WITH FUNCTION array_to_multivector(real[], integer, boolean) AS ASSIGNMENT;
CREATE CAST (double precision[] AS multivector)
	WITH FUNCTION array_to_multivector(double precision[], integer, boolean) AS ASSIGNMENT;

CREATE FUNCTION unnest(multivector) RETURNS SETOF vector
	AS 'MODULE_PATHNAME', 'mvvd_multivector_unnest' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION multivector_agg_accum(internal, vector) RETURNS internal
	AS 'MODULE_PATHNAME', 'mvvd_multivector_agg_accum' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION multivector_agg_final(internal) RETURNS multivector
	AS 'MODULE_PATHNAME', 'mvvd_multivector_agg_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
-- The vectors in input order (use ORDER BY inside the call to fix it); NULLs are skipped.
CREATE AGGREGATE multivector_agg(vector) (
	SFUNC = multivector_agg_accum,
	STYPE = internal,
	FINALFUNC = multivector_agg_final
);

-- Late interaction: the left argument is the document, the right one the query. COST 100:
-- comparing every pair of vectors costs far more than one vector distance, and the planner
-- must know that to prefer an index over scoring every row.
CREATE FUNCTION maxsim(multivector, multivector) RETURNS float8
	AS 'MODULE_PATHNAME', 'mvvd_maxsim' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 100;
CREATE FUNCTION maxsim_cosine(multivector, multivector) RETURNS float8
	AS 'MODULE_PATHNAME', 'mvvd_maxsim_cosine' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 100;
CREATE FUNCTION chamfer_l2(multivector, multivector) RETURNS float8
	AS 'MODULE_PATHNAME', 'mvvd_chamfer_l2' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 100;
CREATE FUNCTION multivector_maxsim_distance(multivector, multivector) RETURNS float8
	AS 'MODULE_PATHNAME', 'mvvd_multivector_maxsim_distance' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 100;
CREATE FUNCTION multivector_maxsim_cosine_distance(multivector, multivector) RETURNS float8
	AS 'MODULE_PATHNAME', 'mvvd_multivector_maxsim_cosine_distance' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 100;
COMMENT ON FUNCTION maxsim(multivector, multivector) IS
	'ColBERT late interaction: sum over the query''s vectors of the best inner product with the document''s';

CREATE OPERATOR @# (
	LEFTARG = multivector, RIGHTARG = multivector, FUNCTION = multivector_maxsim_distance
);
CREATE OPERATOR @= (
	LEFTARG = multivector, RIGHTARG = multivector, FUNCTION = multivector_maxsim_cosine_distance
);
CREATE OPERATOR @-> (
	LEFTARG = multivector, RIGHTARG = multivector, FUNCTION = chamfer_l2
);

-- Set distances: the closest pair of vectors, one from each side.
CREATE FUNCTION multivector_l2_distance(multivector, multivector) RETURNS float8
	AS 'MODULE_PATHNAME', 'mvvd_multivector_l2_distance' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 100;
CREATE FUNCTION multivector_cosine_distance(multivector, multivector) RETURNS float8
	AS 'MODULE_PATHNAME', 'mvvd_multivector_cosine_distance' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 100;
CREATE FUNCTION multivector_negative_inner_product(multivector, multivector) RETURNS float8
	AS 'MODULE_PATHNAME', 'mvvd_multivector_negative_inner_product' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 100;
CREATE FUNCTION multivector_vector_l2_distance(multivector, vector) RETURNS float8
	AS 'MODULE_PATHNAME', 'mvvd_multivector_vector_l2_distance' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 100;
CREATE FUNCTION multivector_vector_cosine_distance(multivector, vector) RETURNS float8
	AS 'MODULE_PATHNAME', 'mvvd_multivector_vector_cosine_distance' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 100;
CREATE FUNCTION multivector_vector_negative_inner_product(multivector, vector) RETURNS float8
	AS 'MODULE_PATHNAME', 'mvvd_multivector_vector_negative_inner_product' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 100;
CREATE FUNCTION vector_multivector_l2_distance(vector, multivector) RETURNS float8
	AS 'MODULE_PATHNAME', 'mvvd_vector_multivector_l2_distance' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 100;
CREATE FUNCTION vector_multivector_cosine_distance(vector, multivector) RETURNS float8
	AS 'MODULE_PATHNAME', 'mvvd_vector_multivector_cosine_distance' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 100;
CREATE FUNCTION vector_multivector_negative_inner_product(vector, multivector) RETURNS float8
	AS 'MODULE_PATHNAME', 'mvvd_vector_multivector_negative_inner_product' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 100;

CREATE OPERATOR <-> (LEFTARG = multivector, RIGHTARG = multivector,
	FUNCTION = multivector_l2_distance, COMMUTATOR = '<->');
CREATE OPERATOR <=> (LEFTARG = multivector, RIGHTARG = multivector,
	FUNCTION = multivector_cosine_distance, COMMUTATOR = '<=>');
CREATE OPERATOR <#> (LEFTARG = multivector, RIGHTARG = multivector,
	FUNCTION = multivector_negative_inner_product, COMMUTATOR = '<#>');
CREATE OPERATOR <-> (LEFTARG = multivector, RIGHTARG = vector,
	FUNCTION = multivector_vector_l2_distance, COMMUTATOR = '<->');
CREATE OPERATOR <=> (LEFTARG = multivector, RIGHTARG = vector,
	FUNCTION = multivector_vector_cosine_distance, COMMUTATOR = '<=>');
CREATE OPERATOR <#> (LEFTARG = multivector, RIGHTARG = vector,
	FUNCTION = multivector_vector_negative_inner_product, COMMUTATOR = '<#>');
CREATE OPERATOR <-> (LEFTARG = vector, RIGHTARG = multivector,
	FUNCTION = vector_multivector_l2_distance, COMMUTATOR = '<->');
CREATE OPERATOR <=> (LEFTARG = vector, RIGHTARG = multivector,
	FUNCTION = vector_multivector_cosine_distance, COMMUTATOR = '<=>');
CREATE OPERATOR <#> (LEFTARG = vector, RIGHTARG = multivector,
	FUNCTION = vector_multivector_negative_inner_product, COMMUTATOR = '<#>');
