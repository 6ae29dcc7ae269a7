#ifndef ROLLBOOK_CLDAP_SHIM_H
#define ROLLBOOK_CLDAP_SHIM_H

// OpenLDAP's client library, for binding and searching a district's directory (Active Directory or slapd).
#define LDAP_DEPRECATED 0
#include <lber.h>
#include <ldap.h>

#endif
