/// Replaying the spool to Kafka, in order, and keeping it synced.
extension AuditPublisher {
    /// Replays spool segments in order whenever the state machine says so; deletes each once
    /// every entry in it is acknowledged.
    func replaySpool() async {
        while !Task.isCancelled {
            switch machine.withLock({ $0.replayStep() }) {
            case .stop:
                return
            case .wait(let duration):
                try? await Task.sleep(for: duration)
            case .load(let check):
                do {
                    let replay = try await spool.nextReplay()
                    switch machine.withLock({ $0.segmentLoaded(check, found: replay != nil) }) {
                    case .wait(let duration):
                        try? await Task.sleep(for: duration)
                    case .resumedDirect:
                        logger.info("spool replayed; sending envelopes straight to Kafka again")
                    case .replay:
                        if let replay { try await replaySegment(replay) }
                    }
                } catch {
                    logger.error("spool replay failed; retrying", metadata: ["error": "\(error)"])
                    try? await Task.sleep(for: .seconds(1))
                }
            }
        }
    }

    /// Sends one segment's entries and waits for their outcomes (or shutdown); deletes the
    /// segment when all were delivered, else records the delivered prefix and pauses.
    private func replaySegment(_ laneReplay: Spool.Replay) async throws {
        let replay = laneReplay.segment
        metrics.replayBytes.record(replay.heldBytes)
        defer { metrics.replayBytes.record(0) }
        if replay.damaged > 0 || replay.tornTail {
            metrics.spoolDamaged.increment(by: Int64(replay.damaged))
            logger.error("spool segment had damaged records; skipped them and replaying the rest", metadata: [
                "segment": "\(replay.segment.path)", "damaged": "\(replay.damaged)", "torn.tail": "\(replay.tornTail)",
            ])
        }
        let batch = ReplayBatch(count: replay.entries.count)
        for (index, entry) in replay.entries.enumerated() {
            guard machine.withLock({ $0.mayReplay }), !Task.isCancelled else {
                batch.abandon(from: index)
                break
            }
            let exchangeID = entry.record.header("ce_id") ?? "spooled"
            await send(entry, exchangeID: exchangeID, kind: .replayed) { action, _ in
                switch action {
                // A too-large one is dropped (counted by send) and must not hold the segment.
                case .delivered: batch.record(index, .delivered)
                case .dropTooLarge: batch.record(index, .dropped)
                case .keepInSpool, .spool: batch.record(index, .kept)
                case .ignore: break
                }
            }
        }
        let (prefix, replayed) = await batch.wait()
        metrics.replayed.increment(by: Int64(replayed))
        if prefix == replay.entries.count {
            try await spool.finished(laneReplay)
            // With disk durability every exchange passes here: one line per segment is noise.
            logger.log(level: configuration.durability == .disk ? .debug : .info, "replayed spool segment", metadata: [
                "segment": "\(replay.segment.path)", "entries": "\(replay.entries.count)",
            ])
        } else {
            try await spool.acknowledged(laneReplay, count: replay.alreadyAcknowledged + prefix)
            try? await Task.sleep(for: .seconds(1))
        }
    }

    /// Fsyncs the spool at its sync interval and records whether it has room.
    func syncSpool() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: configuration.spool.syncInterval)
            do {
                try await spool.syncIfDue()
            } catch {
                logger.error("spool fsync failed", metadata: ["error": "\(error)"])
            }
            let hasRoom = await spool.hasRoom()
            machine.withLock { $0.spoolRoomChecked(hasRoom) }
        }
    }
}
