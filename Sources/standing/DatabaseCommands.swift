import ArgumentParser
import Foundation
import Logging
import Server

extension Standing {
    /// `standing db`: the installation's database, SQLite or PostgreSQL.
    struct Database: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "db",
            abstract: "Maintain the database: apply migrations, back up SQLite, copy SQLite to PostgreSQL.",
            subcommands: [Migrate.self, Backup.self, Copy.self]
        )
    }
}

extension Standing.Database {
    /// `standing db migrate`: what a start does to the schema, without serving.
    struct Migrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Apply the database migrations this version of Standing needs (a start does the same).",
            discussion: """
                With --database postgres://… the PostgreSQL database is migrated (running instances may stay up: each \
                migration is one transaction, claimed by row). Without it, the SQLite database of the data directory, \
                which must exist and not be in use.
                """
        )

        @OptionGroup var settings: ServerSettingsOptions

        func run() async throws {
            let configuration = try settings.resolvedConfiguration()
            var logger = Logger(label: "standing")
            logger.logLevel = .notice
            let migrated = try await migrateDatabase(configuration: configuration, logger: logger)
            print("\(migrated.database): \(migrated.migrations.joined(separator: ", "))")
        }
    }

    /// `standing db backup`: an online copy of the SQLite database.
    struct Backup: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy the SQLite database to a new file while the service runs (SQLite online backup).",
            discussion: """
                The copy is a consistent state of one moment, written with mode 0600; keys/, operator-token and \
                lote-certificate.pem are files to back up beside it. PostgreSQL installations use pg_dump or \
                continuous archiving instead (ops/postgresql.md).
                """
        )

        @OptionGroup var settings: ServerSettingsOptions
        @Option(name: .long, help: "The new backup file (must not exist).")
        var to: String

        func run() async throws {
            let source = try backupSQLiteDatabase(configuration: try settings.resolvedConfiguration(), to: to)
            print("backed up \(source) to \(to)")
        }
    }
}

extension Standing.Database {
    /// `standing db copy`: a stopped SQLite installation's database into an empty PostgreSQL database.
    struct Copy: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy a stopped SQLite installation's database into an empty PostgreSQL database, and check the copy.",
            discussion: """
                Statuses, audit log, publications, tokens, registry log, counters and the installation record are \
                copied in one transaction, then the rows of every table are counted on both sides and the registry log \
                is compared event by event and its hash chain followed. Then serve the same data directory with \
                --database (the directory keeps the keys, operator token and LoTE certificate).
                """
        )

        @Option(name: .long, help: "The SQLite installation's data directory (the service must be stopped).")
        var from: String
        @Option(name: .long, help: "The empty PostgreSQL database, postgres://USER@HOST:PORT/DB (no password in it).")
        var to: String
        @Option(name: .long, help: "File whose first line is the PostgreSQL password (else PGPASSWORD).")
        var databasePasswordFile: String?

        func run() async throws {
            var logger = Logger(label: "standing")
            logger.logLevel = .warning
            var standardError = StandardError()
            let copied = try await copySQLiteDatabase(
                from: from, to: to, passwordFile: databasePasswordFile, logger: logger
            ) { step in
                print("copied \(step)", to: &standardError)
            }
            print(copied.text(from: from))
        }
    }
}
