#include <stdarg.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <microhttpd.h>
#include <netdb.h>
#include <string.h>

// Typed wrappers for the variadic libmicrohttpd calls that Swift cannot import.

/// Starts a daemon bound to `address` with a fixed option list; a zero `pool_size` disables the thread pool.
static inline struct MHD_Daemon *rb_mhd_start_daemon(
    unsigned int flags, const struct sockaddr *address, MHD_AccessHandlerCallback access_handler,
    void *access_context, MHD_RequestCompletedCallback completed_handler, void *completed_context,
    void *(*uri_logger)(void *, const char *, struct MHD_Connection *), void *uri_context,
    unsigned int pool_size, unsigned int connection_limit, unsigned int timeout_seconds, unsigned int reuse_port) {
    return MHD_start_daemon(
        flags, 0, NULL, NULL, access_handler, access_context,
        MHD_OPTION_SOCK_ADDR, address,
        MHD_OPTION_NOTIFY_COMPLETED, completed_handler, completed_context,
        MHD_OPTION_URI_LOG_CALLBACK, uri_logger, uri_context,
        MHD_OPTION_THREAD_POOL_SIZE, pool_size,
        MHD_OPTION_CONNECTION_LIMIT, connection_limit,
        MHD_OPTION_CONNECTION_TIMEOUT, timeout_seconds,
        MHD_OPTION_LISTENING_ADDRESS_REUSE, reuse_port,
        MHD_OPTION_END);
}

/// Returns the port the daemon listens on, or 0 when libmicrohttpd cannot tell.
static inline uint16_t rb_mhd_bound_port(struct MHD_Daemon *daemon) {
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(daemon, MHD_DAEMON_INFO_BIND_PORT);
    return info == NULL ? 0 : info->port;
}

/// Writes the client's numeric address into `buffer`; returns 0 on success.
static inline int rb_mhd_client_address(struct MHD_Connection *connection, char *buffer, size_t length) {
    const union MHD_ConnectionInfo *info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (info == NULL || info->client_addr == NULL || length == 0) return -1;
    const struct sockaddr *address = info->client_addr;
    socklen_t size = address->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
    return getnameinfo(address, size, buffer, (socklen_t)length, NULL, 0, NI_NUMERICHOST);
}
