#ifndef ROLLBOOK_COPENSSL_SHIM_H
#define ROLLBOOK_COPENSSL_SHIM_H

#include <openssl/evp.h>
#include <openssl/rand.h>

#endif
