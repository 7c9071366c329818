-- Binary send/recv in pgvector's wire format (int16 dims, int16 zero, big-endian float4 values),
-- checked through COPY BINARY: byte-exact output, a round trip, and crafted bad input.

SELECT vector_send('[1,2,3]');
SELECT vector_send('[-0,1e-45,3.4028235e38]');

-- round trip through a binary COPY file in the data directory
CREATE TABLE bin_src (id int, v vector);
SELECT setseed(0.3);
INSERT INTO bin_src SELECT g, array_agg((random() - 0.5)::real * 1e10 ORDER BY i)::vector
	FROM generate_series(1, 50) g, generate_series(1, g * 7) i GROUP BY g;
DO $$ BEGIN
	EXECUTE format('COPY bin_src TO %L (FORMAT binary)',
		current_setting('data_directory') || '/mvvd_bin_rt.copy');
END $$;
CREATE TABLE bin_dst (id int, v vector);
COPY bin_dst FROM 'mvvd_bin_rt.copy' (FORMAT binary);
SELECT count(*) AS rows, count(*) FILTER (WHERE s.v::real[] = d.v::real[]) AS identical
FROM bin_src s JOIN bin_dst d USING (id);

-- A COPY BINARY file holding one row whose single field is the given vector payload.
CREATE FUNCTION copy_file_with(payload bytea) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	lo oid := lo_from_bytea(0, '\x5047434f50590aff0d0a00'::bytea || '\x0000000000000000'::bytea
		|| '\x0001'::bytea || int4send(length(payload)) || payload || '\xffff'::bytea);
BEGIN
	PERFORM lo_export(lo, current_setting('data_directory') || '/mvvd_bin_bad.copy');
	PERFORM lo_unlink(lo);
END $$;
CREATE FUNCTION recv_error_of(payload bytea, target text DEFAULT 'vector') RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	outcome text;
BEGIN
	PERFORM copy_file_with(payload);
	EXECUTE format('CREATE TEMP TABLE recv_t (v %s)', target);
	BEGIN
		COPY recv_t FROM 'mvvd_bin_bad.copy' (FORMAT binary);
		outcome := 'accepted ' || (SELECT v::text FROM recv_t);
	EXCEPTION WHEN OTHERS THEN
		outcome := SQLSTATE || ': ' || SQLERRM;
	END;
	DROP TABLE recv_t;
	RETURN outcome;
END $$;

-- a well-formed payload is accepted; each lie or bad value is refused
SELECT recv_error_of('\x000200003f80000040000000');
SELECT recv_error_of('\x000200003f80000040000000', 'vector(3)');
SELECT recv_error_of('\x000300003f80000040000000') AS dims_larger_than_data;
SELECT recv_error_of('\x7fff00003f80000040000000') AS dims_huge;
SELECT recv_error_of('\x3e8100003f800000') AS dims_over_limit;
SELECT recv_error_of('\x0000000000000000') AS dims_zero;
SELECT recv_error_of('\xffff00003f800000') AS dims_negative;
SELECT recv_error_of('\x000100013f800000') AS reserved_not_zero;
SELECT recv_error_of('\x000200003f8000007fc00000') AS nan_value;
SELECT recv_error_of('\x00010000ff800000') AS infinity_value;
SELECT recv_error_of('\x000100003f80000000') AS trailing_byte;
SELECT recv_error_of('\x0001') AS truncated_header;
DROP TABLE bin_src, bin_dst;
