#ifndef COPENBLAS_SHIM_H
#define COPENBLAS_SHIM_H
// OpenBLAS's cblas.h also declares openblas_set_num_threads, openblas_get_corename and friends.
#include <cblas.h>

// LAPACK (shipped inside OpenBLAS): Cholesky factorisation and solve in double precision.
void dpotrf_(const char *uplo, const int *n, double *a, const int *lda, int *info);
void dpotrs_(const char *uplo, const int *n, const int *nrhs, const double *a, const int *lda,
             double *b, const int *ldb, int *info);
#endif
