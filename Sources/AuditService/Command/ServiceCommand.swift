import ArgumentParser
import Foundation
import Kafka

/// Runs a service's command so that bad configuration prints the setting at fault and exits with
/// status 2 (not ArgumentParser's 64), before the service does anything.
public enum ServiceCommand {
    /// Parses the arguments and runs the command `Command`.
    /// - Parameter name: The executable's name, prefixed to error messages.
    public static func main<Command: AsyncParsableCommand>(_ type: Command.Type, name: String) async {
        do {
            var command = try Command.parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let error as ConfigurationError {
            failConfiguration(name, "\(error)")
        } catch let error as KafkaError where error.code == .invalidConfiguration {
            failConfiguration(name, "invalid configuration: Kafka \(error.reason)")
        } catch {
            if Command.exitCode(for: error) == .success || error is ExitCode { Command.exit(withError: error) }
            failConfiguration(name, Command.fullMessage(for: error))
        }
    }

    private static func failConfiguration(_ name: String, _ message: String) -> Never {
        FileHandle.standardError.write(Data("\(name): \(message)\n".utf8))
        Foundation.exit(2)
    }
}
