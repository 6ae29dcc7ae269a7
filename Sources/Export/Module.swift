// Export: OneRoster CSV packages for applications and their delivery to folders, SFTP and HTTPS.
