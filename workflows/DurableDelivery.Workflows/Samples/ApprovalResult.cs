namespace DurableDelivery.Workflows.Samples;

/// <summary>The result of <see cref="ApprovalWorkflow"/>.</summary>
/// <param name="Change">The approved change.</param>
/// <param name="Check">The check activity's summary.</param>
/// <param name="ApprovedBy">The approvers, in arrival order.</param>
/// <param name="BakedSeconds">How long the change baked.</param>
public sealed record ApprovalResult(string Change, string Check, IReadOnlyList<string> ApprovedBy, int BakedSeconds);
