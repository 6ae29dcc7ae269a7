#include <sqlite3.h>

/* SQLITE_TRANSIENT is a cast macro that Swift cannot import: SQLite copies the bound value before returning. */
static inline sqlite3_destructor_type rollbook_sqlite3_transient(void) {
    return SQLITE_TRANSIENT;
}

/* SQLITE_STATIC: SQLite uses the caller's buffer as is, so it must stay valid until the next bind, reset or step. */
static inline sqlite3_destructor_type rollbook_sqlite3_static(void) {
    return SQLITE_STATIC;
}

/* sqlite3_config is variadic: one typed wrapper per argument shape. Call before any connection is opened. */
static inline int rollbook_sqlite3_config_none(int option) {
    return sqlite3_config(option);
}

static inline int rollbook_sqlite3_config_int(int option, int value) {
    return sqlite3_config(option, value);
}
