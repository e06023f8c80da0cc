import Foundation

// MARK: - Formats

/// The on-disk layout of a dataset folder (`data.format` in configs).
public enum DatasetFormat: String, Sendable, CaseIterable {
    /// Detect the format from the files present (see `DatasetFormat.detect(folder:)`).
    case auto
    /// MovieLens-100K: `u.data`, `u.item`, `u.genre`.
    case movieLens100K = "ml-100k"
    /// MovieLens-1M: `ratings.dat`, `movies.dat` (`::`-separated, Latin-1).
    case movieLens1M = "ml-1m"
    /// Current MovieLens CSV releases (latest-small, 25M, 32M): `ratings.csv`, `movies.csv`.
    case movieLensCSV = "ml-csv"
    /// Amazon-style `sequences.txt` + `items.tsv`.
    case amazon
    /// RecBole atomic files: `*.inter` + `*.item`.
    case recbole

    /// The file whose presence names each concrete format, in the order `auto` tries them.
    static let markers: [(format: DatasetFormat, file: String)] = [
        (.movieLens100K, "u.data"), (.movieLens1M, "ratings.dat"), (.movieLensCSV, "ratings.csv"),
        (.amazon, "sequences.txt"), (.recbole, ".inter"),
    ]

    /// The concrete format of a folder: the first of `u.data`, `ratings.dat`, `ratings.csv`, `sequences.txt` or a
    /// `*.inter` file that it holds.
    /// - Throws: `DataReadError.folderNotFound` or `.formatNotDetected`.
    public static func detect(folder: String) throws(DataReadError) -> DatasetFormat {
        guard DatasetFolder.isDirectory(folder) else { throw .folderNotFound(path: folder) }
        let files = DatasetFolder.files(in: folder)
        for (format, marker) in Self.markers {
            let found = marker.hasPrefix(".") ? files.contains { $0.hasSuffix(marker) } : files.contains(marker)
            if found { return format }
        }
        throw .formatNotDetected(folder: folder, files: files)
    }
}

// MARK: - Readers

extension DatasetFormat {
    /// The reader of a concrete format; nil for `.auto`.
    var reader: (any FormatReader.Type)? {
        switch self {
        case .auto: nil
        case .movieLens100K: MovieLens100KReader.self
        case .movieLens1M: MovieLens1MReader.self
        case .movieLensCSV: MovieLensCSVReader.self
        case .amazon: AmazonReader.self
        case .recbole: RecBoleReader.self
        }
    }
}

// MARK: - Folder helpers

/// File-system queries the readers share.
enum DatasetFolder {
    /// Whether a regular file or folder exists at the path.
    static func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

    /// Whether a folder exists at the path.
    static func isDirectory(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    /// The names of the entries in a folder, sorted; empty if it cannot be listed.
    static func files(in folder: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()
    }
}
