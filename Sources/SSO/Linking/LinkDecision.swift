/// The outcome of linking a login: the roster user it signs in as, or why it was rejected.
public enum LinkDecision: Sendable, Equatable {
    /// The login signs in as `user`. `isNew` is true when this login created the link.
    case linked(RosterUser, isNew: Bool)
    /// The login is rejected and no link was saved. Show the user a page for `error.code`, never a guest session.
    case rejected(UpstreamError)
}
