import ArgumentParser
import AuditCapture
import AuditProxy
import AuditPublisher
import AuditService
import CMalloc
import Foundation
import Hummingbird
import Kafka
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

/// `audit-producer`: a reverse proxy that records selected HTTP exchanges and publishes them to Kafka.
@main
struct AuditProducer: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit-producer",
        abstract: "Reverse proxy that records selected HTTP exchanges and publishes them to Kafka.",
        discussion: """
            Put it in front of any HTTP app (for example as a Kubernetes sidecar). Every request is
            forwarded to --upstream; requests matching a route rule are also captured (bodies teed
            as they stream, never delaying the response) and published as CloudEvents to Kafka.

            Every flag can be set by the environment variable named in its help; flags win.
            Invalid configuration prints the bad setting and exits with status 2 before listening.
            SIGTERM stops accepting, finishes in-flight exchanges (closing those still open after
            --shutdown-timeout), publishes or spools what is queued (--drain-timeout) and exits 0.
            """
    )

    @OptionGroup var options: ProducerOptions

    /// Parses arguments itself so that bad configuration exits with status 2, not 64.
    ///
    /// Swift concurrency's jobs run on NIO's event loops instead of a separate thread pool: a
    /// proxied request then wakes no other thread between the client's channel, the handler's
    /// task and the upstream connection (0.44 → 0.38 ms of producer CPU per proxied 1 KB request
    /// at concurrency 16; BENCHMARKS.md). Nothing in the producer blocks a task or computes long
    /// on one: spool I/O runs on the publisher's dispatch queue, envelope building on its own
    /// threads (`EnvelopeThreads`), blocking librdkafka calls on the Kafka module's threads.
    ///
    /// Allocations of 256 KiB and more (body chunks' buffers, envelopes, spool reads) get their
    /// own memory mappings, which go back to the system when freed. glibc's default raises that
    /// threshold as large blocks are freed, after which megabyte buffers come from the heap and
    /// stay resident: under 1 MB + 1 MB × 64 connections the peak RSS was about 900–1,000 MiB
    /// with the default and 700–800 MiB with this (BENCHMARKS.md).
    static func main() async {
        mallopt(M_MMAP_THRESHOLD, 256 * 1024)
        NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        await ServiceCommand.main(Self.self, name: "audit-producer")
    }

    func run() async throws {
        let settings = try ProducerSettings(options: options, environment: ProcessInfo.processInfo.environment)
        let logger = {
            var logger = Logger(label: "audit-producer")
            logger.logLevel = settings.logLevel
            return logger
        }()

        let registry = AdminListener.bootstrapMetrics()

        let producer = try KafkaProducer(configuration: settings.kafka, logger: logger)
        let publisher: AuditPublisher
        do {
            publisher = try AuditPublisher(
                configuration: settings.publisher,
                producer: producer,
                logger: logger
            )
        } catch {
            throw ConfigurationError("--spool-dir / AUDIT_SPOOL_DIR", "cannot use '\(settings.publisher.spool.directory)': \(error)")
        }
        let capture = try AuditCaptureMiddleware<ProxyRequestContext>(configuration: settings.capture, sink: publisher)

        let proxy = ProxyServer(configuration: settings.proxy, capture: capture, logger: logger)
        let proxyService = proxy.service(address: .hostname(settings.listenHost, port: settings.listenPort)) { channel in
            logger.info("proxy listening", metadata: ["address": "\(channel.localAddress?.description ?? "?")", "upstream": "\(settings.proxy.upstream)"])
        }
        let adminApp = AdminListener.application(
            host: settings.adminHost,
            port: settings.adminPort,
            health: { Self.health(of: publisher) },
            readiness: { Self.readiness(of: publisher) },
            registry: registry,
            logger: logger
        )
        if settings.capture.rules.isEmpty {
            logger.warning("no capture routes configured (--route or --routes-file): proxying without recording anything")
        }
        logger.info("capturing", metadata: [
            "routes": "\(settings.capture.rules.map { "\($0.action) \($0.methods.sorted().joined(separator: ",")) \($0.path)" })",
            "kafka.brokers": "\(settings.kafka.bootstrapServers.joined(separator: ","))",
            "kafka.topic": "\(settings.publisher.topic)",
            "mark.interval": "\(settings.publisher.markInterval)",
            "events.signingKeyID": "\(settings.publisher.eventSigner?.keyID ?? "none (drop notices and marks unsigned)")",
        ])

        // Services stop in reverse order: the listeners first (finishing in-flight exchanges),
        // then the publisher drains to Kafka.
        let group = ServiceGroup(
            configuration: .init(
                services: [
                    .init(service: publisher),
                    .init(service: adminApp),
                    .init(service: proxyService),
                ],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        try await group.run()
        logger.info("audit-producer stopped")
    }

    /// Liveness: fails once the Kafka producer failed fatally, which only a restart fixes (the
    /// spool is replayed after the restart).
    private static func health(of publisher: AuditPublisher) -> AdminStatus {
        guard let failure = publisher.fatalFailure else { return AdminStatus(passes: true, message: "ok") }
        return AdminStatus(passes: false, message: "unhealthy: Kafka producer failed fatally, restart required: \(failure)")
    }

    /// Readiness: a Kafka broker answered the last check, or the spool has room to keep envelopes
    /// until one does.
    private static func readiness(of publisher: AuditPublisher) -> AdminStatus {
        let ready = publisher.isReady
        let kafka = publisher.isKafkaReachable ? "kafka reachable" : "kafka unreachable"
        let spool = ready && !publisher.isKafkaReachable ? ", spooling to disk" : ""
        return AdminStatus(passes: ready, message: "\(ready ? "ready" : "not ready"): \(kafka)\(spool)")
    }
}
