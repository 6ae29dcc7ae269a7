// The SSO target: the OAuth 2.0 and OpenID Connect provider side of Rollbook, starting with the client
// credentials grant and request signing that guard the OneRoster REST API.
