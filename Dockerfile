# Rostra in a container: a multi-stage build of the release binary (Swift runtime linked
# in), run as a non-root user in a slim Debian. docs/docker.md tells how to use it;
# scripts/docker-check lints this file and replays its build and run steps without Docker.
#   docker build -t rostra .
#   docker run --rm -p 8000:8000 -p 8001:8001 -p 8443:8443 -p 8444:8444 rostra
FROM swift:6.3-bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends libsqlite3-dev libssl-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Dependencies first, so that a change of sources does not fetch them again. The manifest
# names the test support targets too, and does not load without their folders.
COPY Package.swift ./
COPY Tests ./Tests
RUN swift package resolve
COPY Sources ./Sources
# --static-swift-stdlib: the Swift runtime and Foundation are linked in, so the runtime
# image needs no toolchain; -s strips the symbols (a quarter of the size).
RUN swift build -c release --static-swift-stdlib --product rostra \
 && install -D -s .build/release/rostra /out/rostra

FROM debian:bookworm-slim
# libsqlite3-0, libssl3 (TLS) and libstdc++6 are all the binary links beyond libc
# (scripts/docker-check checks its ldd against this list). The state folder exists before
# VOLUME declares it, so a new volume starts owned by the user that writes it; the TLS
# certificate authority is made in it too (state/ca), so it outlives the container.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libsqlite3-0 libssl3 libstdc++6 \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --user-group --home-dir /var/lib/rostra --create-home rostra \
 && install -d -o rostra -g rostra /var/lib/rostra/state
COPY --from=build /out/rostra /usr/local/bin/rostra
COPY seed-data /opt/rostra/seed-data
# Inside a container the emulator must listen beyond loopback to be reachable.
ENV ROSTRA_HOST=0.0.0.0 \
    ROSTRA_SEED=/opt/rostra/seed-data \
    ROSTRA_DB=/var/lib/rostra/state/rostra.sqlite
VOLUME /var/lib/rostra/state
WORKDIR /var/lib/rostra
# Numeric, so that Kubernetes' runAsNonRoot can verify it.
USER 10001:10001
EXPOSE 8000 8001 8443 8444
# `rostra health` reads the same ROSTRA_* variables as the server: it checks both APIs.
HEALTHCHECK --interval=10s --timeout=5s --start-period=15s --retries=3 CMD ["rostra", "health", "--timeout", "4"]
ENTRYPOINT ["rostra"]
CMD ["serve"]
