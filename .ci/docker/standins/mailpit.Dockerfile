# Stand-in for axllent/mailpit: an SMTP sink with the part of mailpit's HTTP API the deployment test reads.
FROM clickstream-ci/base:bookworm
COPY mailpit /mailpit
EXPOSE 1025 8025
ENTRYPOINT ["/usr/bin/dumb-init", "--", "/mailpit"]
