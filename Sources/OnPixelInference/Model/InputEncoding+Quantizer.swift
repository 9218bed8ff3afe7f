import ReadoutProtocol

extension InputEncoding {
    /// The network input code of one pixel's charge, on `quantizer`'s grid.
    public func code(charge q: Double, quantizer: Quantizer) -> Int {
        guard q != 0 else { return 0 }
        return quantizer.code(scaled(charge: q))
    }
}
