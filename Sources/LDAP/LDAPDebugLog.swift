import CLDAP
import Glibc
import Synchronization

// libldap built with GnuTLS (as Debian builds it) reports why a TLS handshake failed only through its debug
// log: the result is LDAP_SERVER_DOWN and the diagnostic message reads "(unknown error code)". To name the
// cause, the log is routed to a print function that appends each line to a buffer owned by the connecting
// thread. Lines from other threads are dropped, as they would be with logging off.

/// The lines libldap logged on one thread while a connection was being opened.
final class LDAPDebugLines {
    var lines: [String] = []
}

/// The thread-specific slot that stores the current thread's `LDAPDebugLines`, or nil when it is not capturing.
private let captureSlot: pthread_key_t = {
    var key = pthread_key_t()
    pthread_key_create(&key, nil)
    return key
}()

/// How many threads are capturing; libldap's debug level is process-wide, so it stays raised while any is.
private let activeCaptures = Mutex<Int>(0)

private let appendLogLine: @convention(c) (UnsafePointer<CChar>?) -> Void = { text in
    guard let text, let slot = pthread_getspecific(captureSlot) else { return }
    let buffer = Unmanaged<LDAPDebugLines>.fromOpaque(slot).takeUnretainedValue()
    // A bounded buffer: connecting logs about twenty lines, and only the TLS ones matter.
    guard buffer.lines.count < 200 else { return }
    buffer.lines.append(String(cString: text))
}

enum LDAPDebugLog {
    /// libldap's LDAP_DEBUG_TRACE level, the lowest one at which it logs the GnuTLS verification status.
    private static let traceLevel: Int32 = 1

    /// Runs `body` with libldap's debug lines of this thread collected into the returned buffer.
    static func capture<T>(_ body: () throws(LDAPError) -> T) -> (result: Result<T, LDAPError>, lines: [String]) {
        let buffer = LDAPDebugLines()
        activeCaptures.withLock { count in
            if count == 0 {
                ber_set_option(nil, LBER_OPT_LOG_PRINT_FN, unsafeBitCast(appendLogLine, to: UnsafeRawPointer.self))
                var level = traceLevel
                ldap_set_option(nil, LDAP_OPT_DEBUG_LEVEL, &level)
            }
            count += 1
        }
        let retained = Unmanaged.passRetained(buffer)
        pthread_setspecific(captureSlot, retained.toOpaque())
        defer {
            pthread_setspecific(captureSlot, nil)
            retained.release()
            activeCaptures.withLock { count in
                count -= 1
                if count == 0 {
                    var level: Int32 = 0
                    ldap_set_option(nil, LDAP_OPT_DEBUG_LEVEL, &level)
                }
            }
        }
        let result: Result<T, LDAPError>
        do {
            result = .success(try body())
        } catch {
            result = .failure(error)
        }
        return (result, buffer.lines)
    }
}
