// libssh (libssh-dev on Debian 12, 0.10.x): the SSH client and SFTP functions Rollbook uses to
// deliver files. libssh is used instead of libcurl's SFTP because libcurl on Debian 12 goes through
// libssh2 1.10, which verifies RSA host keys only with ssh-rsa (SHA-1) signatures.
#include <libssh/libssh.h>
#include <libssh/sftp.h>
