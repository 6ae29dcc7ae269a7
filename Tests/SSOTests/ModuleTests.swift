import Testing

@testable import SSO
