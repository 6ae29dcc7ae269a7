#include <lua5.4/lua.h>
#include <lua5.4/lauxlib.h>
#include <lua5.4/lualib.h>
#include <stdlib.h>

// Wrappers under the `rb_` prefix for Lua macros that Swift cannot import.
// The file also contains the C parts of the Rollbook Lua host: a capped allocator, an
// instruction-budget hook, the pcall message handler and the trampoline that raises Lua
// errors for Swift callbacks.

static inline void rb_lua_pop(lua_State *L, int n) { lua_pop(L, n); }
static inline void rb_lua_newtable(lua_State *L) { lua_newtable(L); }
static inline int rb_lua_upvalueindex(int i) { return lua_upvalueindex(i); }
static inline int rb_lua_registryindex(void) { return LUA_REGISTRYINDEX; }
static inline int rb_lua_isnoneornil(lua_State *L, int i) { return lua_isnoneornil(L, i); }
static inline void rb_lua_remove(lua_State *L, int i) { lua_remove(L, i); }
static inline void rb_lua_insert(lua_State *L, int i) { lua_insert(L, i); }
static inline int rb_lua_pcall(lua_State *L, int nargs, int nresults, int handler) {
    return lua_pcall(L, nargs, nresults, handler);
}
static inline const char *rb_lua_typename(lua_State *L, int i) { return luaL_typename(L, i); }

/// Per-state accounting shared by the allocator, the count hook and the Swift dispatcher.
/// It is the allocator's user data, so C code reaches it from any `lua_State` by `lua_getallocf`.
typedef struct rb_lua_host {
    /// Bytes currently allocated by the state.
    size_t used;
    /// Maximum bytes the state may hold while Lua code runs.
    size_t limit;
    /// While non-zero, Swift host code is running: allocations over `limit` are allowed up to
    /// `limit + host_slack`, so that a memory error does not unwind through Swift frames.
    int in_host;
    size_t host_slack;
    /// Instructions counted so far, in steps of `RB_LUA_HOOK_STEP`.
    long long instructions;
    long long instruction_limit;
    int budget_exceeded;
    /// The Swift dispatcher for host functions: it returns the number of results, or -1 after
    /// pushing an error message that the trampoline then raises.
    int (*dispatch)(lua_State *L, int function_index);
    /// The Swift owner (an unretained `LuaRuntime`).
    void *owner;
} rb_lua_host;

#define RB_LUA_HOOK_STEP 1000

static inline rb_lua_host *rb_lua_host_of(lua_State *L) {
    void *ud = NULL;
    lua_getallocf(L, &ud);
    return (rb_lua_host *)ud;
}

static inline void *rb_lua_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
    rb_lua_host *host = (rb_lua_host *)ud;
    // When ptr is NULL, osize encodes the kind of object being created, not a size.
    size_t old_size = ptr == NULL ? 0 : osize;
    if (nsize == 0) {
        free(ptr);
        host->used -= old_size;
        return NULL;
    }
    if (nsize > old_size) {
        size_t cap = host->in_host ? host->limit + host->host_slack : host->limit;
        if (host->used - old_size + nsize > cap) {
            return NULL;
        }
    }
    void *resized = realloc(ptr, nsize);
    if (resized != NULL) {
        host->used = host->used - old_size + nsize;
    }
    return resized;
}

static inline void rb_lua_count_hook(lua_State *L, lua_Debug *ar) {
    (void)ar;
    rb_lua_host *host = rb_lua_host_of(L);
    host->instructions += RB_LUA_HOOK_STEP;
    if (host->instructions > host->instruction_limit) {
        host->budget_exceeded = 1;
        // Fire on every instruction from now on, so a script that catches the error with pcall
        // is stopped again at once.
        lua_sethook(L, rb_lua_count_hook, LUA_MASKCOUNT, 1);
        lua_pushliteral(L, "script exceeded its instruction budget");
        lua_error(L);
    }
}

/// Creates a state whose allocator and hook use `host`; NULL when the first allocation fails.
static inline lua_State *rb_lua_newstate(rb_lua_host *host) {
    lua_State *L = lua_newstate(rb_lua_alloc, host);
    if (L != NULL) {
        lua_sethook(L, rb_lua_count_hook, LUA_MASKCOUNT, RB_LUA_HOOK_STEP);
    }
    return L;
}

#define RB_LUA_TRACEBACK_KEY "rollbook.traceback"

/// Message handler for lua_pcall: turns the error object into a string, stores the traceback
/// in the registry under RB_LUA_TRACEBACK_KEY and returns the message unchanged.
static inline int rb_lua_message_handler(lua_State *L) {
    if (lua_type(L, 1) != LUA_TSTRING && lua_type(L, 1) != LUA_TNUMBER) {
        if (!(luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING)) {
            lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
        }
        lua_replace(L, 1);
    }
    lua_settop(L, 1);
    luaL_traceback(L, L, NULL, 1);
    lua_setfield(L, LUA_REGISTRYINDEX, RB_LUA_TRACEBACK_KEY);
    return 1;
}

/// The C function behind every host function. Upvalue 1 is the function's index in the Swift
/// registry. The Swift frame has returned before lua_error runs, so Swift cleanup is not skipped.
static inline int rb_lua_trampoline(lua_State *L) {
    rb_lua_host *host = rb_lua_host_of(L);
    int index = (int)lua_tointeger(L, lua_upvalueindex(1));
    host->in_host += 1;
    int results = host->dispatch(L, index);
    host->in_host -= 1;
    if (results < 0) {
        return lua_error(L);
    }
    return results;
}

/// Pushes a host function: a C closure over the trampoline whose upvalue 1 is `index` and whose
/// further upvalues are the `extra` values on top of the stack (popped).
static inline void rb_lua_push_host_function(lua_State *L, int index, int extra) {
    lua_pushinteger(L, index);
    if (extra > 0) {
        lua_insert(L, -extra - 1);
    }
    lua_pushcclosure(L, rb_lua_trampoline, extra + 1);
}

/// Opens the standard libraries that connectors may use; run it through lua_pcall. The Lua
/// side of the sandbox then trims `_G` and `os` (see LuaRuntime+Sandbox.swift).
static inline int rb_lua_open_libraries(lua_State *L) {
    luaL_requiref(L, LUA_GNAME, luaopen_base, 1);
    luaL_requiref(L, LUA_STRLIBNAME, luaopen_string, 1);
    luaL_requiref(L, LUA_TABLIBNAME, luaopen_table, 1);
    luaL_requiref(L, LUA_MATHLIBNAME, luaopen_math, 1);
    luaL_requiref(L, LUA_UTF8LIBNAME, luaopen_utf8, 1);
    luaL_requiref(L, LUA_COLIBNAME, luaopen_coroutine, 1);
    luaL_requiref(L, LUA_OSLIBNAME, luaopen_os, 1);
    lua_settop(L, 0);
    return 0;
}

static inline void rb_lua_push_open_libraries(lua_State *L) { lua_pushcfunction(L, rb_lua_open_libraries); }

static inline void rb_lua_push_message_handler(lua_State *L) { lua_pushcfunction(L, rb_lua_message_handler); }
