-- Weighted cross-field top-k: one call that fuses several vector and multivector columns of a
-- table into one ranking, with each column's mvvd_hnsw index as a stream of candidates.

CREATE TYPE mvvd_field AS (
	column_name name,
	query_vector vector,
	query_multivector multivector,
	weight float8,
	metric text
);
COMMENT ON TYPE mvvd_field IS 'one field of an mvvd_search call: a column, its query, weight and metric';

CREATE FUNCTION mvvd_field(column_name name, query vector, weight float8 DEFAULT 1,
		metric text DEFAULT NULL) RETURNS mvvd_field
	AS 'MODULE_PATHNAME', 'mvvd_field_vector' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION mvvd_field(column_name name, query multivector, weight float8 DEFAULT 1,
		metric text DEFAULT NULL) RETURNS mvvd_field
	AS 'MODULE_PATHNAME', 'mvvd_field_multivector' LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION mvvd_search(rel regclass, fields mvvd_field[], k integer DEFAULT 10,
		fusion text DEFAULT 'weighted', filter text DEFAULT NULL, rrf_depth integer DEFAULT 100,
		OUT row_id tid, OUT score float8, OUT field_scores float8[], OUT exact boolean)
	RETURNS SETOF record
	AS 'MODULE_PATHNAME', 'mvvd_search' LANGUAGE C VOLATILE ROWS 10;
COMMENT ON FUNCTION mvvd_search(regclass, mvvd_field[], integer, text, text, integer) IS
	'top-k rows of a table by several fields fused (weighted, raw, rrf, min, max); join on ctid = row_id';

CREATE FUNCTION mvvd_unit_concat(VARIADIC parts vector[]) RETURNS vector
	AS 'MODULE_PATHNAME', 'mvvd_unit_concat' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mvvd_unit_concat(vector[]) IS
	'the unit vectors of its arguments end to end (NULL if one is NULL); an mvvd_hnsw index on it with vector_ip_ops serves mvvd_search over those columns';
