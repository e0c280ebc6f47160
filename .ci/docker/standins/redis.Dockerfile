# Stand-in for redis:7.2-bookworm: Debian's Redis, listening on the compose network, nothing kept on disk.
FROM clickstream-ci/base:bookworm
EXPOSE 6379
ENTRYPOINT ["/usr/bin/dumb-init", "--"]
CMD ["redis-server", "--bind", "0.0.0.0", "--protected-mode", "no", "--save", "", "--appendonly", "no"]
