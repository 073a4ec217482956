#ifndef CURTAIL_CLIBPQ_SHIM_H
#define CURTAIL_CLIBPQ_SHIM_H
// pkg-config libpq supplies -I/usr/include/postgresql, so the bare name resolves.
#include <libpq-fe.h>

// PG_DIAG_* are character-literal macros ('C', 'M', ...): Swift imports only numeric
// and string macro literals, so re-export the ones we read as typed constants.
static const int CURTAIL_PG_DIAG_SQLSTATE = PG_DIAG_SQLSTATE;
static const int CURTAIL_PG_DIAG_SEVERITY_NONLOCALIZED = PG_DIAG_SEVERITY_NONLOCALIZED;
static const int CURTAIL_PG_DIAG_MESSAGE_PRIMARY = PG_DIAG_MESSAGE_PRIMARY;
static const int CURTAIL_PG_DIAG_MESSAGE_DETAIL = PG_DIAG_MESSAGE_DETAIL;
static const int CURTAIL_PG_DIAG_CONSTRAINT_NAME = PG_DIAG_CONSTRAINT_NAME;
#endif
