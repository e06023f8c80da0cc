import Backbone
import ConfigKit
import Tensor
import TestKit
import Testing

@testable import MixRec

/// `model.text_vector`: which frozen vector stands for an item's text in the collaborative model and the cold-item
/// baseline.
@Suite struct TextVectorTests {
    @Test func centredUnitRowsRemoveTheMeanRowAndScaleToUnitLength() {
        let rows = Tensor([1, 2, 3, 5, 0, 1, -1, 4, 2], shape: [3, 3])
        let unit = rows.centredUnitRows().scalars
        let mean: [Float] = [5.0 / 3, 2, 2]
        for row in 0..<3 {
            let centred = (0..<3).map { rows.scalars[row * 3 + $0] - mean[$0] }
            let norm = centred.map { $0 * $0 }.reduce(0, +).squareRoot()
            for column in 0..<3 {
                #expect(abs(unit[row * 3 + column] - centred[column] / norm) < 1e-6)
            }
        }
        let same = Tensor([1, 2, 1, 2], shape: [2, 2]).centredUnitRows().scalars
        #expect(same == [0, 0, 0, 0], "rows equal to the mean stay zero")
    }

    /// The default reads the mean of each item's token states; `align` reads W's initial `[ALIGN]` vectors; the
    /// collaborative model's text features are the chosen vectors.
    @Test func theConfiguredVectorFeedsTheCollaborativeModel() throws {
        let overrides = ["model.collaborative.item_text=true"]
        let tokenMean = try self.model(overrides)
        #expect(tokenMean.config.model.textVector == .tokenMean)
        let expected = tokenMean.text.table.meanStates.centredUnitRows().scalars
        #expect(tokenMean.itemTextVectors.scalars == expected)
        #expect(tokenMean.collaborative?.textFeatures?.scalars == expected)
        let align = try self.model(overrides + ["model.text_vector=align"])
        let initial = withoutGradients { align.textVectors(align: align.encodeAllItems().align) }.scalars
        let difference = zip(align.itemTextVectors.scalars, initial).map { abs($0 - $1) }.max() ?? 1
        #expect(difference < 1e-5)
        #expect(align.collaborative?.textFeatures?.scalars == align.itemTextVectors.scalars)
        #expect(align.itemTextVectors.scalars != expected, "the two vectors differ")
    }

    /// `item_projection_init: text_vector` starts W from the items' token-mean states, normalised as the `[ALIGN]`
    /// states are by default; with `text_vector: align` it is the default start.
    @Test func theItemProjectionStartsFromTheChosenVectors() throws {
        let tokens = try self.model(["model.item_projection_init=text_vector"])
        let expected = withoutGradients { tokens.textVectors(align: tokens.text.table.meanStates) }
        #expect(tokens.itemProjection.scalars == expected.scalars)
        let centre = Tensor.rmsNorm(tokens.text.table.meanStates, weight: tokens.unitGain, epsilon: 1e-6).mean(axis: 0)
        #expect(tokens.scoreCentre.scalars == centre.scalars)
        let align = try self.model([])
        #expect(align.itemProjection.scalars != tokens.itemProjection.scalars)
        let alignAgain = try self.model(["model.item_projection_init=text_vector", "model.text_vector=align"])
        #expect(alignAgain.itemProjection.scalars == align.itemProjection.scalars)
    }

    @Test func anUnknownVectorIsRefusedWithTheChoices() {
        #expect {
            try TinyMixRec.config(["model.text_vector=last"])
        } throws: { error in
            "\(error)".contains("model.text_vector") && "\(error)".contains("token_mean")
        }
    }

    func model(_ overrides: [String]) throws -> MixRecModel {
        let config = try TinyMixRec.config(overrides)
        return TinyMixRec.model(config, data: try TinyMixRec.data(config))
    }
}
