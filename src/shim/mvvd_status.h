/*
 * The status every fallible shim function returns, and the buffer it explains itself in. The glue
 * turns a non-OK status into ereport(ERROR) with a fitting SQLSTATE; it never asserts one.
 */
#ifndef MVVD_SHIM_STATUS_H
#define MVVD_SHIM_STATUS_H

#include <stddef.h>

/* The shim's functions never throw; C++ callers (tests) see that in their type. */
#ifdef __cplusplus
#define MVVD_NOEXCEPT noexcept
#else
#define MVVD_NOEXCEPT
#endif

#ifdef __cplusplus
extern "C" {
#endif

typedef enum mvvd_status {
  MVVD_OK = 0,
  MVVD_INVALID_TEXT,     /* malformed text form (22P02) */
  MVVD_OUT_OF_RANGE,     /* a number that does not fit (22003) */
  MVVD_NOT_FINITE,       /* NaN or Infinity (22000) */
  MVVD_EMPTY,            /* zero dimensions (22000) */
  MVVD_TOO_MANY_DIMS,    /* over the dimension limit (54000) */
  MVVD_RAGGED,           /* multivector vectors of different dimensions (22000) */
  MVVD_TOO_MANY_MEMBERS, /* multivector over its member limit (54000) */
  MVVD_OUT_OF_MEMORY,    /* (53200) */
  MVVD_CANCELLED,        /* the glue's interrupt check said stop */
  MVVD_CALLBACK_FAILED,  /* a glue callback failed and saved its own ERROR to re-throw */
  MVVD_INTERNAL          /* a bug: an exception the core did not expect (XX000) */
} mvvd_status;

typedef struct mvvd_error {
  size_t position;   /* 1-based offset into the input the error is about, or 0 */
  char message[256]; /* NUL-terminated English phrase */
} mvvd_error;

#ifdef __cplusplus
}
#endif

#endif /* MVVD_SHIM_STATUS_H */
