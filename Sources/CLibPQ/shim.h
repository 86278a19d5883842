#ifndef STRIKELEDGER_CLIBPQ_SHIM_H
#define STRIKELEDGER_CLIBPQ_SHIM_H

// libpq, PostgreSQL's C client library. pkg-config (libpq.pc) supplies the include
// path: Debian and Ubuntu put libpq-fe.h in /usr/include/postgresql, not /usr/include.
#include <libpq-fe.h>

#endif
