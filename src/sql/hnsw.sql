-- The mvvd_hnsw index access method, its operator classes and its integrity check.

CREATE FUNCTION mvvd_hnsw_handler(internal) RETURNS index_am_handler
	AS 'MODULE_PATHNAME', 'mvvd_hnsw_handler' LANGUAGE C;
CREATE ACCESS METHOD mvvd_hnsw TYPE INDEX HANDLER mvvd_hnsw_handler;
COMMENT ON ACCESS METHOD mvvd_hnsw IS
	'HNSW graph index for ORDER BY <distance> LIMIT k nearest-neighbour search';

CREATE OPERATOR CLASS vector_l2_ops FOR TYPE vector USING mvvd_hnsw AS
	OPERATOR 1 <-> (vector, vector) FOR ORDER BY float_ops,
	FUNCTION 1 l2_distance(vector, vector);
CREATE OPERATOR CLASS vector_ip_ops FOR TYPE vector USING mvvd_hnsw AS
	OPERATOR 1 <#> (vector, vector) FOR ORDER BY float_ops,
	FUNCTION 1 vector_negative_inner_product(vector, vector);
CREATE OPERATOR CLASS vector_cosine_ops FOR TYPE vector USING mvvd_hnsw AS
	OPERATOR 1 <=> (vector, vector) FOR ORDER BY float_ops,
	FUNCTION 1 cosine_distance(vector, vector);
CREATE OPERATOR CLASS vector_l1_ops FOR TYPE vector USING mvvd_hnsw AS
	OPERATOR 1 <+> (vector, vector) FOR ORDER BY float_ops,
	FUNCTION 1 l1_distance(vector, vector);

CREATE FUNCTION mvvd_hnsw_check(index regclass, OUT severity text, OUT element bigint,
		OUT problem text) RETURNS SETOF record
	AS 'MODULE_PATHNAME', 'mvvd_hnsw_check' LANGUAGE C STRICT;
COMMENT ON FUNCTION mvvd_hnsw_check(regclass) IS
	'Checks an mvvd_hnsw graph: no rows when sound; error rows mean REINDEX, warning rows cost recall';

-- Indexes on multivector columns index every vector of every row. Each operator class serves
-- the late-interaction operator (1) and the closest-pair distance to a multivector (2) or to a
-- vector (3) of its metric; rows are re-scored exactly with the ORDER BY operator.
CREATE OPERATOR CLASS multivector_ip_ops FOR TYPE multivector USING mvvd_hnsw AS
	OPERATOR 1 @# (multivector, multivector) FOR ORDER BY float_ops,
	OPERATOR 2 <#> (multivector, multivector) FOR ORDER BY float_ops,
	OPERATOR 3 <#> (multivector, vector) FOR ORDER BY float_ops,
	FUNCTION 1 multivector_negative_inner_product(multivector, multivector);
CREATE OPERATOR CLASS multivector_cosine_ops FOR TYPE multivector USING mvvd_hnsw AS
	OPERATOR 1 @= (multivector, multivector) FOR ORDER BY float_ops,
	OPERATOR 2 <=> (multivector, multivector) FOR ORDER BY float_ops,
	OPERATOR 3 <=> (multivector, vector) FOR ORDER BY float_ops,
	FUNCTION 1 multivector_cosine_distance(multivector, multivector);
CREATE OPERATOR CLASS multivector_l2_ops FOR TYPE multivector USING mvvd_hnsw AS
	OPERATOR 1 @-> (multivector, multivector) FOR ORDER BY float_ops,
	OPERATOR 2 <-> (multivector, multivector) FOR ORDER BY float_ops,
	OPERATOR 3 <-> (multivector, vector) FOR ORDER BY float_ops,
	FUNCTION 1 multivector_l2_distance(multivector, multivector);
