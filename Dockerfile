# Rostra in a container: a multi-stage build of the release binary, run in a slim Debian.
#   docker build -t rostra .
#   docker run --rm -p 8000:8000 -p 8001:8001 rostra
FROM swift:6.3-bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends libsqlite3-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Dependencies first, so that a change of sources does not fetch them again.
COPY Package.swift ./
RUN swift package resolve
COPY Sources ./Sources
# The Swift runtime and Foundation are linked in: the runtime image needs no toolchain.
RUN swift build -c release --static-swift-stdlib --product rostra \
 && install -D .build/release/rostra /out/rostra

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends libsqlite3-0 libstdc++6 ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --home /var/lib/rostra --create-home rostra
COPY --from=build /out/rostra /usr/local/bin/rostra
COPY seed-data /opt/rostra/seed-data
USER rostra
WORKDIR /var/lib/rostra
# Inside a container the emulator must listen beyond loopback to be reachable; the state
# lives under /var/lib/rostra/state (mount a volume there to keep it).
ENV ROSTRA_HOST=0.0.0.0 \
    ROSTRA_SEED=/opt/rostra/seed-data \
    ROSTRA_DB=/var/lib/rostra/state/rostra.sqlite
EXPOSE 8000 8001
ENTRYPOINT ["rostra"]
CMD ["serve"]
