namespace DurableDelivery.Determinism.Tests.Support;

/// <summary>A statement of workflow code that must be refused by the entry <paramref name="EntryId"/> of BannedSymbols.txt.</summary>
/// <param name="EntryId">The documentation id of the BannedSymbols.txt entry the statement exercises.</param>
/// <param name="Statement">One line of C# inside the probe workflow's run method.</param>
/// <param name="Replacement">What the error message must name instead (a <c>Workflow.*</c> API or an activity).</param>
public sealed record BannedCall(string EntryId, string Statement, string Replacement);
