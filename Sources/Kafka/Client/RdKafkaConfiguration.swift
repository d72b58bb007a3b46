import CRdKafka

/// Builds a `rd_kafka_conf_t` from properties, naming the property librdkafka refuses.
enum RdKafkaConfiguration {
    /// - Returns: A configuration the caller owns (pass it to `rd_kafka_new` or destroy it).
    /// - Throws: ``KafkaError`` with code `invalidConfiguration` naming the refused property.
    static func make(_ properties: [String: String]) throws(KafkaError) -> OpaquePointer {
        let conf = rd_kafka_conf_new()!
        // Sorted so that, with several bad properties, the same one is reported every time.
        for (name, value) in properties.sorted(by: { $0.key < $1.key }) {
            let (result, detail) = withErrorMessageBuffer { rd_kafka_conf_set(conf, name, value, $0, $1) }
            guard result == RD_KAFKA_CONF_OK else {
                rd_kafka_conf_destroy(conf)
                throw KafkaError(.invalidConfiguration, reason: "property '\(name)': \(detail)")
            }
        }
        return conf
    }
}
