#ifndef ROSTRA_CSQLITE_SHIM_H
#define ROSTRA_CSQLITE_SHIM_H

#include <sqlite3.h>

// SQLITE_TRANSIENT is a macro that casts -1 to a function pointer, which Swift cannot
// import. "If the seventh argument is the special value SQLITE_TRANSIENT, then SQLite
// makes its own private copy of the data immediately, before the sqlite3_bind_*() routine
// returns" (https://www.sqlite.org/c3ref/bind_blob.html) — which is what Swift needs,
// since the buffers it hands out are only valid inside a closure.
static inline sqlite3_destructor_type rostra_sqlite_transient(void) {
    return SQLITE_TRANSIENT;
}

#endif
