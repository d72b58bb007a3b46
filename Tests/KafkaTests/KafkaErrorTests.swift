import CRdKafka
import Testing

@testable import Kafka

@Suite("Errors and versions")
struct KafkaErrorTests {
    @Test("librdkafka codes map to a category, a name and retriability")
    func mapping() {
        let timedOut = KafkaError(responseError: RD_KAFKA_RESP_ERR__MSG_TIMED_OUT)
        #expect(timedOut.code == .timedOut)
        #expect(timedOut.rdKafkaErrorName == "_MSG_TIMED_OUT")
        #expect(timedOut.isRetriable)
        #expect(!timedOut.isFatal)

        let tooLarge = KafkaError(responseError: RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE)
        #expect(tooLarge.code == .messageTooLarge)
        #expect(!tooLarge.isRetriable)

        let fatal = KafkaError(responseError: RD_KAFKA_RESP_ERR__FATAL)
        #expect(fatal.code == .fatal)
        #expect(fatal.isFatal)

        #expect(KafkaError(responseError: RD_KAFKA_RESP_ERR__TRANSPORT).code == .brokerUnreachable)
        #expect(KafkaError(responseError: RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART).code == .unknownTopicOrPartition)
        #expect(KafkaError(responseError: RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED).code == .delivery)
    }

    @Test("the description names the code and the librdkafka error, never more")
    func description() {
        let error = KafkaError(responseError: RD_KAFKA_RESP_ERR__QUEUE_FULL, reason: "local queue full")
        #expect(error.description == "KafkaError.queueFull (_QUEUE_FULL): local queue full")
    }

    @Test("runtime versions decode and compare against the 2.2.0 tagged-field fix")
    func versions() {
        let debian = KafkaRuntimeVersion(hex: 0x0200_02FF)
        #expect(debian.description == "2.0.2")
        #expect(debian < KafkaRuntimeVersion.minimumRecommended)
        #expect(KafkaRuntimeVersion(hex: 0x0210_00FF) > KafkaRuntimeVersion.minimumRecommended)
        #expect(KafkaRuntimeVersion.current.major >= 2)
    }
}
