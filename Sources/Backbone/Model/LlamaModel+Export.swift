import Tensor

extension LlamaModel {
    /// Writes the dequantised Float32 weights of the blocks in use as a `.safetensors` file with GGUF tensor names
    /// (`token_embd.weight`, `blk.0.attn_q.weight`, …), Q/K rows in the model's own RoPE convention. Used to hand
    /// the exact same weights to a peer implementation.
    /// - Throws: ``ModelFileError`` if the file cannot be written.
    public func writeWeights(safeTensorsPath path: String) throws(ModelFileError) {
        var tensors: [(name: String, tensor: Tensor)] = [
            (TensorNames.gguf.embedding, self.weights.embedding),
            (TensorNames.gguf.outputNorm, self.weights.outputNorm),
        ]
        if !self.configuration.tiedEmbeddings { tensors.append((TensorNames.gguf.head, self.weights.head)) }
        for (layer, block) in self.weights.blocks.enumerated() {
            let parts: [(TensorNames.BlockTensor, Tensor)] = [
                (.attentionNorm, block.attentionNorm), (.query, block.query), (.key, block.key), (.value, block.value),
                (.output, block.output), (.feedForwardNorm, block.feedForwardNorm), (.gate, block.gate),
                (.up, block.up), (.down, block.down),
            ]
            tensors += parts.map { (TensorNames.gguf.block(layer, $0.0), $0.1) }
        }
        try SafeTensorsFile.write(tensors, to: path)
    }
}
