import Tensor

extension LlamaModel {
    /// Writes the dequantised Float32 weights of the blocks in use as a `.safetensors` file with GGUF tensor names
    /// (`token_embd.weight`, `blk.0.attn_q.weight`, …), Q/K rows in the model's own RoPE convention. Used to hand
    /// the exact same weights to a peer implementation.
    /// - Throws: ``ModelFileError`` if the file cannot be written.
    public func writeWeights(safeTensorsPath path: String) throws(ModelFileError) {
        try SafeTensorsFile.write(self.namedWeights, to: path)
    }
}
