/// The top of the directory tree the LDAP tests load into slapd: the district entry, a service account that
/// searches, and the People unit the accounts live under.
public enum LDAPTestTree {
    public static let suffix = "dc=rollbook,dc=test"
    public static let people = "ou=People,dc=rollbook,dc=test"
    public static let serviceDN = "cn=svc-rollbook,dc=rollbook,dc=test"

    /// Returns the LDIF of the three entries, the service account with `servicePassword`, ending in a blank line.
    public static func prologue(servicePassword: String) -> String {
        """
        dn: \(suffix)
        objectClass: dcObject
        objectClass: organization
        dc: rollbook
        o: Rollbook test district

        dn: \(serviceDN)
        objectClass: inetOrgPerson
        cn: svc-rollbook
        sn: Service
        userPassword: \(servicePassword)

        dn: \(people)
        objectClass: organizationalUnit
        ou: People


        """
    }
}
