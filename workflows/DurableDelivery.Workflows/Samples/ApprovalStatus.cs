namespace DurableDelivery.Workflows.Samples;

/// <summary>The answer of the <c>status</c> query of <see cref="ApprovalWorkflow"/>.</summary>
/// <param name="Phase">One of <c>checking</c>, <c>waiting-for-approvals</c>, <c>baking</c>, <c>done</c>.</param>
/// <param name="Approvals">The approvers so far, in arrival order.</param>
/// <param name="RequiredApprovals">How many approvers are needed.</param>
/// <param name="Check">The check activity's summary, once it has run.</param>
public sealed record ApprovalStatus(string Phase, IReadOnlyList<string> Approvals, int RequiredApprovals, string? Check);
