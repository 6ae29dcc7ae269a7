#include <curl/curl.h>

// Typed wrappers under the `rb_` prefix for libcurl's variadic option functions, one per
// argument type, because Swift cannot call C variadic functions.

static inline CURLcode rb_curl_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode rb_curl_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode rb_curl_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode rb_curl_setopt_list(CURL *handle, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode rb_curl_setopt_offset(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}

typedef size_t (*rb_curl_write_callback)(char *data, size_t size, size_t count, void *userdata);

static inline CURLcode rb_curl_setopt_write_function(CURL *handle, CURLoption option, rb_curl_write_callback value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode rb_curl_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}

typedef size_t (*rb_curl_read_callback)(char *buffer, size_t size, size_t count, void *userdata);

static inline CURLcode rb_curl_setopt_read_function(CURL *handle, CURLoption option, rb_curl_read_callback value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode rb_curl_setopt_mime(CURL *handle, CURLoption option, curl_mime *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode rb_curl_getinfo_offset(CURL *handle, CURLINFO info, curl_off_t *value) {
    return curl_easy_getinfo(handle, info, value);
}
