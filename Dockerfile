# One image with every wsis binary; compose.yaml runs one container per
# service from it. Base: debian:bookworm-slim (build it locally with
# scripts/docker-base.sh where no image registry is reachable).

FROM debian:bookworm-slim AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      build-essential pkg-config libzmq3-dev libczmq-dev libmsgpack-dev \
      libsqlite3-dev libjansson-dev libcurl4-openssl-dev libsodium-dev libcmark-dev zlib1g-dev libmicrohttpd-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Makefile ./
COPY common ./common
COPY services ./services
# `make deps` would try apt-get again: the packages are here, build directly,
# without the tests' fault-injection hook.
RUN make -j2 binaries FAULTS=0

FROM debian:bookworm-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libczmq4 libzmq5 libmsgpackc2 libsqlite3-0 libjansson4 libcurl4 libsodium23 libcmark0.30.2 zlib1g libmicrohttpd12 curl tzdata ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /opt/wsis --shell /usr/sbin/nologin wsis \
 && mkdir -p /var/lib/wsis && chown wsis /var/lib/wsis
WORKDIR /opt/wsis
COPY --from=build /src/bin/ /usr/local/bin/
COPY configs ./configs
# The gateway's public pages (gateway/pages, relative to /opt/wsis)
COPY services/gateway/pages ./services/gateway/pages
ENV WSIS_CONFIG=/opt/wsis/configs/wsis.cfg \
    WSIS_DATA_DIR=/var/lib/wsis
USER wsis
VOLUME /var/lib/wsis
CMD ["wsisctl", "ping", "all"]
