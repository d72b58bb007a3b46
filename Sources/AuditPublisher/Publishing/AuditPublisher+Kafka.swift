/// Watching whether Kafka answers; the state machine turns the answers into modes.
extension AuditPublisher {
    /// Checks every few seconds that a broker answers.
    func watchKafka() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(isKafkaReachable ? 5 : 1))
            await checkKafka()
        }
    }

    /// Asks a broker for metadata; while none answers, new envelopes spool.
    func checkKafka() async {
        // A fatally failed producer cannot send again: treat Kafka as unreachable so envelopes spool.
        let answered = (try? await producer.metadata(allTopics: false, timeout: .seconds(2))) != nil
        let isReachable = answered && producer.fatalError == nil
        if case .announce(let reachable) = machine.withLock({ $0.kafkaChecked(reachable: isReachable) }) {
            logger.log(level: reachable ? .info : .warning, "Kafka \(reachable ? "reachable" : "unreachable; spooling envelopes to disk")")
        }
        metrics.kafkaReachable.record(isReachable ? 1 : 0)
    }
}
