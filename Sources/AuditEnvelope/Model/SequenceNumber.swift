/// The numbers a producer gives its exchanges (`sequence`) and its drop notices name.
public enum SequenceNumber {
    /// 1 up to 2^53 - 1, the largest integer every JSON reader holds exactly; a producer numbering
    /// a million exchanges a second would need 285 years to reach it. A number outside is planted
    /// or damaged: envelopes and notices that carry one are refused, and readers report them, so
    /// that arithmetic on numbers (`highest + 1`, gap sizes) can never overflow.
    public static let valid: ClosedRange<Int64> = 1...((1 << 53) - 1)
}
