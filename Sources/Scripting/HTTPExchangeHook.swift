import HTTP

/// A hook between `rollbook.http.request` and the network, used to record exchanges or replay recorded ones.
///
/// A runtime calls its hook from the one thread that runs the script, so implementations need no locking.
public protocol HTTPExchangeHook: AnyObject {
    /// Returns a stored response for `request`, or nil to send it over the network.
    ///
    /// A thrown error fails the request, and the script gets it raised with the error's description.
    func response(for request: HTTPClientRequest) throws -> HTTPClientResponse?

    /// Stores an exchange that was sent over the network and got a response.
    func didReceive(_ response: HTTPClientResponse, for request: HTTPClientRequest) throws
}
