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
        let batch = ReplayBatch(exchanges: replay.entries.map { !$0.isProducerEvent })
        // Exchanges spilled as captured are built first, several at once; every entry is sent
        // in spool order. Once replay must pause, nothing more is sent: `sent` entries were.
        var pending = replay.entries.enumerated().makeIterator()
        var sent = 0
        var paused = false
        await OrderedBuilds<(offset: Int, element: SpoolEntry), SpoolEntry?>(width: configuration.buildThreads).run(next: {
            paused ? nil : pending.next()
        }, build: { item in
            await self.replayable(item.element)
        }, deliver: { item, built in
            guard !paused, machine.withLock({ $0.mayReplay }), !Task.isCancelled else {
                paused = true
                return
            }
            sent += 1
            let index = item.offset
            guard let built else {
                metrics.spoolDamaged.increment()
                drop(item.element.record.header("ce_id") ?? "spooled", sequence: Self.sequence(of: item.element), .spoolError,
                     "a spooled exchange's bytes are not an exchange (segment \(replay.segment.path))")
                batch.record(index, .dropped)
                return
            }
            let exchangeID = built.record.header("ce_id") ?? "spooled"
            await send(built, exchangeID: exchangeID, kind: .replayed) { action, _ in
                switch action {
                // A too-large one is dropped (counted by send) and must not hold the segment.
                case .delivered: batch.record(index, .delivered)
                case .dropTooLarge: batch.record(index, .dropped)
                case .keepInSpool, .spool: batch.record(index, .kept)
                case .ignore: break
                }
            }
        })
        batch.abandon(from: sent)
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
