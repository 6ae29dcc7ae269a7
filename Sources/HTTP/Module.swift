// HTTP: the server Rollbook's service mode answers on, over libmicrohttpd.
