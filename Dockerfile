# AuditShipper: audit-producer, audit-consumer, audit-archive and example-upstream in one image.
# Build:  docker build -t auditshipper .
# The runtime links Ubuntu 24.04's librdkafka (2.3), above the 2.2 tagged-field fix.
# Base images carry fixed tags here; pin them by digest in your own build (FROM image@sha256:...)
# for reproducible, reviewable images.

FROM swift:6.3-noble AS build
RUN apt-get update \
    && apt-get install -y --no-install-recommends librdkafka-dev zlib1g-dev libssl-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Package.swift ./
RUN swift package resolve
COPY Sources ./Sources
COPY Tests ./Tests
RUN swift build -c release --static-swift-stdlib \
        --product audit-producer --product audit-consumer --product audit-archive --product example-upstream \
    && mkdir -p /out \
    && cp "$(swift build -c release --show-bin-path)"/audit-producer \
          "$(swift build -c release --show-bin-path)"/audit-consumer \
          "$(swift build -c release --show-bin-path)"/audit-archive \
          "$(swift build -c release --show-bin-path)"/example-upstream /out/

FROM ubuntu:24.04
RUN apt-get update \
    && apt-get install -y --no-install-recommends librdkafka1 ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --user-group --home-dir /var/lib/auditshipper --create-home auditshipper \
    && mkdir -p /var/lib/auditshipper/spool /var/lib/auditshipper/archive \
    && chown -R 10001:10001 /var/lib/auditshipper
COPY --from=build /out/ /usr/local/bin/
COPY deploy/routes.example.yaml /etc/auditshipper/routes.yaml
USER 10001:10001
WORKDIR /var/lib/auditshipper
ENV AUDIT_SPOOL_DIR=/var/lib/auditshipper/spool \
    AUDIT_ARCHIVE_DIR=/var/lib/auditshipper/archive \
    AUDIT_LISTEN=0.0.0.0:8080 \
    AUDIT_ADMIN_LISTEN=0.0.0.0:9090
EXPOSE 8080 9090
# The producer's admin port; a container running audit-consumer (admin 9091) sets its own check.
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
    CMD ["curl", "-fsS", "http://127.0.0.1:9090/healthz"]
ENTRYPOINT ["audit-producer"]
