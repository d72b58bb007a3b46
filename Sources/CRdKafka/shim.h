#ifndef AUDITSHIPPER_CRDKAFKA_SHIM_H
#define AUDITSHIPPER_CRDKAFKA_SHIM_H

#include <librdkafka/rdkafka.h>

/// `rd_kafka_producev` is variadic and cannot be called from Swift; this wrapper
/// fixes the argument list. The key is copied; the payload is not (no message flags): the
/// caller keeps it valid and unchanged until the message's delivery report.
/// On success librdkafka owns `headers`; on failure the caller still does.
static inline rd_kafka_resp_err_t auditshipper_produce(
    rd_kafka_t *rk,
    const char *topic,
    int32_t partition,
    const void *key, size_t key_len,
    const void *value, size_t value_len,
    rd_kafka_headers_t *headers,
    void *opaque)
{
    return rd_kafka_producev(
        rk,
        RD_KAFKA_V_TOPIC(topic),
        RD_KAFKA_V_PARTITION(partition),
        RD_KAFKA_V_KEY(key, key_len),
        RD_KAFKA_V_VALUE((void *)value, value_len),
        RD_KAFKA_V_HEADERS(headers),
        RD_KAFKA_V_MSGFLAGS(0),
        RD_KAFKA_V_OPAQUE(opaque),
        RD_KAFKA_V_END);
}

#endif
