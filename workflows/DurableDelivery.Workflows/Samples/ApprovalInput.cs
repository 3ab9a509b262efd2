namespace DurableDelivery.Workflows.Samples;

/// <summary>Input of <see cref="ApprovalWorkflow"/>.</summary>
/// <param name="Change">What is being approved, e.g. a pull request reference such as <c>pr-42</c>.</param>
/// <param name="BakeSeconds">How long the approved change bakes (a durable timer) before the workflow completes.</param>
/// <param name="RequiredApprovals">How many distinct approvers are needed; an update can change it while the workflow waits.</param>
public sealed record ApprovalInput(string Change, int BakeSeconds = 0, int RequiredApprovals = 1);
