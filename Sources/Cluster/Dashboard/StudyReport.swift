import Foundation

/// `mixrec report`: the dashboard page as one self-contained HTML file (inline SVG and style, no links).
public enum StudyReport {
    /// Reads the study in `store` and renders the report.
    /// - Throws: `StudyStoreError` if the database cannot be read.
    public static func html(
        from store: StudyStore, objective: String = "valid/ndcg@10", maximize: Bool = true
    ) throws(StudyStoreError) -> String {
        DashboardPage.render(
            try DashboardSnapshot.load(from: store, objective: objective, maximize: maximize), style: .report)
    }
}
