import Foundation

/// What the publisher tests set up each time: a topic, an upstream app, a spool directory, and a
/// broker of the test's own (started when the test says: Kafka down at first is the point of
/// several tests) or the shared one; producers started in front of them with the tests' flags.
struct PublisherStack {
    /// Where Kafka is.
    enum Broker {
        /// The broker scripts/test started.
        case shared
        /// A broker of this test's own, not started yet (``LocalBroker/start()`` brings it up).
        case own
        /// A broker of this test's own that keeps its data in a moto bucket across a kill, started.
        case ownOnS3
    }

    /// The test's own broker; `nil` on the shared one.
    let broker: LocalBroker?
    let bootstrap: String
    let upstream: UpstreamApp
    let topic: String
    /// The spool directory every producer of the stack uses (a restarted one finds its spool).
    let spool: String

    /// Sets up a topic named after `prefix`, the upstream app and the broker.
    static func start(_ prefix: String, broker kind: Broker = .own) async throws -> PublisherStack {
        let broker: LocalBroker?
        switch kind {
        case .shared: broker = nil
        case .own: broker = LocalBroker(port: LocalBroker.freePort(), s3: false)
        case .ownOnS3:
            broker = LocalBroker(port: LocalBroker.freePort(), s3: true)
            try await broker?.start()
        }
        let bootstrap = try broker?.bootstrap ?? IntegrationBroker.bootstrapServers()[0]
        return PublisherStack(
            broker: broker, bootstrap: bootstrap, upstream: try await UpstreamApp.start(),
            topic: IntegrationBroker.uniqueTopic(prefix), spool: ProducerProcess.temporarySpool())
    }

    /// The producer flags of the publisher tests (route `POST /api/**`, key `X-Tenant` unless
    /// `keyHeader` is `false` (the default key, the exchange id), a 5 s drain) and `extra`.
    func arguments(_ extra: [String] = [], keyHeader: Bool = true) -> [String] {
        ["--upstream", upstream.url, "--route", "POST /api/**", "--kafka-brokers", bootstrap, "--kafka-topic", topic,
         "--spool-dir", spool, "--drain-timeout", "5"] + (keyHeader ? ["--key-header", "X-Tenant"] : []) + extra
    }

    /// Starts a producer with ``arguments(_:keyHeader:)``.
    func producer(_ extra: [String] = [], keyHeader: Bool = true) async throws -> ProducerProcess {
        try await ProducerProcess.start(arguments: arguments(extra, keyHeader: keyHeader))
    }

    /// A collector of the topic, from its beginning.
    func collector(chunkTimeout: Duration = .seconds(300)) throws -> EnvelopeCollector {
        try EnvelopeCollector(topic: topic, bootstrap: bootstrap, chunkTimeout: chunkTimeout)
    }

    /// Stops the upstream app and the test's own broker (its fixture scope would stop the broker
    /// anyway; the app runs in this process).
    func stop() async {
        upstream.stop()
        await broker?.stop()
    }
}
