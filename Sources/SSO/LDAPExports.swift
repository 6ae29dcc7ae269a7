// The LDAP client lives in its own target so that connectors can use it too. SSO re-exports it, so code that
// imports SSO keeps seeing LDAPDirectory, LDAPError and the other LDAP types as before.
@_exported import LDAP
